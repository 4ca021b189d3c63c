use alloy_primitives::{Address, B256, U256};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::codec::storage_key;
use crate::store::{ACCOUNTS, BLOCK_NUMBERS, BODIES, CHANGESETS, CODE, HEADERS, HEAD_KEY, META, OLDEST_BODY_KEY, RECEIPTS, STORAGE, TX_INDEX};
use crate::{AccountRecord, ChangeSet, StoreError};

/// Entry counts of the block tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEntryCounts {
    pub headers: u64,
    pub bodies: u64,
    pub receipts: u64,
    pub tx_index: u64,
}

/// A consistent, read-only snapshot of the store (a redb read transaction).
pub struct StoreReader {
    txn: ReadTransaction,
}

impl StoreReader {
    pub(crate) fn new(txn: ReadTransaction) -> Self {
        Self { txn }
    }

    pub fn head(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.meta(HEAD_KEY)?.map(|v| u64::from_be_bytes(v.try_into().unwrap_or_default())))
    }

    /// The lowest block whose body and receipts are stored (0 until something is pruned).
    pub fn oldest_body(&self) -> Result<u64, StoreError> {
        Ok(self.meta(OLDEST_BODY_KEY)?.map_or(0, |v| u64::from_be_bytes(v.try_into().unwrap_or_default())))
    }

    /// Entries of the block tables (bodies, receipts, tx index), to measure what pruning keeps.
    pub fn block_entry_counts(&self) -> Result<BlockEntryCounts, StoreError> {
        Ok(BlockEntryCounts {
            headers: self.txn.open_table(HEADERS)?.len()?,
            bodies: self.txn.open_table(BODIES)?.len()?,
            receipts: self.txn.open_table(RECEIPTS)?.len()?,
            tx_index: self.txn.open_table(TX_INDEX)?.len()?,
        })
    }

    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.txn.open_table(META)?.get(key)?.map(|v| v.value().to_vec()))
    }

    pub fn account(&self, address: Address) -> Result<Option<AccountRecord>, StoreError> {
        match self.txn.open_table(ACCOUNTS)?.get(&address.0 .0)? {
            Some(v) => Ok(Some(AccountRecord::from_bytes(v.value())?)),
            None => Ok(None),
        }
    }

    /// Every account, in address order (to rebuild the account trie on open).
    pub fn accounts(&self) -> Result<Vec<(Address, AccountRecord)>, StoreError> {
        let table = self.txn.open_table(ACCOUNTS)?;
        let mut out = Vec::with_capacity(table.len()? as usize);
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((Address::from(*k.value()), AccountRecord::from_bytes(v.value())?));
        }
        Ok(out)
    }

    pub fn storage(&self, address: Address, slot: U256) -> Result<U256, StoreError> {
        Ok(self.txn.open_table(STORAGE)?.get(&storage_key(address, slot))?.map_or(U256::ZERO, |v| U256::from_be_bytes(*v.value())))
    }

    /// All non-zero slots of one account.
    pub fn storage_of(&self, address: Address) -> Result<Vec<(U256, U256)>, StoreError> {
        let from = storage_key(address, U256::ZERO);
        let to = storage_key(address, U256::MAX);
        let mut out = Vec::new();
        for entry in self.txn.open_table(STORAGE)?.range::<&[u8; 52]>(&from..=&to)? {
            let (k, v) = entry?;
            out.push((U256::from_be_slice(&k.value()[20..]), U256::from_be_bytes(*v.value())));
        }
        Ok(out)
    }

    pub fn code(&self, hash: B256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.txn.open_table(CODE)?.get(&hash.0)?.map(|v| v.value().to_vec()))
    }

    pub fn header(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.txn.open_table(HEADERS)?.get(number)?.map(|v| v.value().to_vec()))
    }

    pub fn block_number(&self, hash: B256) -> Result<Option<u64>, StoreError> {
        Ok(self.txn.open_table(BLOCK_NUMBERS)?.get(&hash.0)?.map(|v| v.value()))
    }

    pub fn body(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.txn.open_table(BODIES)?.get(number)?.map(|v| v.value().to_vec()))
    }

    pub fn receipts(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.txn.open_table(RECEIPTS)?.get(number)?.map(|v| v.value().to_vec()))
    }

    /// Block number and index of a transaction.
    pub fn tx_location(&self, hash: B256) -> Result<Option<(u64, u32)>, StoreError> {
        Ok(self.txn.open_table(TX_INDEX)?.get(&hash.0)?.map(|v| {
            let v = v.value();
            (u64::from_be_bytes(v[..8].try_into().expect("8 bytes")), u32::from_be_bytes(v[8..].try_into().expect("4 bytes")))
        }))
    }

    pub fn changeset(&self, number: u64) -> Result<Option<ChangeSet>, StoreError> {
        match self.txn.open_table(CHANGESETS)?.get(number)? {
            Some(v) => Ok(Some(ChangeSet::from_bytes(v.value())?)),
            None => Ok(None),
        }
    }

    /// Numbers of the blocks whose change sets are kept, ascending.
    pub fn changeset_numbers(&self) -> Result<Vec<u64>, StoreError> {
        let mut out = Vec::new();
        for entry in self.txn.open_table(CHANGESETS)?.iter()? {
            out.push(entry?.0.value());
        }
        Ok(out)
    }
}
