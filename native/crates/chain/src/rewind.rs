//! Rewinding unsafe blocks: the state goes back to what it was after an earlier block within the history
//! window, and the later blocks disappear, atomically. Used when a failover orphans blocks above the safe head.
use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{keccak256, Address, B256, U256};
use seq_state::{AccountChange, AccountFields};
use seq_store::{AccountRecord, RewindWrite};

use crate::block;
use crate::chain::StoreStorage;
use crate::flat::StateView;
use crate::{Chain, ChainError};

/// One account as it was after the target block, with every slot any later block touched.
struct Restore {
    address: Address,
    record: Option<AccountRecord>,
    wiped: bool,
    slots: Vec<(U256, U256)>,
}

impl Chain {
    /// Drops every block above `number` and restores the state after `number`. Nothing changes on error.
    pub fn rewind_to(&self, number: u64) -> Result<(), ChainError> {
        let mut trie = self.writer.lock();
        let (head, _) = self.head();
        if number == head.number {
            return Ok(());
        }
        if number > head.number {
            return Err(ChainError::Input(format!("cannot rewind forward: block {number} is above the head {}", head.number)));
        }
        let target = self.header(number)?.ok_or_else(|| ChainError::Input(format!("block {number} is not stored")))?;
        let reader = self.store.reader()?;
        let restores = {
            let flat = self.flat.read();
            if number < flat.oldest_readable() {
                return Err(ChainError::StateUnavailable { requested: number, head: head.number, window: self.options().history });
            }
            let mut touched: BTreeMap<Address, BTreeSet<U256>> = BTreeMap::new();
            let mut wiped = BTreeSet::new();
            for (_, changes) in flat.history.iter().filter(|(n, _)| *n > number) {
                for address in changes.accounts.keys() {
                    touched.entry(*address).or_default();
                }
                for (address, slot) in changes.storage.keys() {
                    touched.entry(*address).or_default().insert(*slot);
                }
                wiped.extend(changes.wiped.iter().copied());
            }
            let view = StateView { flat: &flat, store: &reader, at: number };
            let mut restores = Vec::with_capacity(touched.len());
            for (address, slots) in touched {
                let slots =
                    slots.into_iter().map(|slot| Ok((slot, seq_evm::StateReader::storage(&view, address, slot)?))).collect::<Result<_, ChainError>>()?;
                restores.push(Restore { address, record: view.record(address), wiped: wiped.contains(&address), slots });
            }
            restores
        };

        let changes: Vec<AccountChange> = restores
            .iter()
            .map(|r| AccountChange {
                address: r.address,
                fields: r.record.map(|a| AccountFields { nonce: a.nonce, balance: a.balance, code_hash: a.code_hash }),
                storage_wiped: r.wiped,
                storage: r.slots.clone(),
            })
            .collect();
        let applied = trie.apply(&changes, &StoreStorage(&reader)).map_err(ChainError::Trie)?;
        if applied.state_root != target.state_root {
            trie.undo(applied.undo);
            return Err(ChainError::Trie(format!("rewound state hashes to {}, block {number} says {}", applied.state_root, target.state_root)));
        }

        let mut removed = Vec::new();
        for n in number + 1..=head.number {
            let hash = keccak256(reader.header(n)?.unwrap_or_default());
            let txs: Vec<B256> = block::decode_body(&reader.body(n)?.unwrap_or_default())?.iter().map(keccak256).collect();
            removed.push((n, hash, txs));
        }
        let roots: std::collections::HashMap<Address, B256> = applied.storage_roots.iter().copied().collect();
        let accounts: Vec<(Address, Option<AccountRecord>)> =
            restores.iter().map(|r| (r.address, r.record.map(|a| AccountRecord { storage_root: roots[&r.address], ..a }))).collect();
        let wiped: Vec<Address> = restores.iter().filter(|r| r.wiped).map(|r| r.address).collect();
        let storage: Vec<(Address, U256, U256)> =
            restores.iter().filter(|r| r.record.is_some()).flat_map(|r| r.slots.iter().map(move |(s, v)| (r.address, *s, *v))).collect();
        drop(reader);
        let write = RewindWrite { to: number, removed: &removed, accounts: &accounts, wiped: &wiped, storage: &storage };
        let mut flat = self.commit_or_undo(self.store.stage_rewind(&write), &mut trie, applied.undo)?;
        for (address, record) in &accounts {
            match record {
                Some(record) => flat.accounts.insert(*address, *record),
                None => flat.accounts.remove(address),
            };
        }
        let dropped: BTreeSet<Address> = restores.iter().filter(|r| r.wiped || r.record.is_none()).map(|r| r.address).collect();
        if !dropped.is_empty() {
            flat.storage.retain(|(address, _), _| !dropped.contains(address));
        }
        for (address, slot, value) in &storage {
            flat.storage.insert((*address, *slot), *value);
        }
        flat.hashes.retain(|n, _| *n <= number);
        while flat.history.back().is_some_and(|(n, _)| *n > number) {
            flat.history.pop_back();
        }
        flat.head_hash = target.hash_slow();
        flat.head = target;
        Ok(())
    }
}
