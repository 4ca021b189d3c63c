//! Participant sets and the threshold rule.
use crate::error::{MpcError, Result};

/// cait-sith's participant number; the host derives it from the node's Ethereum address.
pub type ParticipantId = u32;

/// t = floor(2n/3) + 1: strictly more than two thirds of the n active sequencers must sign.
pub fn signing_threshold(n: usize) -> usize {
    2 * n / 3 + 1
}

/// Sorted, duplicate-free copy of a set of at least two parties.
pub fn check_set(set: &[ParticipantId], what: &str) -> Result<Vec<ParticipantId>> {
    let mut sorted = set.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != set.len() {
        return Err(MpcError::BadParameters(format!("{what} contain duplicates")));
    }
    if sorted.len() < 2 {
        return Err(MpcError::BadParameters(format!("{what} need at least two parties")));
    }
    Ok(sorted)
}

pub(crate) fn to_cs(set: &[ParticipantId]) -> Vec<cait_sith::protocol::Participant> {
    set.iter().map(|p| (*p).into()).collect()
}
