//! Ethereum Merkle-Patricia state for the sequencer: an in-memory trie with cached node hashes
//! ([`MerkleTrie`]) and the account + storage tries built on it ([`StateTrie`]), updated per block.
mod state_trie;
mod trie;

pub use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH, KECCAK_EMPTY};
pub use state_trie::{AccountChange, AccountFields, Applied, StateTrie, StorageSource, Undo};
pub use trie::MerkleTrie;
