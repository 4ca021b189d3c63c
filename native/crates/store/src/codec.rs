//! Fixed binary layouts of what the store keeps; big-endian so that keys sort as numbers.
use alloy_primitives::{Address, B256, U256};

use crate::StoreError;

/// An account as persisted: the trie's fields including the storage root, so reopening needs no storage scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
    pub storage_root: B256,
}

pub(crate) const ACCOUNT_LEN: usize = 8 + 32 + 32 + 32;

impl AccountRecord {
    pub(crate) fn to_bytes(self) -> [u8; ACCOUNT_LEN] {
        let mut out = [0u8; ACCOUNT_LEN];
        out[..8].copy_from_slice(&self.nonce.to_be_bytes());
        out[8..40].copy_from_slice(&self.balance.to_be_bytes::<32>());
        out[40..72].copy_from_slice(self.code_hash.as_slice());
        out[72..].copy_from_slice(self.storage_root.as_slice());
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        if bytes.len() != ACCOUNT_LEN {
            return Err(StoreError::Corrupt(format!("account record of {} bytes", bytes.len())));
        }
        Ok(Self {
            nonce: u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes")),
            balance: U256::from_be_slice(&bytes[8..40]),
            code_hash: B256::from_slice(&bytes[40..72]),
            storage_root: B256::from_slice(&bytes[72..]),
        })
    }
}

pub(crate) fn storage_key(address: Address, slot: U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

/// What a block overwrote: the values each changed account and slot had before it. Kept for recent blocks
/// so reads at an older block can look through them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Prior record, `None` where the account did not exist.
    pub accounts: Vec<(Address, Option<AccountRecord>)>,
    /// Prior slot values (zero where unset).
    pub storage: Vec<(Address, U256, U256)>,
    /// Accounts whose whole storage the block dropped; every slot they had is in `storage`.
    pub wiped: Vec<Address>,
}

impl ChangeSet {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.accounts.len() * (21 + ACCOUNT_LEN) + self.storage.len() * 84);
        out.extend_from_slice(&(self.accounts.len() as u64).to_be_bytes());
        for (address, record) in &self.accounts {
            out.extend_from_slice(address.as_slice());
            match record {
                Some(record) => {
                    out.push(1);
                    out.extend_from_slice(&record.to_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(self.storage.len() as u64).to_be_bytes());
        for (address, slot, value) in &self.storage {
            out.extend_from_slice(&storage_key(*address, *slot));
            out.extend_from_slice(&value.to_be_bytes::<32>());
        }
        out.extend_from_slice(&(self.wiped.len() as u64).to_be_bytes());
        for address in &self.wiped {
            out.extend_from_slice(address.as_slice());
        }
        out
    }

    pub(crate) fn from_bytes(mut bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = || StoreError::Corrupt("truncated change set".into());
        let mut take = |n: usize| -> Result<&[u8], StoreError> {
            if bytes.len() < n {
                return Err(corrupt());
            }
            let (head, rest) = bytes.split_at(n);
            bytes = rest;
            Ok(head)
        };
        let count = u64::from_be_bytes(take(8)?.try_into().expect("8 bytes"));
        let mut accounts = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let address = Address::from_slice(take(20)?);
            let record = match take(1)?[0] {
                1 => Some(AccountRecord::from_bytes(take(ACCOUNT_LEN)?)?),
                _ => None,
            };
            accounts.push((address, record));
        }
        let count = u64::from_be_bytes(take(8)?.try_into().expect("8 bytes"));
        let mut storage = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let key = take(52)?;
            let value = U256::from_be_slice(take(32)?);
            storage.push((Address::from_slice(&key[..20]), U256::from_be_slice(&key[20..]), value));
        }
        let count = u64::from_be_bytes(take(8)?.try_into().expect("8 bytes"));
        let mut wiped = Vec::with_capacity(count as usize);
        for _ in 0..count {
            wiped.push(Address::from_slice(take(20)?));
        }
        Ok(Self { accounts, storage, wiped })
    }
}
