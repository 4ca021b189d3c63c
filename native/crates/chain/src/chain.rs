//! The chain: opens (or creates from genesis) the store, builds and verifies blocks, and applies each one
//! atomically: execute -> state root (incremental trie) -> one redb write transaction -> in-memory state.
//!
//! Locking: `writer` serialises block application and owns the trie; `flat` is read-locked by execution and
//! by queries, and write-locked only for the store commit and the in-memory update, so reads never see a
//! half-applied block and never wait for a block's execution.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use alloy_consensus::Header;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use parking_lot::{Mutex, RwLock, RwLockWriteGuard};
use seq_evm::{execute_block, AccountDiff, BlockExecution, BlockInput, Bytecode, Fork, ForkSchedule, Mode, Rejection};
use seq_state::{AccountChange, AccountFields, StateTrie, StorageSource, Undo, EMPTY_ROOT_HASH};
use seq_store::{AccountRecord, BlockWrite, ChangeSet, StagedBlock, Store, StoreError, StoreReader};
use seq_tx::{DecodePolicy, RecoveredTx};

use crate::block::{self, BlockEnv, HeaderFields, SealedBlock, StoredReceipt};
use crate::decode;
use crate::flat::{Changes, Flat, StateView};
use crate::header_rules::{self, ChildFields, HeaderRules};
use crate::startup::{genesis_block, load, meta_bytes, stored_forks, write_genesis};
use crate::{ChainError, Genesis};

pub(crate) const CHAIN_ID_KEY: &str = "chain_id";
pub(crate) const GENESIS_HASH_KEY: &str = "genesis_hash";
pub(crate) const FORKS_KEY: &str = "fork_schedule";
pub(crate) const BLOCK_HASH_WINDOW: u64 = 256;
/// Storage slots kept in memory (about 100 bytes each).
const STORAGE_CACHE_LIMIT: usize = 4_000_000;

#[derive(Clone, Copy, Debug)]
pub struct ChainOptions {
    /// Blocks back from the head whose state stays readable (calls, balances at a block number).
    pub history: u64,
    /// Largest raw transaction accepted, in bytes.
    pub max_tx_size: usize,
    /// What every header must meet against its parent.
    pub header_rules: HeaderRules,
}

/// Who chose a block's environment: this host's producer (gas limit is a target to step toward) or a peer (every
/// field is exactly what the block says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnvOrigin {
    Local,
    Peer,
}

impl Default for ChainOptions {
    fn default() -> Self {
        Self { history: 128, max_tx_size: DecodePolicy::DEFAULT_MAX_SIZE, header_rules: HeaderRules::default() }
    }
}

/// A transaction left out of a built block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub index: usize,
    /// keccak of the raw bytes (also for bytes that do not decode).
    pub hash: B256,
    pub code: &'static str,
    pub message: String,
}

/// A block just applied.
#[derive(Clone, Debug)]
pub struct AppliedBlock {
    pub header: Header,
    pub hash: B256,
    pub transactions: Vec<Bytes>,
    pub receipts: Vec<StoredReceipt>,
    pub rejected: Vec<Rejected>,
    pub timings: Timings,
}

/// Where a block's time went, in microseconds (for metrics and benchmarks; never part of consensus).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub decode_us: u64,
    pub execute_us: u64,
    /// The incremental state root, and beside it receipts, transactions and receipts roots, block encodings.
    pub roots_us: u64,
    /// The redb write transaction (fsync included) and the in-memory update.
    pub commit_us: u64,
}

fn micros(since: std::time::Instant) -> u64 {
    since.elapsed().as_micros() as u64
}

pub struct Chain {
    pub(crate) store: Store,
    chain_id: u64,
    forks: ForkSchedule,
    options: ChainOptions,
    pub(crate) flat: RwLock<Flat>,
    pub(crate) writer: Mutex<StateTrie>,
}

pub(crate) struct StoreStorage<'a>(pub &'a StoreReader);

impl StorageSource for StoreStorage<'_> {
    fn storage_of(&self, address: Address) -> Result<Vec<(U256, U256)>, String> {
        self.0.storage_of(address).map_err(|e| e.to_string())
    }
}

impl Chain {
    /// Opens the chain in `dir`, creating it from `genesis` when the directory is new. When both exist the
    /// genesis must be the one the store was created with.
    pub fn open(dir: impl AsRef<Path>, genesis: Option<&Genesis>, options: ChainOptions) -> Result<Self, ChainError> {
        std::fs::create_dir_all(dir.as_ref()).map_err(|e| ChainError::Input(format!("data dir: {e}")))?;
        let store = Store::open(dir.as_ref().join("chain.redb"))?;
        if store.head()?.is_none() {
            let genesis = genesis.ok_or_else(|| ChainError::Genesis("a new data directory needs a genesis".into()))?;
            write_genesis(&store, genesis)?;
        }
        let reader = store.reader()?;
        let chain_id = u64::from_be_bytes(meta_bytes(&reader, CHAIN_ID_KEY)?);
        let stored_genesis = B256::from(meta_bytes::<32>(&reader, GENESIS_HASH_KEY)?);
        let forks = stored_forks(&reader)?;
        if let Some(genesis) = genesis {
            let (header, _) = genesis_block(genesis)?;
            if header.hash_slow() != stored_genesis {
                return Err(ChainError::Genesis(format!("the data directory holds another chain (genesis {stored_genesis})")));
            }
            if genesis.forks != forks {
                return Err(ChainError::Genesis(format!("the data directory runs fork schedule {forks:?}, the genesis names {:?}", genesis.forks)));
            }
        }
        let (flat, trie) = load(&reader, options)?;
        drop(reader);
        Ok(Self { store, chain_id, forks, options, flat: RwLock::new(flat), writer: Mutex::new(trie) })
    }

    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The rules a block with this timestamp runs under: the one answer producer, followers and calls share.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        self.forks.fork_at(timestamp)
    }

    pub fn forks(&self) -> &ForkSchedule {
        &self.forks
    }

    pub fn options(&self) -> ChainOptions {
        self.options
    }

    /// Header and hash of the newest block.
    pub fn head(&self) -> (Header, B256) {
        let flat = self.flat.read();
        (flat.head.clone(), flat.head_hash)
    }

    /// EIP-1559 base fee of the next block.
    pub fn next_base_fee(&self) -> u64 {
        header_rules::expected_base_fee(&self.flat.read().head)
    }

    /// Gas limit of the next block built with `target` (0: the head's): one allowed step toward it.
    pub fn next_gas_limit(&self, target: u64) -> u64 {
        header_rules::gas_limit_toward(self.flat.read().head.gas_limit, target, &self.options.header_rules)
    }

    /// Builds the next block from `raw` transactions in order, leaving out (and reporting) the invalid ones.
    pub fn build_block(&self, env: &BlockEnv, raw: &[Bytes]) -> Result<AppliedBlock, ChainError> {
        self.build(env, raw, None)
    }

    /// [`Chain::build_block`] without the second signature recovery: `senders[i]` is taken as the sender of
    /// `raw[i]` (every other check still runs). Trusted input only: the senders must come from this process's
    /// own recovery of the same bytes (the sequencer's admission), never from the network; followers'
    /// [`Chain::verify_and_apply`] always recovers.
    pub fn build_block_with_senders(&self, env: &BlockEnv, raw: &[Bytes], senders: &[Address]) -> Result<AppliedBlock, ChainError> {
        if senders.len() != raw.len() {
            return Err(ChainError::Input(format!("{} senders for {} transactions", senders.len(), raw.len())));
        }
        self.build(env, raw, Some(senders))
    }

    fn build(&self, env: &BlockEnv, raw: &[Bytes], senders: Option<&[Address]>) -> Result<AppliedBlock, ChainError> {
        let mut trie = self.writer.lock();
        let (parent, parent_hash) = self.head();
        let input = self.block_input(&parent, parent_hash, env, EnvOrigin::Local)?;
        let started = std::time::Instant::now();
        let policy = DecodePolicy { chain_id: self.chain_id, max_size: self.options.max_tx_size };
        let (txs, positions, mut rejected) = decode::for_build(raw, senders, &policy);
        let decode_us = micros(started);
        let started = std::time::Instant::now();
        let execution = self.execute(&input, &txs, Mode::Build)?;
        let execute_us = micros(started);
        rejected.extend(execution.rejected.iter().map(|r| Rejected {
            index: positions[r.index],
            hash: r.hash,
            code: r.rejection.code,
            message: r.rejection.message.clone(),
        }));
        rejected.sort_by_key(|r| r.index);
        let included: Vec<&RecoveredTx> = execution.included.iter().map(|i| &txs[*i]).collect();
        let included_raw: Vec<Bytes> = execution.included.iter().map(|i| raw[positions[*i]].clone()).collect();
        let mut applied = self.seal_and_apply(&mut trie, &parent, parent_hash, &input, env, &included, included_raw, execution, None)?;
        applied.rejected = rejected;
        applied.timings.decode_us = decode_us;
        applied.timings.execute_us = execute_us;
        Ok(applied)
    }

    /// [`Chain::verify_and_apply_at`] by the system clock.
    pub fn verify_and_apply(&self, block: &SealedBlock) -> Result<AppliedBlock, ChainError> {
        self.verify_and_apply_at(block, header_rules::system_now())
    }

    /// Re-executes a block from the sequencer and applies it only if its header meets the rules against the
    /// head (timestamp at most the header rules' drift past `now`, in seconds), every transaction is valid and
    /// the hash and roots match; otherwise nothing changes.
    pub fn verify_and_apply_at(&self, block: &SealedBlock, now: u64) -> Result<AppliedBlock, ChainError> {
        header_rules::check_not_future(block.env.timestamp, now, &self.options.header_rules)?;
        let mut trie = self.writer.lock();
        let (parent, parent_hash) = self.head();
        if block.number != parent.number + 1 {
            return Err(mismatch("number", parent.number + 1, block.number));
        }
        if block.parent_hash != parent_hash {
            return Err(mismatch("parentHash", block.parent_hash, parent_hash));
        }
        let input = self.block_input(&parent, parent_hash, &block.env, EnvOrigin::Peer)?;
        let started = std::time::Instant::now();
        let policy = DecodePolicy { chain_id: self.chain_id, max_size: self.options.max_tx_size };
        let mut txs = Vec::with_capacity(block.transactions.len());
        for (index, result) in seq_tx::decode_batch(&block.transactions, &policy).into_iter().enumerate() {
            match result {
                Ok(tx) => txs.push(tx),
                Err(error) => {
                    let rejection = Rejection::new(error.code(), error.to_string());
                    return Err(ChainError::InvalidTransaction { index, hash: keccak256(&block.transactions[index]), rejection });
                }
            }
        }
        let transactions_root = block::transactions_root(&block.transactions);
        if transactions_root != block.transactions_root {
            return Err(mismatch("transactionsRoot", block.transactions_root, transactions_root));
        }
        let decode_us = micros(started);
        let started = std::time::Instant::now();
        let execution = self.execute(&input, &txs, Mode::Verify)?;
        let execute_us = micros(started);
        let included: Vec<&RecoveredTx> = txs.iter().collect();
        let mut applied =
            self.seal_and_apply(&mut trie, &parent, parent_hash, &input, &block.env, &included, block.transactions.clone(), execution, Some(block))?;
        applied.timings.decode_us = decode_us;
        applied.timings.execute_us = execute_us;
        Ok(applied)
    }

    fn execute(&self, input: &BlockInput, txs: &[RecoveredTx], mode: Mode) -> Result<BlockExecution, ChainError> {
        let flat = self.flat.read();
        let reader = self.store.reader()?;
        let view = StateView { flat: &flat, store: &reader, at: flat.head.number };
        execute_block(&view, input, txs, mode).map_err(|error| match error {
            seq_evm::ExecError::InvalidTransaction { index, hash, rejection } => ChainError::InvalidTransaction { index, hash, rejection },
            seq_evm::ExecError::Read(read) => ChainError::Read(read),
            other => ChainError::Execution(other.to_string()),
        })
    }

    /// The executor's input for the block after `parent`, refused unless its header meets every objective rule.
    pub(crate) fn block_input(&self, parent: &Header, parent_hash: B256, env: &BlockEnv, origin: EnvOrigin) -> Result<BlockInput, ChainError> {
        if let Some(number) = env.number.filter(|n| *n != parent.number + 1) {
            return Err(ChainError::Input(format!("block number {number} is not the next block {}", parent.number + 1)));
        }
        let rules = &self.options.header_rules;
        let gas_limit = match origin {
            EnvOrigin::Local => header_rules::gas_limit_toward(parent.gas_limit, env.gas_limit, rules),
            EnvOrigin::Peer => env.gas_limit,
        };
        let input = BlockInput {
            number: parent.number + 1,
            timestamp: env.timestamp,
            beneficiary: env.beneficiary,
            gas_limit,
            base_fee: env.base_fee.unwrap_or_else(|| header_rules::expected_base_fee(parent)),
            prevrandao: env.prevrandao.unwrap_or_else(|| header_rules::expected_prevrandao(parent_hash)),
            chain_id: self.chain_id,
            fork: self.fork_at(env.timestamp),
            parent_hash,
        };
        let child = ChildFields {
            timestamp: input.timestamp,
            gas_limit: input.gas_limit,
            base_fee: input.base_fee,
            prevrandao: input.prevrandao,
            extra_data: &env.extra_data,
        };
        header_rules::check_objective(parent, parent_hash, &child, rules)?;
        Ok(input)
    }

    #[allow(clippy::too_many_arguments)]
    fn seal_and_apply(
        &self,
        trie: &mut StateTrie,
        parent: &Header,
        parent_hash: B256,
        input: &BlockInput,
        env: &BlockEnv,
        included: &[&RecoveredTx],
        raw: Vec<Bytes>,
        execution: BlockExecution,
        expected: Option<&SealedBlock>,
    ) -> Result<AppliedBlock, ChainError> {
        let started = std::time::Instant::now();
        let reader = self.store.reader()?;
        let prior = self.prior_state(&reader, &execution.diff.accounts)?;
        let changes: Vec<AccountChange> = execution.diff.accounts.iter().map(|d| trie_change(d, &prior)).collect();
        // The state root and everything that does not depend on it run side by side.
        let (applied, sealed_parts) = rayon::join(
            || trie.apply(&changes, &StoreStorage(&reader)).map_err(ChainError::Trie),
            || -> Result<_, ChainError> {
                // seq-tx decodes exactly (no trailing bytes), so the raw bytes are the canonical EIP-2718 encoding.
                let (transactions_root, body) =
                    rayon::join(|| block::transactions_root(&raw), || block::encode_body(&raw.iter().map(|r| r.as_ref()).collect::<Vec<&[u8]>>()));
                let receipts = block::build_receipts(&execution.receipts)?;
                let receipts_bytes = block::encode_receipts(&receipts.stored);
                let changeset = prior.changeset(&execution.diff.accounts);
                Ok((transactions_root, body, receipts, receipts_bytes, changeset))
            },
        );
        let (transactions_root, body, receipts, receipts_bytes, changeset) = match sealed_parts {
            Ok(parts) => parts,
            Err(error) => {
                if let Ok(applied) = applied {
                    trie.undo(applied.undo);
                }
                return Err(error);
            }
        };
        let applied = applied?;
        let header = block::header(HeaderFields {
            parent_hash,
            number: input.number,
            beneficiary: input.beneficiary,
            timestamp: input.timestamp,
            gas_limit: input.gas_limit,
            gas_used: execution.gas_used,
            base_fee: input.base_fee,
            prevrandao: input.prevrandao,
            extra_data: env.extra_data.clone(),
            state_root: applied.state_root,
            transactions_root,
            receipts_root: receipts.root,
            logs_bloom: receipts.bloom,
        });
        let hash = header.hash_slow();
        if let Some(expected) = expected {
            let checks = [
                ("stateRoot", expected.state_root, header.state_root),
                ("receiptsRoot", expected.receipts_root, header.receipts_root),
                ("hash", expected.hash, hash),
            ];
            if let Some((field, want, got)) = checks.into_iter().find(|(_, want, got)| want != got) {
                trie.undo(applied.undo);
                return Err(mismatch(field, want, got));
            }
        }
        let _ = parent;
        let roots_us = micros(started);
        let started = std::time::Instant::now();

        // What the store and the in-memory state take from the diff.
        let roots: HashMap<Address, B256> = applied.storage_roots.iter().copied().collect();
        let accounts: Vec<(Address, Option<AccountRecord>)> = execution
            .diff
            .accounts
            .iter()
            .map(|d| {
                (d.address, d.after.map(|a| AccountRecord { nonce: a.nonce, balance: a.balance, code_hash: a.code_hash, storage_root: roots[&d.address] }))
            })
            .collect();
        let wiped: Vec<Address> = prior.wiped.keys().copied().collect();
        let storage: Vec<(Address, U256, U256)> = execution
            .diff
            .accounts
            .iter()
            .filter(|d| d.after.is_some())
            .flat_map(|d| d.storage.iter().map(move |(slot, _, after)| (d.address, *slot, *after)))
            .collect();
        let codes: Vec<(B256, &[u8])> = execution.diff.codes.iter().map(|(h, c)| (*h, c.original_byte_slice())).collect();
        let tx_hashes: Vec<B256> = included.iter().map(|t| t.hash).collect();
        let header_rlp = block::encode_header(&header);
        let write = BlockWrite {
            number: header.number,
            hash,
            header: &header_rlp,
            body: &body,
            receipts: &receipts_bytes,
            tx_hashes: &tx_hashes,
            accounts: &accounts,
            wiped: &wiped,
            storage: &storage,
            codes: &codes,
            changeset: &changeset,
            prune_changesets_below: header.number.saturating_sub(self.options.history),
            meta: &[],
        };
        drop(reader);
        {
            let mut flat = self.commit_or_undo(self.store.stage_block(&write), trie, applied.undo)?;
            apply_to_flat(&mut flat, &accounts, &wiped, &storage, &execution.diff.codes, header.clone(), hash, changeset, self.options.history);
        }
        let timings = Timings { roots_us, commit_us: micros(started), ..Default::default() };
        Ok(AppliedBlock { header, hash, transactions: raw, receipts: receipts.stored, rejected: Vec::new(), timings })
    }

    /// Commits a staged store write and returns the in-memory state's write lock, taken before the commit so no
    /// reader sees the store ahead of memory. On failure the trie goes back by `undo` and nothing has changed.
    pub(crate) fn commit_or_undo(
        &self,
        staged: Result<StagedBlock, StoreError>,
        trie: &mut StateTrie,
        undo: Undo,
    ) -> Result<RwLockWriteGuard<'_, Flat>, ChainError> {
        let staged = match staged {
            Ok(staged) => staged,
            Err(error) => {
                trie.undo(undo);
                return Err(error.into());
            }
        };
        let flat = self.flat.write();
        if let Err(error) = staged.commit() {
            trie.undo(undo);
            return Err(error.into());
        }
        Ok(flat)
    }

    /// Records before the block of every changed account, and the full prior storage of wiped ones.
    fn prior_state(&self, reader: &StoreReader, diffs: &[AccountDiff]) -> Result<Prior, ChainError> {
        let flat = self.flat.read();
        let mut prior = Prior { records: HashMap::with_capacity(diffs.len()), wiped: BTreeMap::new() };
        for diff in diffs {
            let record = flat.accounts.get(&diff.address).copied();
            // Only storage that exists needs dropping; a fresh contract's "wipe" is a no-op.
            if diff.storage_wiped && record.is_some_and(|r| r.storage_root != EMPTY_ROOT_HASH) {
                prior.wiped.insert(diff.address, reader.storage_of(diff.address)?);
            }
            prior.records.insert(diff.address, record);
        }
        Ok(prior)
    }

    pub(crate) fn flat(&self) -> parking_lot::RwLockReadGuard<'_, Flat> {
        self.flat.read()
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
}

struct Prior {
    records: HashMap<Address, Option<AccountRecord>>,
    wiped: BTreeMap<Address, Vec<(U256, U256)>>,
}

impl Prior {
    fn changeset(&self, diffs: &[AccountDiff]) -> ChangeSet {
        let mut set = ChangeSet { accounts: Vec::with_capacity(diffs.len()), storage: Vec::new(), wiped: self.wiped.keys().copied().collect() };
        for diff in diffs {
            set.accounts.push((diff.address, self.records[&diff.address]));
            let listed: Option<&Vec<(U256, U256)>> = self.wiped.get(&diff.address);
            for (slot, before, _) in &diff.storage {
                if listed.is_none_or(|all| !all.iter().any(|(s, _)| s == slot)) {
                    set.storage.push((diff.address, *slot, *before));
                }
            }
            if let Some(all) = listed {
                set.storage.extend(all.iter().map(|(slot, value)| (diff.address, *slot, *value)));
            }
        }
        set
    }
}

fn trie_change(diff: &AccountDiff, prior: &Prior) -> AccountChange {
    AccountChange {
        address: diff.address,
        fields: diff.after.map(|a| AccountFields { nonce: a.nonce, balance: a.balance, code_hash: a.code_hash }),
        storage_wiped: prior.wiped.contains_key(&diff.address),
        storage: diff.storage.iter().map(|(slot, _, after)| (*slot, *after)).collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_to_flat(
    flat: &mut Flat,
    accounts: &[(Address, Option<AccountRecord>)],
    wiped: &[Address],
    storage: &[(Address, U256, U256)],
    codes: &[(B256, Bytecode)],
    header: Header,
    hash: B256,
    changeset: ChangeSet,
    history: u64,
) {
    for (address, record) in accounts {
        match record {
            Some(record) => flat.accounts.insert(*address, *record),
            None => flat.accounts.remove(address),
        };
    }
    // Only accounts that had storage are listed as wiped (deletions included), so this scan is rare.
    if !wiped.is_empty() {
        flat.storage.retain(|(address, _), _| !wiped.contains(address));
    }
    // The cache is a cache: past its bound it starts over (the store has every value).
    if flat.storage.len() + storage.len() > STORAGE_CACHE_LIMIT {
        flat.storage.clear();
    }
    for (address, slot, value) in storage {
        flat.storage.insert((*address, *slot), *value);
    }
    for (code_hash, code) in codes {
        flat.codes.insert(*code_hash, code.clone());
    }
    let number = header.number;
    flat.hashes.insert(number, hash);
    while flat.hashes.len() as u64 > BLOCK_HASH_WINDOW {
        flat.hashes.pop_first();
    }
    let wiped_set = changeset.wiped.clone();
    flat.history.push_back((number, Arc::new(Changes::from_changeset(&changeset, wiped_set))));
    while flat.history.len() as u64 > history {
        flat.history.pop_front();
    }
    flat.head = header;
    flat.head_hash = hash;
}

fn mismatch(field: &'static str, expected: impl std::fmt::Display, actual: impl std::fmt::Display) -> ChainError {
    ChainError::Mismatch { field, expected: expected.to_string(), actual: actual.to_string() }
}
