//! Binding for `seq-chain`: the `Chain` class. One call per block (`executeBlock` runs on the libuv pool so the
//! event loop keeps serving JSON-RPC); reads are synchronous and never wait for a block being executed; calls and
//! estimates run on the chain's own call workers (calls.rs) and return Promises.
mod calls;
mod inputs;
mod pending;
mod views;

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, Bytes, B256};
use napi::bindgen_prelude::{AsyncTask, BigInt, Buffer, Either, Null, Object};
use napi::{Env, Task};
use napi_derive::napi;
use seq_chain::{AppliedBlock, BlockEnv, CallOutcome, ChainOptions, Genesis, SealedBlock};

use calls::{CallPool, CallPoolOptions};

use inputs::{address, b256, raw_transactions, BlockEnvInput, CallInput, SealedBlockInput};
use pending::PendingTask;
use views::{data, executed_view, q, record_view, to_napi, transaction_record_view, ExecutedBlock, Nullable, RpcBlockView, RpcReceiptView, RpcTransactionView};

/// Options of `Chain.open`.
#[napi(object)]
pub struct ChainOpenOptions {
    /// Recent blocks whose state stays readable (default 128).
    pub history: Option<u32>,
    /// Largest raw transaction accepted in bytes (default 128 KiB).
    pub max_tx_size: Option<u32>,
    /// Threads that run eth_call / eth_estimateGas, apart from the libuv pool (default 1).
    pub call_threads: Option<u32>,
    /// Calls that may wait for a call thread; one more is refused with "CallQueueFull: ..." (default 8).
    pub call_queue: Option<u32>,
    /// Most gas one call execution may use (default 50,000,000 as geth's RPCGasCap); a request naming more is
    /// refused with "GasAboveCap: ...".
    pub call_gas_cap: Option<BigInt>,
    /// Wall time one call or one whole estimate may run, in ms (default 5000 as geth's RPCEVMTimeout; 0: none);
    /// past it execution is interrupted with "ExecutionTimeout: execution timeout ...".
    pub call_timeout_ms: Option<u32>,
    /// Seconds a peer's block timestamp may run ahead of the local clock (default 15).
    pub max_future_secs: Option<u32>,
    /// Bounds of every block's gas limit (default 5,000 and 2^31); the same on every host of a chain.
    pub min_gas_limit: Option<BigInt>,
    pub max_gas_limit: Option<BigInt>,
}

fn call_pool_options(options: &ChainOpenOptions) -> napi::Result<CallPoolOptions> {
    let mut pool = CallPoolOptions::default();
    if let Some(threads) = options.call_threads {
        pool.threads = threads.max(1) as usize;
    }
    if let Some(queue) = options.call_queue {
        pool.queue = queue as usize;
    }
    if let Some(cap) = &options.call_gas_cap {
        pool.limits.gas_cap = inputs::u64_of(cap, "callGasCap")?;
    }
    if let Some(ms) = options.call_timeout_ms {
        pool.limits.timeout = (ms > 0).then(|| Duration::from_millis(ms as u64));
    }
    Ok(pool)
}

/// eth_call / eth_estimateGas result. `status` 'success': `output` is the return data (for estimateGas `gasUsed`
/// is the estimate); 'revert': `output` is the revert data and `reason` its Error(string)/Panic message;
/// 'halt': `reason` says why (out of gas, invalid opcode, ...).
#[napi(object)]
pub struct CallResult {
    #[napi(ts_type = "'success' | 'revert' | 'halt'")]
    pub status: String,
    pub output: String,
    pub gas_used: BigInt,
    #[napi(ts_type = "string | null")]
    pub reason: Nullable<String>,
}

/// The L2 chain: EVM execution (revm, Cancun), Merkle-Patricia state, redb persistence.
/// Errors thrown carry a stable code before the colon of their message, e.g. "RootMismatch: stateRoot mismatch: ...",
/// "InvalidTransaction: ...", "StateUnavailable: ...", "InvalidInput: ...", "InvalidGenesis: ...". A call or estimate that
/// cannot start throws the executor's rejection code: "InsufficientFunds: ...", "IntrinsicGasTooLow: ...",
/// "FeeCapBelowBaseFee: ...", "TipAboveFeeCap: ...", "GasLimitExceedsBlock: ...", ...
#[napi]
pub struct Chain {
    inner: parking_lot::RwLock<Option<Arc<seq_chain::Chain>>>,
    calls: Arc<CallPool>,
}

/// Which state to read: a block number, or latest when absent/null.
fn at(block: Option<Either<BigInt, Null>>) -> napi::Result<Option<u64>> {
    match block {
        Some(Either::A(number)) => Ok(Some(inputs::u64_of(&number, "block number")?)),
        _ => Ok(None),
    }
}

#[napi]
impl Chain {
    /// Opens the chain stored in `dataDir`, creating it from `genesisJson` (geth-style: chainId, alloc, timestamp,
    /// gasLimit, baseFeePerGas, extraData, mixHash, coinbase) when the directory is new. When the directory
    /// exists, a given genesis must be the one it was created with.
    #[napi(factory)]
    pub fn open(data_dir: String, genesis_json: Option<String>, options: Option<ChainOpenOptions>) -> napi::Result<Self> {
        let genesis = genesis_json.as_deref().map(Genesis::from_json).transpose().map_err(to_napi)?;
        let mut chain_options = ChainOptions::default();
        let calls = Arc::new(CallPool::start(options.as_ref().map(call_pool_options).transpose()?.unwrap_or_default()));
        if let Some(options) = options {
            if let Some(history) = options.history {
                chain_options.history = history.max(1) as u64;
            }
            if let Some(size) = options.max_tx_size {
                chain_options.max_tx_size = size as usize;
            }
            apply_header_rules(&mut chain_options.header_rules, &options)?;
        }
        let inner = seq_chain::Chain::open(data_dir, genesis.as_ref(), chain_options).map_err(to_napi)?;
        Ok(Self { inner: parking_lot::RwLock::new(Some(Arc::new(inner))), calls })
    }

    #[napi(getter)]
    pub fn chain_id(&self) -> napi::Result<BigInt> {
        Ok(self.chain()?.chain_id().into())
    }

    #[napi]
    pub fn latest_number(&self) -> napi::Result<BigInt> {
        Ok(self.chain()?.latest_number().into())
    }

    /// Base fee (wei) the next block uses unless its env says otherwise.
    #[napi]
    pub fn next_base_fee(&self) -> napi::Result<BigInt> {
        Ok(self.chain()?.next_base_fee().into())
    }

    /// The fork (`cancun`, `prague`, `osaka`) a block with this timestamp runs under: the chain's schedule.
    #[napi]
    pub fn fork_at(&self, timestamp: BigInt) -> napi::Result<String> {
        Ok(self.chain()?.fork_at(inputs::u64_of(&timestamp, "timestamp")?).name().to_string())
    }

    /// Most gas one transaction may carry in a block with this timestamp: EIP-7825's 2^24 from Osaka on, else 2^64-1.
    #[napi]
    pub fn tx_gas_cap(&self, timestamp: BigInt) -> napi::Result<BigInt> {
        Ok(self.chain()?.fork_at(inputs::u64_of(&timestamp, "timestamp")?).tx_gas_cap().into())
    }

    /// Gas limit of the next block built with `target` (0: the head's): one allowed step (< parent/1024) toward it.
    #[napi]
    pub fn next_gas_limit(&self, target: BigInt) -> napi::Result<BigInt> {
        Ok(self.chain()?.next_gas_limit(inputs::u64_of(&target, "target")?).into())
    }

    /// Releases the store (after any block still executing); every later call throws "Closed: ...".
    #[napi]
    pub fn close(&self) {
        self.inner.write().take();
    }

    /// Builds the next block from `rawTxs` (EIP-2718 bytes, in order) on the libuv pool: decodes and recovers
    /// in parallel, executes, leaves invalid transactions out (reported in `rejected`), commits atomically.
    /// `senders` (optional, one address per raw transaction) skips the signature recovery and takes these as
    /// the senders; every other check still runs. Trusted input only: they must come from this process's own
    /// recovery of the same bytes (`decodeTransactions` at admission), never from the network. A length other
    /// than `rawTxs.length` throws "InvalidInput: ...".
    #[napi(ts_return_type = "Promise<ExecutedBlock>")]
    pub fn execute_block(
        &self,
        env: BlockEnvInput,
        raw_txs: Vec<Either<Buffer, String>>,
        senders: Option<Either<Vec<String>, Null>>,
    ) -> napi::Result<AsyncTask<BuildTask>> {
        Ok(AsyncTask::new(BuildTask { chain: self.chain()?, env: self.check_env(&env)?, raw: raw_transactions(raw_txs)?, senders: sender_list(senders)? }))
    }

    /// `executeBlock` on the calling thread.
    #[napi]
    pub fn execute_block_sync(
        &self,
        env: BlockEnvInput,
        raw_txs: Vec<Either<Buffer, String>>,
        senders: Option<Either<Vec<String>, Null>>,
    ) -> napi::Result<ExecutedBlock> {
        let mut task = BuildTask { chain: self.chain()?, env: self.check_env(&env)?, raw: raw_transactions(raw_txs)?, senders: sender_list(senders)? };
        executed_view(&task.compute()?)
    }

    /// The next block from `rawTxs` executed over the head on the libuv pool, invalid transactions left out as
    /// `executeBlock` leaves them, nothing stored: the `PendingBlock` answers "pending" reads and calls. `env.number`
    /// is ignored (the block follows the head) and a timestamp before the head's is raised to it; `senders` as in
    /// `executeBlock`. Never waits for a block being built, and never holds one up for longer than its execution.
    #[napi(ts_return_type = "Promise<PendingBlock>")]
    pub fn pending_block(
        &self,
        env: BlockEnvInput,
        raw_txs: Vec<Either<Buffer, String>>,
        senders: Option<Either<Vec<String>, Null>>,
    ) -> napi::Result<AsyncTask<PendingTask>> {
        Ok(AsyncTask::new(PendingTask {
            chain: self.chain()?,
            calls: self.calls.clone(),
            env: self.check_env(&env)?,
            raw: raw_transactions(raw_txs)?,
            senders: sender_list(senders)?,
        }))
    }

    /// Follower mode: re-executes a block from the sequencer on the libuv pool and applies it only if its header
    /// meets the header rules ("InvalidHeader: header rule <name>: ...", the timestamp judged against `now`, Unix
    /// seconds, the system clock when absent), every transaction is valid and hash and roots match; otherwise
    /// rejects and changes nothing.
    #[napi(ts_return_type = "Promise<ExecutedBlock>")]
    pub fn verify_and_apply(&self, block: SealedBlockInput, now: Option<BigInt>) -> napi::Result<AsyncTask<VerifyTask>> {
        Ok(AsyncTask::new(VerifyTask { chain: self.chain()?, block: block.to_sealed()?, now: now_of(now)? }))
    }

    /// `verifyAndApply` on the calling thread.
    #[napi]
    pub fn verify_and_apply_sync(&self, block: SealedBlockInput, now: Option<BigInt>) -> napi::Result<ExecutedBlock> {
        let applied = self.chain()?.verify_and_apply_at(&block.to_sealed()?, now_of(now)?).map_err(to_napi)?;
        executed_view(&applied)
    }

    /// Drops every block above `number` and restores the state after it, atomically (for blocks orphaned by a
    /// failover). Only within the history window: throws "StateUnavailable: ..." further back, and changes nothing
    /// on any error.
    #[napi]
    pub fn rewind_to(&self, number: BigInt) -> napi::Result<()> {
        self.chain()?.rewind_to(inputs::u64_of(&number, "number")?).map_err(to_napi)
    }

    /// Deletes bodies, receipts and transaction lookups of at most `maxBlocks` blocks below `below` (and below the
    /// head), oldest first, on the libuv pool; headers stay. Resolves to the new oldest kept block.
    #[napi(ts_return_type = "Promise<bigint>")]
    pub fn prune_below(&self, below: BigInt, max_blocks: u32) -> napi::Result<AsyncTask<PruneTask>> {
        Ok(AsyncTask::new(PruneTask { chain: self.chain()?, below: inputs::u64_of(&below, "below")?, max_blocks: max_blocks as u64 }))
    }

    /// The lowest block whose body and receipts are kept (0 when nothing was pruned).
    #[napi]
    pub fn oldest_kept_block(&self) -> napi::Result<BigInt> {
        Ok(self.chain()?.oldest_kept_block().map_err(to_napi)?.into())
    }

    /// The block as followers receive it (for replication and catch-up), or null.
    #[napi(ts_return_type = "SealedBlockInput | null")]
    pub fn sealed_block(&self, number: BigInt) -> napi::Result<Nullable<SealedBlockInput>> {
        let block = self.chain()?.sealed_block(inputs::u64_of(&number, "number")?).map_err(to_napi)?;
        Ok(block.as_ref().map(views::sealed_view).map_or(Either::B(Null), Either::A))
    }

    /// Balance in wei as a 0x-quantity, at `block` (latest when null).
    #[napi]
    pub fn get_balance(&self, address_hex: String, block: Option<Either<BigInt, Null>>) -> napi::Result<String> {
        let record = self.chain()?.account(address(&address_hex)?, at(block)?).map_err(to_napi)?;
        Ok(q(record.map(|r| r.balance).unwrap_or_default()))
    }

    #[napi]
    pub fn get_nonce(&self, address_hex: String, block: Option<Either<BigInt, Null>>) -> napi::Result<String> {
        let record = self.chain()?.account(address(&address_hex)?, at(block)?).map_err(to_napi)?;
        Ok(q(record.map_or(0, |r| r.nonce)))
    }

    #[napi]
    pub fn get_code(&self, address_hex: String, block: Option<Either<BigInt, Null>>) -> napi::Result<String> {
        Ok(data(self.chain()?.code(address(&address_hex)?, at(block)?).map_err(to_napi)?))
    }

    /// The 32-byte slot value (0x + 64 hex digits).
    #[napi]
    pub fn get_storage(&self, address_hex: String, slot: String, block: Option<Either<BigInt, Null>>) -> napi::Result<String> {
        let value = self.chain()?.storage(address(&address_hex)?, inputs::slot(&slot)?, at(block)?).map_err(to_napi)?;
        Ok(data(B256::from(value)))
    }

    /// eth_call on a call thread. Rejects with "CallQueueFull: ..." when the queue is full, "GasAboveCap: ..." for a
    /// gas field above the cap, "ExecutionTimeout: ..." when the budget runs out.
    #[napi(ts_return_type = "Promise<CallResult>")]
    pub fn call<'env>(&self, env: &'env Env, request: CallInput, block: Option<Either<BigInt, Null>>) -> napi::Result<Object<'env>> {
        let (chain, request, at, limits) = (self.chain()?, request.to_request()?, at(block)?, self.calls.options.limits);
        self.calls.submit(env, move || chain.call(&request, at, &limits))
    }

    /// geth's algorithm: run at the cap, then binary-search the least gas that succeeds, on a call thread, the
    /// whole search within one call budget. A call that reverts even with all the gas returns status 'revert'; one
    /// that never fits rejects with "GasExceedsAllowance: ..."; otherwise rejections as `call`.
    #[napi(ts_return_type = "Promise<CallResult>")]
    pub fn estimate_gas<'env>(&self, env: &'env Env, request: CallInput, block: Option<Either<BigInt, Null>>) -> napi::Result<Object<'env>> {
        let (chain, request, at, limits) = (self.chain()?, request.to_request()?, at(block)?, self.calls.options.limits);
        self.calls.submit(env, move || chain.estimate_gas(&request, at, &limits))
    }

    #[napi(ts_return_type = "RpcBlockView | null")]
    pub fn get_block_by_number(&self, number: BigInt) -> napi::Result<Nullable<RpcBlockView>> {
        let record = self.chain()?.block(inputs::u64_of(&number, "number")?).map_err(to_napi)?;
        Ok(record.as_ref().map(record_view).map_or(Either::B(Null), Either::A))
    }

    #[napi(ts_return_type = "RpcBlockView | null")]
    pub fn get_block_by_hash(&self, hash: String) -> napi::Result<Nullable<RpcBlockView>> {
        let record = self.chain()?.block_by_hash(b256(&hash)?).map_err(to_napi)?;
        Ok(record.as_ref().map(record_view).map_or(Either::B(Null), Either::A))
    }

    /// Every receipt of a block in order (with logs and their block-wide indices), or null.
    #[napi(ts_return_type = "RpcReceiptView[] | null")]
    pub fn get_block_receipts(&self, number: BigInt) -> napi::Result<Nullable<Vec<RpcReceiptView>>> {
        let number = inputs::u64_of(&number, "number")?;
        let (Some(record), Some(receipts)) = (self.chain()?.block(number).map_err(to_napi)?, self.chain()?.receipts(number).map_err(to_napi)?) else {
            return Ok(Either::B(Null));
        };
        Ok(Either::A(views::block_receipts_view(number, Some(record.hash), &record.transactions, &receipts)?))
    }

    #[napi(ts_return_type = "RpcReceiptView | null")]
    pub fn get_receipt(&self, tx_hash: String) -> napi::Result<Nullable<RpcReceiptView>> {
        match self.chain()?.receipt(b256(&tx_hash)?).map_err(to_napi)? {
            Some(record) => Ok(Either::A(views::receipt_record_view(&record)?)),
            None => Ok(Either::B(Null)),
        }
    }

    #[napi(ts_return_type = "RpcTransactionView | null")]
    pub fn get_transaction(&self, tx_hash: String) -> napi::Result<Nullable<RpcTransactionView>> {
        let Some(tx) = self.chain()?.transaction(b256(&tx_hash)?).map_err(to_napi)? else { return Ok(Either::B(Null)) };
        let base_fee = self.chain()?.header(tx.block_number).map_err(to_napi)?.and_then(|h| h.base_fee_per_gas).unwrap_or_default();
        Ok(Either::A(transaction_record_view(&tx, base_fee)))
    }

    fn chain(&self) -> napi::Result<Arc<seq_chain::Chain>> {
        self.inner.read().clone().ok_or_else(|| napi::Error::new(napi::Status::GenericFailure, "Closed: the chain was closed"))
    }

    fn check_env(&self, env: &BlockEnvInput) -> napi::Result<BlockEnv> {
        env.to_env()
    }
}

fn call_result(outcome: CallOutcome) -> CallResult {
    match outcome {
        CallOutcome::Success { output, gas_used } => {
            CallResult { status: "success".into(), output: data(output), gas_used: gas_used.into(), reason: Either::B(Null) }
        }
        CallOutcome::Revert { output, reason, gas_used } => {
            CallResult { status: "revert".into(), output: data(output), gas_used: gas_used.into(), reason: reason.map_or(Either::B(Null), Either::A) }
        }
        CallOutcome::Halt { reason, gas_used } => {
            CallResult { status: "halt".into(), output: "0x".into(), gas_used: gas_used.into(), reason: Either::A(reason) }
        }
    }
}

fn sender_list(senders: Option<Either<Vec<String>, Null>>) -> napi::Result<Option<Vec<Address>>> {
    match senders {
        Some(Either::A(list)) => Ok(Some(list.iter().map(|text| address(text)).collect::<napi::Result<_>>()?)),
        _ => Ok(None),
    }
}

pub struct BuildTask {
    chain: Arc<seq_chain::Chain>,
    env: BlockEnv,
    raw: Vec<Bytes>,
    senders: Option<Vec<Address>>,
}

impl Task for BuildTask {
    type Output = AppliedBlock;
    type JsValue = ExecutedBlock;

    fn compute(&mut self) -> napi::Result<AppliedBlock> {
        match &self.senders {
            Some(senders) => self.chain.build_block_with_senders(&self.env, &self.raw, senders),
            None => self.chain.build_block(&self.env, &self.raw),
        }
        .map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, output: AppliedBlock) -> napi::Result<ExecutedBlock> {
        executed_view(&output)
    }
}

pub struct VerifyTask {
    chain: Arc<seq_chain::Chain>,
    block: SealedBlock,
    now: u64,
}

fn now_of(now: Option<BigInt>) -> napi::Result<u64> {
    now.map(|n| inputs::u64_of(&n, "now")).transpose().map(|n| n.unwrap_or_else(seq_chain::header_rules::system_now))
}

fn apply_header_rules(rules: &mut seq_chain::HeaderRules, options: &ChainOpenOptions) -> napi::Result<()> {
    if let Some(secs) = options.max_future_secs {
        rules.max_future_secs = secs.into();
    }
    if let Some(min) = &options.min_gas_limit {
        rules.min_gas_limit = inputs::u64_of(min, "minGasLimit")?;
    }
    if let Some(max) = &options.max_gas_limit {
        rules.max_gas_limit = inputs::u64_of(max, "maxGasLimit")?;
    }
    if rules.min_gas_limit > rules.max_gas_limit {
        return Err(inputs::invalid(format!("minGasLimit {} is above maxGasLimit {}", rules.min_gas_limit, rules.max_gas_limit)));
    }
    Ok(())
}

impl Task for VerifyTask {
    type Output = AppliedBlock;
    type JsValue = ExecutedBlock;

    fn compute(&mut self) -> napi::Result<AppliedBlock> {
        self.chain.verify_and_apply_at(&self.block, self.now).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, output: AppliedBlock) -> napi::Result<ExecutedBlock> {
        executed_view(&output)
    }
}

pub struct PruneTask {
    chain: Arc<seq_chain::Chain>,
    below: u64,
    max_blocks: u64,
}

impl Task for PruneTask {
    type Output = u64;
    type JsValue = BigInt;

    fn compute(&mut self) -> napi::Result<u64> {
        self.chain.prune_below(self.below, self.max_blocks).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, output: u64) -> napi::Result<BigInt> {
        Ok(output.into())
    }
}
