//! Binding for the pending block: `Chain.pendingBlock(...)` executes the pool's next block on the libuv pool without
//! storing it, and the `PendingBlock` it resolves to answers "pending" reads and calls synchronously.
use std::sync::{Arc, Weak};

use alloy_primitives::{Address, Bytes, B256};
use napi::bindgen_prelude::{AsyncTask, BigInt, Either, Null, Object};
use napi::{Env, Task};
use napi_derive::napi;
use seq_chain::BlockEnv;

use super::calls::CallPool;
use super::inputs::{address, slot, CallInput};
use super::views::{block_receipts_view, data, q, to_napi, transaction_view, BlockRejection, Nullable, RpcReceiptView, RpcTransactionView, TxPlace};

/// eth_getBlockByNumber("pending") as geth (internal/ethapi GetBlockByNumber) shapes it: `hash`, `nonce` and
/// `miner` null because the block is not sealed; `stateRoot` null as well, since the pending block's state root is
/// never computed (it needs the producer's trie; geth's miner computes one). Everything else is what the block
/// built from the same transactions on the same head will show.
#[napi(object)]
pub struct RpcPendingBlockView {
    pub number: String,
    #[napi(ts_type = "null")]
    pub hash: Null,
    pub parent_hash: String,
    #[napi(ts_type = "null")]
    pub nonce: Null,
    pub sha3_uncles: String,
    pub logs_bloom: String,
    pub transactions_root: String,
    #[napi(ts_type = "null")]
    pub state_root: Null,
    pub receipts_root: String,
    #[napi(ts_type = "null")]
    pub miner: Null,
    pub difficulty: String,
    pub total_difficulty: String,
    pub extra_data: String,
    pub size: String,
    pub gas_limit: String,
    pub gas_used: String,
    pub timestamp: String,
    pub base_fee_per_gas: String,
    pub mix_hash: String,
    pub withdrawals_root: String,
    pub withdrawals: Vec<String>,
    pub blob_gas_used: String,
    pub excess_blob_gas: String,
    pub parent_beacon_block_root: String,
    /// Hashes of the included transactions, in block order.
    pub transactions: Vec<String>,
    pub uncles: Vec<String>,
}

/// The next block as the sequencer would build it from the given transactions, executed over the head and held in
/// memory; never stored. Reads and calls see the state after it, in its environment (number = parent + 1, the
/// successor base fee). It keeps reading its parent's state while newer blocks land (within the history window);
/// once the parent is rewound away or leaves the window every read throws "PendingStale: ...". It does not keep
/// the chain open: after `Chain.close()` every read throws "Closed: ...".
#[napi]
pub struct PendingBlock {
    chain: Weak<seq_chain::Chain>,
    inner: Arc<seq_chain::PendingBlock>,
    calls: Arc<CallPool>,
}

#[napi]
impl PendingBlock {
    #[napi(getter)]
    pub fn number(&self) -> BigInt {
        self.inner.input.number.into()
    }

    /// The block it was executed on.
    #[napi(getter)]
    pub fn parent_number(&self) -> BigInt {
        self.inner.parent_number.into()
    }

    #[napi(getter)]
    pub fn parent_hash(&self) -> String {
        data(self.inner.parent_hash)
    }

    #[napi(getter)]
    pub fn base_fee_per_gas(&self) -> BigInt {
        self.inner.input.base_fee.into()
    }

    #[napi(getter)]
    pub fn timestamp(&self) -> BigInt {
        self.inner.input.timestamp.into()
    }

    #[napi(getter)]
    pub fn gas_used(&self) -> BigInt {
        self.inner.gas_used.into()
    }

    #[napi(getter)]
    pub fn gas_limit(&self) -> BigInt {
        self.inner.input.gas_limit.into()
    }

    /// The block as eth_getBlockByNumber("pending") serves it (transactions as hashes). Its roots, bloom and size
    /// are computed on the libuv pool on first use, then kept. Needs nothing from the chain, so it answers even once
    /// the block is stale.
    #[napi(ts_return_type = "Promise<RpcPendingBlockView>")]
    pub fn block(&self) -> AsyncTask<SummaryTask<RpcPendingBlockView>> {
        AsyncTask::new(SummaryTask { block: self.inner.clone(), view: block_view })
    }

    /// The included transactions' receipts as a built block would store them (gas used, cumulative gas, logs,
    /// status), `blockHash` null; computed like `block()`.
    #[napi(ts_return_type = "Promise<Array<RpcReceiptView>>")]
    pub fn receipts(&self) -> AsyncTask<SummaryTask<Vec<RpcReceiptView>>> {
        AsyncTask::new(SummaryTask { block: self.inner.clone(), view: receipts_view })
    }

    /// The included transactions as JSON-RPC shows them: `blockNumber` and `transactionIndex` set, `blockHash` null
    /// (the block has none yet), `gasPrice` the effective price at the pending base fee.
    #[napi]
    pub fn transactions(&self) -> Vec<RpcTransactionView> {
        (0..self.inner.transactions.len()).map(|index| pending_transaction_view(&self.inner, index)).collect()
    }

    /// One included transaction by its index in the block, as `transactions()` shows it; null past the end.
    #[napi(ts_return_type = "RpcTransactionView | null")]
    pub fn transaction(&self, index: u32) -> Nullable<RpcTransactionView> {
        let index = index as usize;
        if index < self.inner.transactions.len() {
            Either::A(pending_transaction_view(&self.inner, index))
        } else {
            Either::B(Null)
        }
    }

    /// How many of the given transactions made it in.
    #[napi(getter)]
    pub fn included(&self) -> u32 {
        self.inner.included as u32
    }

    /// The transactions left out, with the same codes a built block reports.
    #[napi(getter)]
    pub fn rejected(&self) -> Vec<BlockRejection> {
        self.inner
            .rejected
            .iter()
            .map(|r| BlockRejection { index: r.index as u32, hash: data(r.hash), code: r.code.to_string(), message: r.message.clone() })
            .collect()
    }

    #[napi]
    pub fn get_balance(&self, address_hex: String) -> napi::Result<String> {
        let account = self.chain()?.pending_account(&self.inner, address(&address_hex)?).map_err(to_napi)?;
        Ok(q(account.map(|a| a.balance).unwrap_or_default()))
    }

    #[napi]
    pub fn get_nonce(&self, address_hex: String) -> napi::Result<String> {
        let account = self.chain()?.pending_account(&self.inner, address(&address_hex)?).map_err(to_napi)?;
        Ok(q(account.map_or(0, |a| a.nonce)))
    }

    #[napi]
    pub fn get_code(&self, address_hex: String) -> napi::Result<String> {
        Ok(data(self.chain()?.pending_code(&self.inner, address(&address_hex)?).map_err(to_napi)?))
    }

    /// The 32-byte slot value (0x + 64 hex digits); `slot` as a 32-byte hex value or a quantity.
    #[napi]
    pub fn get_storage(&self, address_hex: String, slot_hex: String) -> napi::Result<String> {
        let value = self.chain()?.pending_storage(&self.inner, address(&address_hex)?, slot(&slot_hex)?).map_err(to_napi)?;
        Ok(data(B256::from(value)))
    }

    /// eth_call on the pending block, on the chain's call threads; results and errors as `Chain.call`.
    #[napi(ts_return_type = "Promise<CallResult>")]
    pub fn call<'env>(&self, env: &'env Env, request: CallInput) -> napi::Result<Object<'env>> {
        let (chain, pending, request, limits) = (self.chain()?, self.inner.clone(), request.to_request()?, self.calls.options.limits);
        self.calls.submit(env, move || chain.pending_call(&pending, &request, &limits))
    }

    /// eth_estimateGas on the pending block, on the chain's call threads; results and errors as `Chain.estimateGas`.
    #[napi(ts_return_type = "Promise<CallResult>")]
    pub fn estimate_gas<'env>(&self, env: &'env Env, request: CallInput) -> napi::Result<Object<'env>> {
        let (chain, pending, request, limits) = (self.chain()?, self.inner.clone(), request.to_request()?, self.calls.options.limits);
        self.calls.submit(env, move || chain.pending_estimate_gas(&pending, &request, &limits))
    }

    fn chain(&self) -> napi::Result<Arc<seq_chain::Chain>> {
        self.chain.upgrade().ok_or_else(|| napi::Error::new(napi::Status::GenericFailure, "Closed: the chain was closed"))
    }
}

pub struct PendingTask {
    pub(super) chain: Arc<seq_chain::Chain>,
    pub(super) calls: Arc<CallPool>,
    pub(super) env: BlockEnv,
    pub(super) raw: Vec<Bytes>,
    pub(super) senders: Option<Vec<Address>>,
}

impl Task for PendingTask {
    type Output = seq_chain::PendingBlock;
    type JsValue = PendingBlock;

    fn compute(&mut self) -> napi::Result<seq_chain::PendingBlock> {
        self.chain.pending_block(&self.env, &self.raw, self.senders.as_deref()).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, output: seq_chain::PendingBlock) -> napi::Result<PendingBlock> {
        Ok(PendingBlock { chain: Arc::downgrade(&self.chain), inner: Arc::new(output), calls: self.calls.clone() })
    }
}

/// Computes the pending block's summary (roots, receipts, bloom, size) on the libuv pool and shapes one view of it.
pub struct SummaryTask<T> {
    block: Arc<seq_chain::PendingBlock>,
    view: fn(&seq_chain::PendingBlock, &seq_chain::PendingSummary) -> napi::Result<T>,
}

impl<T: Send + napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName + 'static> Task for SummaryTask<T> {
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let summary = self.block.summary().map_err(to_napi)?;
        (self.view)(&self.block, summary)
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }
}

fn block_view(block: &seq_chain::PendingBlock, summary: &seq_chain::PendingSummary) -> napi::Result<RpcPendingBlockView> {
    let input = &block.input;
    Ok(RpcPendingBlockView {
        number: q(input.number),
        hash: Null,
        parent_hash: data(block.parent_hash),
        nonce: Null,
        sha3_uncles: data(alloy_consensus::EMPTY_OMMER_ROOT_HASH),
        logs_bloom: data(summary.logs_bloom),
        transactions_root: data(summary.transactions_root),
        state_root: Null,
        receipts_root: data(summary.receipts_root),
        miner: Null,
        difficulty: "0x0".into(),
        total_difficulty: "0x0".into(),
        extra_data: data(&block.extra_data),
        size: q(summary.size),
        gas_limit: q(input.gas_limit),
        gas_used: q(block.gas_used),
        timestamp: q(input.timestamp),
        base_fee_per_gas: q(input.base_fee),
        mix_hash: data(input.prevrandao),
        withdrawals_root: data(alloy_consensus::constants::EMPTY_WITHDRAWALS),
        withdrawals: Vec::new(),
        blob_gas_used: "0x0".into(),
        excess_blob_gas: "0x0".into(),
        parent_beacon_block_root: data(B256::ZERO),
        transactions: block.transactions.iter().map(|tx| data(tx.hash)).collect(),
        uncles: Vec::new(),
    })
}

fn receipts_view(block: &seq_chain::PendingBlock, summary: &seq_chain::PendingSummary) -> napi::Result<Vec<RpcReceiptView>> {
    block_receipts_view(block.input.number, None, &block.raw, &summary.receipts)
}

fn pending_transaction_view(block: &seq_chain::PendingBlock, index: usize) -> RpcTransactionView {
    let tx = &block.transactions[index];
    transaction_view(
        &tx.envelope,
        tx.sender,
        &TxPlace { block_hash: None, block_number: block.input.number, index: index as u32, base_fee: block.input.base_fee },
    )
}
