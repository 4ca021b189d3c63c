use alloy_primitives::{keccak256, B256};

/// OpenZeppelin's standard leaf for one `bytes32` value: `keccak256(bytes.concat(keccak256(abi.encode(v))))`.
/// `abi.encode(bytes32)` is the 32 bytes themselves, so this is a double keccak of the transaction hash.
#[inline]
pub fn leaf_hash(tx_hash: &B256) -> B256 {
    keccak256(keccak256(tx_hash))
}

/// OpenZeppelin's inner node: the hash of the pair in ascending order, so proofs need no left/right bits.
#[inline]
pub fn hash_pair(a: &B256, b: &B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}
