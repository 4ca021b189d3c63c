//! The pending block: the transactions the sequencer would put in the next block, executed over the head and kept
//! in memory as a layer for reads ("pending" in eth_call, eth_estimateGas, balances, code, storage). It is never
//! stored, never takes the writer lock, and reads the state of the block it was built on through the history
//! window, so it stays exact while newer blocks are applied.
use std::sync::OnceLock;

use alloy_primitives::{Address, Bloom, Bytes, B256, U256};
use seq_evm::{execute_pending, AccountState, BlockInput, CallLimits, CallOutcome, CallRequest, Layered, StateLayer, StateReader, TxReceipt};
use seq_tx::{DecodePolicy, RecoveredTx};

use crate::block::{self, BlockEnv, HeaderFields, StoredReceipt};
use crate::chain::{EnvOrigin, Rejected};
use crate::decode;
use crate::flat::StateView;
use crate::{Chain, ChainError};

/// The next block as it would be built now, with its changes held in memory.
#[derive(Debug)]
pub struct PendingBlock {
    /// The block it was executed on.
    pub parent_number: u64,
    pub parent_hash: B256,
    /// The environment calls on it run in (number = parent + 1, the successor base fee, the given timestamp).
    pub input: BlockInput,
    /// Transactions that made it in, and those left out (in input positions, as a built block reports them).
    pub included: usize,
    pub rejected: Vec<Rejected>,
    pub gas_used: u64,
    /// The included transactions in block order, and their EIP-2718 bytes.
    pub transactions: Vec<RecoveredTx>,
    pub raw: Vec<Bytes>,
    pub extra_data: Bytes,
    /// Execution results of the included transactions (gas used, cumulative gas, logs), in block order.
    executed: Vec<TxReceipt>,
    summary: OnceLock<PendingSummary>,
    layer: StateLayer,
}

/// What the pending block shows besides its state, exactly as the block built from the same transactions on the
/// same head will: its receipts as stored, the transactions and receipts roots, the logs bloom and the size. Not
/// the state root (it needs the writer's trie) and so no hash.
#[derive(Debug)]
pub struct PendingSummary {
    pub receipts: Vec<StoredReceipt>,
    pub transactions_root: B256,
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
    /// RLP size of the sealed block: the state root it lacks has a fixed length, so this is exact.
    pub size: u64,
}

impl PendingBlock {
    /// The summary, computed on first use and kept. Built lazily because hashing the two tries and encoding the
    /// receipts costs about as much again as executing the block, and most pending reads (balances, calls) never
    /// need it.
    pub fn summary(&self) -> Result<&PendingSummary, ChainError> {
        if let Some(summary) = self.summary.get() {
            return Ok(summary);
        }
        let (transactions_root, receipts) = rayon::join(|| block::transactions_root(&self.raw), || block::build_receipts(&self.executed));
        let receipts = receipts?;
        let header = block::header(HeaderFields {
            parent_hash: self.parent_hash,
            number: self.input.number,
            beneficiary: self.input.beneficiary,
            timestamp: self.input.timestamp,
            gas_limit: self.input.gas_limit,
            gas_used: self.gas_used,
            base_fee: self.input.base_fee,
            prevrandao: self.input.prevrandao,
            extra_data: self.extra_data.clone(),
            state_root: B256::ZERO,
            transactions_root,
            receipts_root: receipts.root,
            logs_bloom: receipts.bloom,
        });
        let size = block::block_size(alloy_rlp::Encodable::length(&header), &self.raw);
        let summary = PendingSummary { receipts: receipts.stored, transactions_root, receipts_root: receipts.root, logs_bloom: receipts.bloom, size };
        // Two first readers at once both compute it; the first stored wins and both see that one.
        Ok(self.summary.get_or_init(|| summary))
    }
}

impl Chain {
    /// Executes `raw` (in order) as the next block over the head, leaving out invalid transactions exactly as
    /// [`Chain::build_block`] does, without committing anything. `env.number` is ignored (the block follows whatever
    /// the head is now) and a timestamp before the head's is raised to it. `senders` as in
    /// [`Chain::build_block_with_senders`]: trusted admission recovery only.
    pub fn pending_block(&self, env: &BlockEnv, raw: &[Bytes], senders: Option<&[Address]>) -> Result<PendingBlock, ChainError> {
        if let Some(senders) = senders.filter(|s| s.len() != raw.len()) {
            return Err(ChainError::Input(format!("{} senders for {} transactions", senders.len(), raw.len())));
        }
        let policy = DecodePolicy { chain_id: self.chain_id(), max_size: self.options().max_tx_size };
        let (txs, positions, mut rejected) = decode::for_build(raw, senders, &policy);
        let flat = self.flat();
        let (parent, parent_hash) = (flat.head.clone(), flat.head_hash);
        let env = BlockEnv { number: None, timestamp: env.timestamp.max(parent.timestamp), ..env.clone() };
        let input = self.block_input(&parent, parent_hash, &env, EnvOrigin::Local)?;
        let reader = self.store().reader()?;
        let view = StateView { flat: &flat, store: &reader, at: parent.number };
        let execution = execute_pending(&view, &input, &txs).map_err(|error| match error {
            seq_evm::ExecError::Read(read) => ChainError::Read(read),
            other => ChainError::Execution(other.to_string()),
        })?;
        drop(flat);
        rejected.extend(execution.rejected.iter().map(|r| Rejected {
            index: positions[r.index],
            hash: r.hash,
            code: r.rejection.code,
            message: r.rejection.message.clone(),
        }));
        rejected.sort_by_key(|r| r.index);
        let raw: Vec<Bytes> = execution.included.iter().map(|i| raw[positions[*i]].clone()).collect();
        let mut taken = vec![false; txs.len()];
        execution.included.iter().for_each(|i| taken[*i] = true);
        let transactions: Vec<RecoveredTx> = txs.into_iter().zip(taken).filter_map(|(tx, taken)| taken.then_some(tx)).collect();
        Ok(PendingBlock {
            parent_number: parent.number,
            parent_hash,
            input,
            included: transactions.len(),
            rejected,
            gas_used: execution.gas_used,
            transactions,
            raw,
            extra_data: env.extra_data,
            executed: execution.receipts,
            summary: OnceLock::new(),
            layer: execution.layer,
        })
    }

    /// Runs `f` on the pending block's state: its parent's state (read through the history window) under its layer.
    /// "PendingStale" once the parent is out of the window or was rewound away.
    fn with_pending<T>(&self, pending: &PendingBlock, f: impl FnOnce(&Layered<'_, StateView<'_>>) -> Result<T, ChainError>) -> Result<T, ChainError> {
        let flat = self.flat();
        let number = pending.parent_number;
        let hash = if number == flat.head.number { Some(flat.head_hash) } else { flat.hashes.get(&number).copied() };
        if hash != Some(pending.parent_hash) || number > flat.head.number || number < flat.oldest_readable() {
            return Err(ChainError::PendingStale { parent: number, head: flat.head.number });
        }
        let reader = self.store().reader()?;
        let view = StateView { flat: &flat, store: &reader, at: number };
        f(&pending.layer.over(&view))
    }

    pub fn pending_account(&self, pending: &PendingBlock, address: Address) -> Result<Option<AccountState>, ChainError> {
        self.with_pending(pending, |state| Ok(state.account(address)?.as_ref().map(AccountState::from)))
    }

    pub fn pending_code(&self, pending: &PendingBlock, address: Address) -> Result<Bytes, ChainError> {
        self.with_pending(pending, |state| match state.account(address)? {
            Some(info) if info.code_hash != seq_state::KECCAK_EMPTY => Ok(state.code(info.code_hash)?.original_bytes()),
            _ => Ok(Bytes::new()),
        })
    }

    pub fn pending_storage(&self, pending: &PendingBlock, address: Address, slot: U256) -> Result<U256, ChainError> {
        self.with_pending(pending, |state| Ok(state.storage(address, slot)?))
    }

    /// eth_call on the pending block, in its environment.
    pub fn pending_call(&self, pending: &PendingBlock, request: &CallRequest, limits: &CallLimits) -> Result<CallOutcome, ChainError> {
        self.with_pending(pending, |state| Ok(seq_evm::call(state, &pending.input, request, limits)?))
    }

    pub fn pending_estimate_gas(&self, pending: &PendingBlock, request: &CallRequest, limits: &CallLimits) -> Result<CallOutcome, ChainError> {
        self.with_pending(pending, |state| Ok(seq_evm::estimate_gas(state, &pending.input, request, limits)?))
    }
}
