use alloy_primitives::B256;
use rayon::prelude::*;

use crate::hash::{hash_pair, leaf_hash};
use crate::MerkleError;

/// Below this many nodes a level is hashed on one thread: rayon's split costs more than it saves.
const PARALLEL_MIN_NODES: usize = 2048;

/// OpenZeppelin's tree layout: a complete binary tree in one array of `2n - 1` nodes, root at 0, the
/// children of `i` at `2i + 1` and `2i + 2`, and leaf `k` (in transaction order) at `len - 1 - k`.
/// Keeping the exact layout makes roots and proofs byte-identical to `@openzeppelin/merkle-tree`.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    nodes: Vec<B256>,
}

impl MerkleTree {
    /// Builds the tree over transaction hashes in transaction order (OpenZeppelin's `sortLeaves: false`).
    pub fn from_tx_hashes(tx_hashes: &[B256]) -> Result<Self, MerkleError> {
        let leaves = tx_hashes.len();
        if leaves == 0 {
            return Err(MerkleError::Empty);
        }
        let mut nodes = vec![B256::ZERO; 2 * leaves - 1];
        let first_leaf = leaves - 1;
        let leaf_slots = &mut nodes[first_leaf..];
        let fill = |(slot, node): (usize, &mut B256)| *node = leaf_hash(&tx_hashes[leaves - 1 - slot]);
        if leaves >= PARALLEL_MIN_NODES {
            leaf_slots.par_iter_mut().enumerate().for_each(fill);
        } else {
            leaf_slots.iter_mut().enumerate().for_each(fill);
        }
        hash_internal_levels(&mut nodes, first_leaf);
        Ok(Self { nodes })
    }

    pub fn root(&self) -> B256 {
        self.nodes[0]
    }

    pub fn leaf_count(&self) -> usize {
        self.nodes.len().div_ceil(2)
    }

    /// The leaf of transaction `index`, as stored in the tree.
    pub fn leaf(&self, index: usize) -> Result<B256, MerkleError> {
        Ok(self.nodes[self.node_of(index)?])
    }

    /// Sibling hashes from the leaf up to (not including) the root, as OpenZeppelin's `getProof`.
    pub fn proof(&self, index: usize) -> Result<Vec<B256>, MerkleError> {
        let mut node = self.node_of(index)?;
        let mut proof = Vec::with_capacity(usize::BITS as usize - node.leading_zeros() as usize);
        while node > 0 {
            let sibling = if node % 2 == 1 { node + 1 } else { node - 1 };
            proof.push(self.nodes[sibling]);
            node = (node - 1) / 2;
        }
        Ok(proof)
    }

    fn node_of(&self, index: usize) -> Result<usize, MerkleError> {
        let len = self.leaf_count();
        if index >= len {
            return Err(MerkleError::IndexOutOfRange { index, len });
        }
        Ok(self.nodes.len() - 1 - index)
    }
}

/// Hashes the internal nodes `0..first_leaf` one heap level at a time, deepest first. A level's parents
/// and its children lie on opposite sides of the level boundary, so each level splits into a mutable
/// parent slice and a read-only child slice and its parents are hashed in parallel.
fn hash_internal_levels(nodes: &mut [B256], first_leaf: usize) {
    if first_leaf == 0 {
        return;
    }
    let deepest = (usize::BITS - 1 - first_leaf.leading_zeros()) as usize; // level holding node first_leaf - 1
    for level in (0..=deepest).rev() {
        let start = (1usize << level) - 1;
        let next_level = (1usize << (level + 1)) - 1;
        let end = next_level.min(first_leaf);
        let (head, children) = nodes.split_at_mut(next_level);
        let parents = &mut head[start..end];
        let hash = |(offset, parent): (usize, &mut B256)| {
            let left = 2 * (start + offset) + 1 - next_level;
            *parent = hash_pair(&children[left], &children[left + 1]);
        };
        if parents.len() >= PARALLEL_MIN_NODES {
            parents.par_iter_mut().enumerate().for_each(hash);
        } else {
            parents.iter_mut().enumerate().for_each(hash);
        }
    }
}
