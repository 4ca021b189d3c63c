//! The transaction Merkle tree of a batch: byte-for-byte OpenZeppelin's `StandardMerkleTree` over
//! `bytes32` transaction hashes in transaction order, so L1 (`MerkleProof.verify`) and
//! `@openzeppelin/merkle-tree` accept our roots and proofs. Levels are hashed in parallel.
mod error;
mod hash;
mod tree;
mod verify;

pub use alloy_primitives::B256;

pub use error::MerkleError;
pub use hash::{hash_pair, leaf_hash};
pub use tree::MerkleTree;
pub use verify::{process_proof, verify};

/// Root of the tree over `tx_hashes`.
pub fn root(tx_hashes: &[B256]) -> Result<B256, MerkleError> {
    MerkleTree::from_tx_hashes(tx_hashes).map(|tree| tree.root())
}

/// A batch's `txRoot` as L1 stores it: the tree's root, or `bytes32(0)` for a batch without transactions
/// (OpenZeppelin's tree has no root for zero leaves, so the project fixes this convention here).
pub fn tx_root(tx_hashes: &[B256]) -> B256 {
    root(tx_hashes).unwrap_or(B256::ZERO)
}

/// Inclusion proof of transaction `index`; build a [`MerkleTree`] once to prove many.
pub fn proof(tx_hashes: &[B256], index: usize) -> Result<Vec<B256>, MerkleError> {
    MerkleTree::from_tx_hashes(tx_hashes)?.proof(index)
}

/// The leaf stored for one transaction hash.
pub fn leaf(tx_hash: &B256) -> B256 {
    leaf_hash(tx_hash)
}
