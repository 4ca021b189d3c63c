use alloy_primitives::B256;

use crate::hash::{hash_pair, leaf_hash};

/// Folds a proof from a leaf to the root it implies (OpenZeppelin's `processProof`).
pub fn process_proof(leaf: B256, proof: &[B256]) -> B256 {
    proof.iter().fold(leaf, |node, sibling| hash_pair(&node, sibling))
}

/// True when `proof` proves that `tx_hash` is a leaf of the tree with `root`.
pub fn verify(root: &B256, tx_hash: &B256, proof: &[B256]) -> bool {
    process_proof(leaf_hash(tx_hash), proof) == *root
}
