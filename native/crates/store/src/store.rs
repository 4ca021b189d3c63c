use std::path::Path;

use alloy_primitives::{Address, B256, U256};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use crate::codec::storage_key;
use crate::{AccountRecord, ChangeSet, StoreError, StoreReader};

pub(crate) const ACCOUNTS: TableDefinition<&[u8; 20], &[u8]> = TableDefinition::new("accounts");
pub(crate) const STORAGE: TableDefinition<&[u8; 52], &[u8; 32]> = TableDefinition::new("storage");
pub(crate) const CODE: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("code");
pub(crate) const HEADERS: TableDefinition<u64, &[u8]> = TableDefinition::new("headers");
pub(crate) const BLOCK_NUMBERS: TableDefinition<&[u8; 32], u64> = TableDefinition::new("block_numbers");
pub(crate) const BODIES: TableDefinition<u64, &[u8]> = TableDefinition::new("bodies");
pub(crate) const RECEIPTS: TableDefinition<u64, &[u8]> = TableDefinition::new("receipts");
/// tx hash -> block number (8 bytes) ++ index in block (4 bytes)
pub(crate) const TX_INDEX: TableDefinition<&[u8; 32], &[u8; 12]> = TableDefinition::new("tx_index");
pub(crate) const CHANGESETS: TableDefinition<u64, &[u8]> = TableDefinition::new("changesets");
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub(crate) const HEAD_KEY: &str = "head";

/// Everything one block writes. Slices so the caller keeps ownership of its (large) encodings.
#[derive(Debug)]
pub struct BlockWrite<'a> {
    pub number: u64,
    pub hash: B256,
    pub header: &'a [u8],
    pub body: &'a [u8],
    pub receipts: &'a [u8],
    pub tx_hashes: &'a [B256],
    /// New account records; `None` deletes the account (and its storage).
    pub accounts: &'a [(Address, Option<AccountRecord>)],
    /// Accounts whose whole previous storage is dropped before `storage` applies.
    pub wiped: &'a [Address],
    /// New slot values; zero deletes.
    pub storage: &'a [(Address, U256, U256)],
    pub codes: &'a [(B256, &'a [u8])],
    pub changeset: &'a ChangeSet,
    /// Change sets of blocks below this number are deleted (history window).
    pub prune_changesets_below: u64,
    /// Extra key/values stored with the block (e.g. the chain config with genesis).
    pub meta: &'a [(&'a str, &'a [u8])],
}

/// A block written into an open write transaction. Nothing is visible, on disk or to readers, until
/// [`StagedBlock::commit`]; dropping it aborts, exactly as a crash before the commit would.
pub struct StagedBlock {
    txn: WriteTransaction,
}

impl StagedBlock {
    pub fn commit(self) -> Result<(), StoreError> {
        self.txn.commit()?;
        Ok(())
    }
}

pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the store file. redb recovers to the last committed transaction after a crash.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let db = Database::builder().set_cache_size(256 << 20).create(path)?;
        let txn = db.begin_write()?;
        {
            // Create every table up front so readers never meet a missing one.
            txn.open_table(ACCOUNTS)?;
            txn.open_table(STORAGE)?;
            txn.open_table(CODE)?;
            txn.open_table(HEADERS)?;
            txn.open_table(BLOCK_NUMBERS)?;
            txn.open_table(BODIES)?;
            txn.open_table(RECEIPTS)?;
            txn.open_table(TX_INDEX)?;
            txn.open_table(CHANGESETS)?;
            txn.open_table(META)?;
        }
        txn.commit()?;
        Ok(Self { db })
    }

    /// A consistent snapshot of the whole store.
    pub fn reader(&self) -> Result<StoreReader, StoreError> {
        Ok(StoreReader::new(self.db.begin_read()?))
    }

    pub fn head(&self) -> Result<Option<u64>, StoreError> {
        self.reader()?.head()
    }

    /// Writes `block` into a new write transaction without committing it. Blocks must come in order.
    pub fn stage_block(&self, block: &BlockWrite<'_>) -> Result<StagedBlock, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let head = meta.get(HEAD_KEY)?.map(|v| u64::from_be_bytes(v.value().try_into().unwrap_or_default()));
            let expected = head.map_or(0, |h| h + 1);
            if block.number != expected {
                return Err(StoreError::NotNext { head, got: block.number });
            }
            meta.insert(HEAD_KEY, block.number.to_be_bytes().as_slice())?;
            for (key, value) in block.meta {
                meta.insert(*key, *value)?;
            }
        }
        {
            write_state(&txn, block.accounts, block.wiped, block.storage)?;
            let mut code = txn.open_table(CODE)?;
            for (hash, bytes) in block.codes {
                code.insert(&hash.0, *bytes)?;
            }
        }
        {
            txn.open_table(HEADERS)?.insert(block.number, block.header)?;
            txn.open_table(BLOCK_NUMBERS)?.insert(&block.hash.0, block.number)?;
            txn.open_table(BODIES)?.insert(block.number, block.body)?;
            txn.open_table(RECEIPTS)?.insert(block.number, block.receipts)?;
            let mut index = txn.open_table(TX_INDEX)?;
            for (i, hash) in block.tx_hashes.iter().enumerate() {
                let mut location = [0u8; 12];
                location[..8].copy_from_slice(&block.number.to_be_bytes());
                location[8..].copy_from_slice(&(i as u32).to_be_bytes());
                index.insert(&hash.0, &location)?;
            }
            let mut changesets = txn.open_table(CHANGESETS)?;
            changesets.insert(block.number, block.changeset.to_bytes().as_slice())?;
            if block.prune_changesets_below > 0 {
                changesets.retain_in(..block.prune_changesets_below, |_, _| false)?;
            }
        }
        Ok(StagedBlock { txn })
    }
}

/// Everything a rewind writes: the head moves back to `to`, later blocks disappear with their receipts, index
/// entries and change sets, and the state returns to what it was after block `to`.
#[derive(Debug)]
pub struct RewindWrite<'a> {
    pub to: u64,
    /// (number, hash, transaction hashes) of every block above `to`.
    pub removed: &'a [(u64, B256, Vec<B256>)],
    pub accounts: &'a [(Address, Option<AccountRecord>)],
    pub wiped: &'a [Address],
    pub storage: &'a [(Address, U256, U256)],
}

impl Store {
    /// Stages a rewind in one write transaction (nothing is visible before [`StagedBlock::commit`]).
    pub fn stage_rewind(&self, rewind: &RewindWrite<'_>) -> Result<StagedBlock, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let head = meta.get(HEAD_KEY)?.map(|v| u64::from_be_bytes(v.value().try_into().unwrap_or_default()));
            if head.is_none_or(|h| h < rewind.to) {
                return Err(StoreError::NotNext { head, got: rewind.to });
            }
            meta.insert(HEAD_KEY, rewind.to.to_be_bytes().as_slice())?;
        }
        {
            let mut headers = txn.open_table(HEADERS)?;
            let mut numbers = txn.open_table(BLOCK_NUMBERS)?;
            let mut bodies = txn.open_table(BODIES)?;
            let mut receipts = txn.open_table(RECEIPTS)?;
            let mut index = txn.open_table(TX_INDEX)?;
            let mut changesets = txn.open_table(CHANGESETS)?;
            for (number, hash, tx_hashes) in rewind.removed {
                headers.remove(*number)?;
                numbers.remove(&hash.0)?;
                bodies.remove(*number)?;
                receipts.remove(*number)?;
                changesets.remove(*number)?;
                for tx in tx_hashes {
                    index.remove(&tx.0)?;
                }
            }
        }
        {
            write_state(&txn, rewind.accounts, rewind.wiped, rewind.storage)?;
        }
        Ok(StagedBlock { txn })
    }
}

fn wipe(storage: &mut redb::Table<&[u8; 52], &[u8; 32]>, address: Address) -> Result<(), StoreError> {
    let from = storage_key(address, U256::ZERO);
    let to = storage_key(address, U256::MAX);
    storage.retain_in::<&[u8; 52], _>(&from..=&to, |_, _| false)?;
    Ok(())
}

/// Account and storage changes, the same for a block going forward and a rewind going back: a wiped or
/// deleted account loses all its slots before any slot of it is written again.
fn write_state(
    txn: &WriteTransaction,
    accounts: &[(Address, Option<AccountRecord>)],
    wiped: &[Address],
    storage: &[(Address, U256, U256)],
) -> Result<(), StoreError> {
    let mut slots = txn.open_table(STORAGE)?;
    for address in wiped {
        wipe(&mut slots, *address)?;
    }
    let mut account_table = txn.open_table(ACCOUNTS)?;
    for (address, record) in accounts {
        match record {
            Some(record) => {
                account_table.insert(&address.0 .0, record.to_bytes().as_slice())?;
            }
            None => {
                account_table.remove(&address.0 .0)?;
                wipe(&mut slots, *address)?;
            }
        }
    }
    for (address, slot, value) in storage {
        let key = storage_key(*address, *slot);
        if value.is_zero() {
            slots.remove(&key)?;
        } else {
            slots.insert(&key, &value.to_be_bytes::<32>())?;
        }
    }
    Ok(())
}

/// Meta key: the lowest block number whose body and receipts are still stored (absent: 0, nothing pruned).
pub(crate) const OLDEST_BODY_KEY: &str = "oldest_body";

/// One bounded pruning step: bodies, receipts and transaction index entries of `blocks` go; headers and hashes stay.
#[derive(Debug)]
pub struct PruneWrite<'a> {
    /// (number, transaction hashes) of consecutive blocks starting at the current oldest kept body.
    pub blocks: &'a [(u64, Vec<B256>)],
}

impl Store {
    /// Stages one pruning step; the oldest kept body moves to just above the last pruned block. Blocks must start at
    /// the current oldest kept body, be consecutive, and stay below the head (the head's body is never pruned).
    pub fn stage_prune(&self, prune: &PruneWrite<'_>) -> Result<StagedBlock, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let head = meta.get(HEAD_KEY)?.map(|v| u64::from_be_bytes(v.value().try_into().unwrap_or_default()));
            let oldest = meta.get(OLDEST_BODY_KEY)?.map_or(0, |v| u64::from_be_bytes(v.value().try_into().unwrap_or_default()));
            let mut next = oldest;
            for (number, _) in prune.blocks {
                if *number != next || head.is_none_or(|h| *number >= h) {
                    return Err(StoreError::NotNext { head, got: *number });
                }
                next += 1;
            }
            meta.insert(OLDEST_BODY_KEY, next.to_be_bytes().as_slice())?;
        }
        {
            let mut bodies = txn.open_table(BODIES)?;
            let mut receipts = txn.open_table(RECEIPTS)?;
            let mut index = txn.open_table(TX_INDEX)?;
            for (number, tx_hashes) in prune.blocks {
                bodies.remove(*number)?;
                receipts.remove(*number)?;
                for tx in tx_hashes {
                    index.remove(&tx.0)?;
                }
            }
        }
        Ok(StagedBlock { txn })
    }
}
