//! The world state as Ethereum commits to it: an account trie keyed by keccak(address) whose leaves hold
//! RLP(nonce, balance, storageRoot, codeHash), and one storage trie per account keyed by keccak(slot).
//!
//! Storage tries are loaded lazily (through [`StorageSource`]) the first time a block writes an account's
//! storage; accounts whose storage is untouched keep the storage root recorded in their leaf.
use std::collections::HashMap;

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::{Decodable, Encodable};
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};
use rayon::prelude::*;

use crate::MerkleTrie;

/// Reads the whole persisted storage of one account, to build its trie the first time it changes.
pub trait StorageSource: Sync {
    fn storage_of(&self, address: Address) -> Result<Vec<(U256, U256)>, String>;
}

/// An account's fields other than its storage root, which the trie derives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountFields {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
}

/// What one block did to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChange {
    pub address: Address,
    /// `None`: the account no longer exists (EIP-161 cleared or self-destructed).
    pub fields: Option<AccountFields>,
    /// The account's previous storage is gone (self-destructed or re-created) before `storage` applies.
    pub storage_wiped: bool,
    /// New slot values; zero deletes the slot.
    pub storage: Vec<(U256, U256)>,
}

/// Enough to put the tries back exactly as they were before an [`StateTrie::apply`].
#[derive(Debug, Default)]
pub struct Undo {
    accounts: Vec<(B256, Option<Vec<u8>>)>,
    storage: Vec<(Address, StorageUndo)>,
}

#[derive(Debug)]
enum StorageUndo {
    /// The trie was not loaded before; drop it.
    Unload,
    /// The previous trie, kept whole (wipes replace it).
    Replace(MerkleTrie),
    /// Previous values of the slots written.
    Slots(Vec<(B256, Option<Vec<u8>>)>),
}

/// Result of applying one block's changes.
#[derive(Debug)]
pub struct Applied {
    pub state_root: B256,
    /// Storage root of every changed account that still exists, in `changes` order.
    pub storage_roots: Vec<(Address, B256)>,
    pub undo: Undo,
}

#[derive(Debug, Default)]
pub struct StateTrie {
    accounts: MerkleTrie,
    storage: HashMap<Address, MerkleTrie>,
}

impl StateTrie {
    /// Builds the account trie from persisted accounts (with their recorded storage roots).
    pub fn from_accounts(accounts: impl IntoIterator<Item = (Address, TrieAccount)>) -> Self {
        let leaves: Vec<(B256, Vec<u8>)> =
            accounts.into_iter().collect::<Vec<_>>().into_par_iter().map(|(address, account)| (keccak256(address), alloy_rlp::encode(account))).collect();
        Self { accounts: MerkleTrie::from_leaves(leaves), storage: HashMap::new() }
    }

    pub fn root(&mut self) -> B256 {
        self.accounts.root()
    }

    /// The account as committed in the trie.
    pub fn account(&self, address: Address) -> Option<TrieAccount> {
        self.accounts.get(keccak256(address)).map(|rlp| TrieAccount::decode(&mut &rlp[..]).expect("account leaf is valid RLP"))
    }

    /// Applies one block's changes and returns the new state root. Storage tries of different accounts are
    /// updated and hashed in parallel. On a storage-source error nothing is changed.
    pub fn apply(&mut self, changes: &[AccountChange], source: &dyn StorageSource) -> Result<Applied, String> {
        // Take each touched storage trie out of the map (or load it) so the work runs in parallel unshared.
        let touched: Vec<(&AccountChange, Option<MerkleTrie>)> =
            changes.iter().filter(|c| c.fields.is_some() && (c.storage_wiped || !c.storage.is_empty())).map(|c| (c, self.storage.remove(&c.address))).collect();
        let opened: Vec<(&AccountChange, bool, Result<MerkleTrie, String>)> = touched
            .into_par_iter()
            .map(|(change, existing)| match existing {
                Some(trie) => (change, true, Ok(trie)),
                None => (change, false, self.load_storage(change.address, source)),
            })
            .collect();
        if let Some(error) = opened.iter().find_map(|(_, _, r)| r.as_ref().err().cloned()) {
            for (change, existed, trie) in opened {
                if let (true, Ok(trie)) = (existed, trie) {
                    self.storage.insert(change.address, trie);
                }
            }
            return Err(error);
        }
        let updated: Vec<(Address, B256, MerkleTrie, StorageUndo)> = opened
            .into_par_iter()
            .map(|(change, existed, trie)| {
                let mut trie = trie.expect("errors returned above");
                let mut undo = match (existed, change.storage_wiped) {
                    (false, _) => StorageUndo::Unload,
                    (true, true) => StorageUndo::Replace(std::mem::take(&mut trie)),
                    (true, false) => StorageUndo::Slots(Vec::with_capacity(change.storage.len())),
                };
                if change.storage_wiped {
                    trie = MerkleTrie::new();
                }
                for (slot, value) in &change.storage {
                    let key = keccak256(slot.to_be_bytes::<32>());
                    let old = if value.is_zero() { trie.remove(key) } else { trie.insert(key, alloy_rlp::encode(value)) };
                    if let StorageUndo::Slots(slots) = &mut undo {
                        slots.push((key, old));
                    }
                }
                let root = trie.root();
                (change.address, root, trie, undo)
            })
            .collect();

        let mut undo = Undo::default();
        let mut new_roots: HashMap<Address, B256> = HashMap::with_capacity(updated.len());
        for (address, root, trie, storage_undo) in updated {
            new_roots.insert(address, root);
            self.storage.insert(address, trie);
            undo.storage.push((address, storage_undo));
        }

        let mut storage_roots = Vec::with_capacity(changes.len());
        let mut buf = Vec::with_capacity(110);
        for change in changes {
            let key = keccak256(change.address);
            let old = match &change.fields {
                None => {
                    if let Some(trie) = self.storage.remove(&change.address) {
                        undo.storage.push((change.address, StorageUndo::Replace(trie)));
                    }
                    self.accounts.remove(key)
                }
                Some(fields) => {
                    let storage_root = match new_roots.get(&change.address) {
                        Some(root) => *root,
                        None => self.account(change.address).map_or(EMPTY_ROOT_HASH, |a| a.storage_root),
                    };
                    storage_roots.push((change.address, storage_root));
                    buf.clear();
                    TrieAccount::new(fields.nonce, fields.balance, storage_root, fields.code_hash).encode(&mut buf);
                    self.accounts.insert(key, buf.clone())
                }
            };
            undo.accounts.push((key, old));
        }
        let state_root = self.accounts.root();
        Ok(Applied { state_root, storage_roots, undo })
    }

    /// Puts the tries back as they were before the `apply` that returned `undo`.
    pub fn undo(&mut self, undo: Undo) {
        for (key, old) in undo.accounts.into_iter().rev() {
            match old {
                Some(value) => self.accounts.insert(key, value),
                None => self.accounts.remove(key),
            };
        }
        for (address, storage_undo) in undo.storage.into_iter().rev() {
            match storage_undo {
                StorageUndo::Unload => {
                    self.storage.remove(&address);
                }
                StorageUndo::Replace(trie) => {
                    self.storage.insert(address, trie);
                }
                StorageUndo::Slots(slots) => {
                    let trie = self.storage.entry(address).or_default();
                    for (key, old) in slots.into_iter().rev() {
                        match old {
                            Some(value) => trie.insert(key, value),
                            None => trie.remove(key),
                        };
                    }
                }
            }
        }
    }

    /// Builds the account's storage trie from `source`, checked against the root its leaf records.
    fn load_storage(&self, address: Address, source: &dyn StorageSource) -> Result<MerkleTrie, String> {
        let recorded_root = self.account(address).map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
        if recorded_root == EMPTY_ROOT_HASH {
            return Ok(MerkleTrie::new());
        }
        let slots = source.storage_of(address)?;
        let mut trie = MerkleTrie::from_leaves(
            slots.into_iter().filter(|(_, v)| !v.is_zero()).map(|(slot, value)| (keccak256(slot.to_be_bytes::<32>()), alloy_rlp::encode(value))),
        );
        let root = trie.root();
        if root != recorded_root {
            return Err(format!("stored storage of {address} hashes to {root}, account records {recorded_root}"));
        }
        Ok(trie)
    }
}
