//! The latest state in memory (all accounts, a write-back cache of storage and code over the store) and the
//! prior values overwritten by each recent block, so reads at any of the last `history` blocks are exact.
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use alloy_consensus::Header;
use alloy_primitives::{Address, B256, U256};
use seq_evm::{AccountInfo, Bytecode, ReadError, StateReader};
use seq_store::{AccountRecord, ChangeSet, StoreReader};

/// Values a block overwrote (what they were before it).
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub accounts: HashMap<Address, Option<AccountRecord>>,
    pub storage: HashMap<(Address, U256), U256>,
    /// Accounts whose storage the block dropped; every slot they had is listed in `storage`.
    pub wiped: HashSet<Address>,
}

impl Changes {
    pub fn from_changeset(set: &ChangeSet, wiped: impl IntoIterator<Item = Address>) -> Self {
        Self {
            accounts: set.accounts.iter().cloned().collect(),
            storage: set.storage.iter().map(|(a, s, v)| ((*a, *s), *v)).collect(),
            wiped: wiped.into_iter().collect(),
        }
    }
}

pub(crate) struct Flat {
    pub accounts: HashMap<Address, AccountRecord>,
    pub storage: HashMap<(Address, U256), U256>,
    pub codes: HashMap<B256, Bytecode>,
    pub head: Header,
    pub head_hash: B256,
    /// Hashes of the last 256 blocks, for BLOCKHASH.
    pub hashes: BTreeMap<u64, B256>,
    /// (block number, what that block overwrote), ascending.
    pub history: VecDeque<(u64, Arc<Changes>)>,
}

impl Flat {
    /// The oldest block whose state can still be read.
    pub fn oldest_readable(&self) -> u64 {
        self.history.front().map_or(self.head.number, |(n, _)| n - 1)
    }
}

/// The state after block `at` (the head or one of the recent blocks), as revm reads it.
pub(crate) struct StateView<'a> {
    pub flat: &'a Flat,
    pub store: &'a StoreReader,
    pub at: u64,
}

impl StateView<'_> {
    /// Blocks after `at`, oldest first: the first that changed a key holds its value at `at`.
    fn later_blocks(&self) -> impl Iterator<Item = &Changes> {
        let at = self.at;
        self.flat.history.iter().filter(move |(n, _)| *n > at).map(|(_, c)| c.as_ref())
    }

    pub fn record(&self, address: Address) -> Option<AccountRecord> {
        for changes in self.later_blocks() {
            if let Some(prior) = changes.accounts.get(&address) {
                return *prior;
            }
        }
        self.flat.accounts.get(&address).copied()
    }
}

fn read_error(error: seq_store::StoreError) -> ReadError {
    ReadError(error.to_string())
}

impl StateReader for StateView<'_> {
    fn account(&self, address: Address) -> Result<Option<AccountInfo>, ReadError> {
        Ok(self.record(address).map(|r| AccountInfo { balance: r.balance, nonce: r.nonce, code_hash: r.code_hash, code: None, ..Default::default() }))
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ReadError> {
        for changes in self.later_blocks() {
            if let Some(prior) = changes.storage.get(&(address, slot)) {
                return Ok(*prior);
            }
            if changes.wiped.contains(&address) {
                return Ok(U256::ZERO);
            }
        }
        if let Some(value) = self.flat.storage.get(&(address, slot)) {
            return Ok(*value);
        }
        self.store.storage(address, slot).map_err(read_error)
    }

    fn code(&self, code_hash: B256) -> Result<Bytecode, ReadError> {
        if let Some(code) = self.flat.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        let bytes = self.store.code(code_hash).map_err(read_error)?.ok_or_else(|| ReadError(format!("missing code {code_hash}")))?;
        Ok(Bytecode::new_raw(bytes.into()))
    }

    fn block_hash(&self, number: u64) -> Result<B256, ReadError> {
        if let Some(hash) = self.flat.hashes.get(&number) {
            return Ok(*hash);
        }
        match self.store.header(number).map_err(read_error)? {
            Some(rlp) => Ok(alloy_primitives::keccak256(rlp)),
            None => Ok(B256::ZERO),
        }
    }
}
