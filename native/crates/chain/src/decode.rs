//! Decoding a block's raw transactions for building: each bad one is left out with its code, never failing the rest.
use alloy_primitives::{keccak256, Address, Bytes};
use seq_tx::{DecodePolicy, RecoveredTx};

use crate::chain::Rejected;

/// The decoded transactions, the input position of each, and the rejected ones. With `senders` (trusted: this
/// process's own admission recovery, same length as `raw`) no signature is recovered again.
pub(crate) fn for_build(raw: &[Bytes], senders: Option<&[Address]>, policy: &DecodePolicy) -> (Vec<RecoveredTx>, Vec<usize>, Vec<Rejected>) {
    let mut txs = Vec::with_capacity(raw.len());
    let mut positions = Vec::with_capacity(raw.len());
    let mut rejected = Vec::new();
    let results = match senders {
        Some(senders) => seq_tx::decode_batch_with_senders(raw, senders, policy),
        None => seq_tx::decode_batch(raw, policy),
    };
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok(tx) => {
                txs.push(tx);
                positions.push(index);
            }
            Err(error) => rejected.push(Rejected { index, hash: keccak256(&raw[index]), code: error.code(), message: error.to_string() }),
        }
    }
    (txs, positions, rejected)
}
