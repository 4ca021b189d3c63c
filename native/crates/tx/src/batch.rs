use alloy_primitives::Address;
use rayon::prelude::*;

use crate::{decode_and_recover, decode_with_sender, DecodePolicy, RecoveredTx, TxError};

/// Decodes and recovers many transactions on all cores. Results keep the input order, and each
/// transaction stands alone: one bad entry never fails its neighbours.
pub fn decode_batch<R>(raws: &[R], policy: &DecodePolicy) -> Vec<Result<RecoveredTx, TxError>>
where
    R: AsRef<[u8]> + Sync,
{
    raws.par_iter().map(|raw| decode_and_recover(raw.as_ref(), policy)).collect()
}

/// [`decode_batch`] with each sender taken from `senders` (same order) instead of recovered: see
/// [`decode_with_sender`] for why `senders` must come from this process's own recovery.
/// Panics if the lengths differ (callers check; a mismatch is a programming error there).
pub fn decode_batch_with_senders<R>(raws: &[R], senders: &[Address], policy: &DecodePolicy) -> Vec<Result<RecoveredTx, TxError>>
where
    R: AsRef<[u8]> + Sync,
{
    assert_eq!(raws.len(), senders.len(), "one sender per raw transaction");
    raws.par_iter().zip(senders.par_iter()).map(|(raw, sender)| decode_with_sender(raw.as_ref(), *sender, policy)).collect()
}
