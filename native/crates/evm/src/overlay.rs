//! The block's working state: committed state read through a [`StateReader`], with every change the block
//! makes kept beside the value it replaced, so the block's diff (and its undo) falls out at the end.
use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use revm::{
    bytecode::Bytecode,
    database_interface::{Database, DatabaseCommit},
    primitives::{AddressMap, KECCAK_EMPTY},
    state::{Account, AccountInfo},
};

use crate::{ReadError, StateReader};

/// An account's nonce, balance and code hash (the storage root is the trie's business).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountState {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
}

impl From<&AccountInfo> for AccountState {
    fn from(info: &AccountInfo) -> Self {
        Self { nonce: info.nonce, balance: info.balance, code_hash: info.code_hash }
    }
}

/// What a block did to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDiff {
    pub address: Address,
    pub before: Option<AccountState>,
    pub after: Option<AccountState>,
    /// All storage the account had before the block is gone (self-destruct, re-creation, EIP-161 removal).
    pub storage_wiped: bool,
    /// (slot, before, after) for every slot whose value changed; with `storage_wiped`, `before` is the
    /// value read during the block (zero when never read).
    pub storage: Vec<(U256, U256, U256)>,
}

/// Every change of a block, sorted by address (and slot) so that it is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    pub accounts: Vec<AccountDiff>,
    /// Code deployed by the block.
    pub codes: Vec<(B256, Bytecode)>,
}

#[derive(Debug)]
struct Entry {
    original: Option<AccountInfo>,
    current: Option<AccountInfo>,
    changed: bool,
    wiped: bool,
    /// slot -> (value at block start, current value)
    storage: HashMap<U256, (U256, U256)>,
}

pub struct BlockState<'r, R: StateReader + ?Sized> {
    reader: &'r R,
    accounts: HashMap<Address, Entry>,
    codes: HashMap<B256, Bytecode>,
    new_codes: Vec<B256>,
}

impl<'r, R: StateReader + ?Sized> BlockState<'r, R> {
    pub fn new(reader: &'r R) -> Self {
        Self { reader, accounts: HashMap::new(), codes: HashMap::new(), new_codes: Vec::new() }
    }

    fn entry(&mut self, address: Address) -> Result<&mut Entry, ReadError> {
        if !self.accounts.contains_key(&address) {
            let mut original = self.reader.account(address)?;
            if let Some(info) = &mut original {
                info.code = None;
            }
            self.accounts.insert(address, Entry { current: original.clone(), original, changed: false, wiped: false, storage: HashMap::new() });
        }
        Ok(self.accounts.get_mut(&address).expect("inserted above"))
    }

    /// The account as the block currently sees it.
    pub fn account(&mut self, address: Address) -> Result<Option<AccountInfo>, ReadError> {
        Ok(self.entry(address)?.current.clone())
    }

    /// The block's changes, leaving this overlay empty.
    pub fn take_diff(&mut self) -> StateDiff {
        let mut accounts: Vec<AccountDiff> = self
            .accounts
            .drain()
            .filter(|(_, e)| e.changed)
            .filter_map(|(address, e)| {
                let before = e.original.as_ref().map(AccountState::from);
                let after = e.current.as_ref().map(AccountState::from);
                if before.is_none() && after.is_none() {
                    // Created and removed within the block, or an absent account touched: nothing to record.
                    return None;
                }
                let mut storage: Vec<(U256, U256, U256)> = e
                    .storage
                    .into_iter()
                    .filter(|(_, (old, new))| old != new || (e.wiped && !new.is_zero()))
                    .map(|(slot, (old, new))| (slot, old, new))
                    .collect();
                storage.sort_unstable_by_key(|(slot, _, _)| *slot);
                let diff = AccountDiff { address, before, after, storage_wiped: e.wiped, storage };
                (diff.before != diff.after || diff.storage_wiped || !diff.storage.is_empty()).then_some(diff)
            })
            .collect();
        accounts.sort_unstable_by_key(|d| d.address);
        let mut codes: Vec<(B256, Bytecode)> = self.new_codes.drain(..).filter_map(|hash| self.codes.get(&hash).map(|code| (hash, code.clone()))).collect();
        codes.sort_unstable_by_key(|(hash, _)| *hash);
        codes.dedup_by_key(|(hash, _)| *hash);
        StateDiff { accounts, codes }
    }

    fn commit_account(&mut self, address: Address, account: Account) -> Result<(), ReadError> {
        if !account.is_touched() {
            return Ok(());
        }
        let entry = self.entry(address)?;
        entry.changed = true;
        let destroyed = account.is_selfdestructed();
        // EIP-161: a touched account left empty is removed (with whatever storage it had).
        let removed = destroyed || account.is_empty();
        if removed || account.is_created() {
            entry.wiped = true;
            for (_, current) in entry.storage.values_mut() {
                *current = U256::ZERO;
            }
        }
        if removed {
            entry.current = None;
            return Ok(());
        }
        for (slot, value) in account.storage.iter() {
            if value.is_changed() || entry.wiped {
                let original = value.original_value();
                entry.storage.entry(*slot).or_insert((original, original)).1 = value.present_value();
            }
        }
        let mut info = account.info;
        let code = info.code.take();
        entry.current = Some(info.clone());
        if let Some(code) = code {
            if info.code_hash != KECCAK_EMPTY && !self.codes.contains_key(&info.code_hash) {
                self.codes.insert(info.code_hash, code);
                self.new_codes.push(info.code_hash);
            }
        }
        Ok(())
    }
}

impl<R: StateReader + ?Sized> Database for BlockState<'_, R> {
    type Error = ReadError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, ReadError> {
        self.account(address)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, ReadError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        let code = self.reader.code(code_hash)?;
        self.codes.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, slot: U256) -> Result<U256, ReadError> {
        let reader = self.reader;
        let entry = self.entry(address)?;
        if let Some((_, current)) = entry.storage.get(&slot) {
            return Ok(*current);
        }
        let value = if entry.wiped || entry.original.is_none() { U256::ZERO } else { reader.storage(address, slot)? };
        entry.storage.insert(slot, (value, value));
        Ok(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, ReadError> {
        self.reader.block_hash(number)
    }
}

impl<R: StateReader + ?Sized> DatabaseCommit for BlockState<'_, R> {
    fn commit(&mut self, changes: AddressMap<Account>) {
        for (address, account) in changes {
            // Every account in `changes` was loaded through `basic` first, so this read cannot miss.
            self.commit_account(address, account).expect("committed accounts are already loaded");
        }
    }
}
