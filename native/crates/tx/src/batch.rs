use rayon::prelude::*;

use crate::{decode_and_recover, DecodePolicy, RecoveredTx, TxError};

/// Decodes and recovers many transactions on all cores. Results keep the input order, and each
/// transaction stands alone: one bad entry never fails its neighbours.
pub fn decode_batch<R>(raws: &[R], policy: &DecodePolicy) -> Vec<Result<RecoveredTx, TxError>>
where
    R: AsRef<[u8]> + Sync,
{
    raws.par_iter().map(|raw| decode_and_recover(raw.as_ref(), policy)).collect()
}
