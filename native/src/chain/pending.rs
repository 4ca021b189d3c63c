//! Binding for the pending block: `Chain.pendingBlock(...)` executes the pool's next block on the libuv pool without
//! storing it, and the `PendingBlock` it resolves to answers "pending" reads and calls synchronously.
use std::sync::{Arc, Weak};

use alloy_primitives::{Address, Bytes, B256};
use napi::bindgen_prelude::BigInt;
use napi::{Env, Task};
use napi_derive::napi;
use seq_chain::BlockEnv;

use super::inputs::{address, slot, CallInput};
use super::views::{data, q, to_napi, BlockRejection};
use super::{call_result, CallResult};

/// The next block as the sequencer would build it from the given transactions, executed over the head and held in
/// memory; never stored. Reads and calls see the state after it, in its environment (number = parent + 1, the
/// successor base fee). It keeps reading its parent's state while newer blocks land (within the history window);
/// once the parent is rewound away or leaves the window every read throws "PendingStale: ...". It does not keep
/// the chain open: after `Chain.close()` every read throws "Closed: ...".
#[napi]
pub struct PendingBlock {
    chain: Weak<seq_chain::Chain>,
    inner: seq_chain::PendingBlock,
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

    /// How many of the given transactions made it in.
    #[napi(getter)]
    pub fn included(&self) -> u32 {
        self.inner.included as u32
    }

    /// The transactions left out, with the same codes a built block reports.
    #[napi(getter)]
    pub fn rejected(&self) -> Vec<BlockRejection> {
        self.inner.rejected.iter().map(|r| BlockRejection { index: r.index as u32, hash: data(r.hash), code: r.code.to_string(), message: r.message.clone() }).collect()
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

    /// eth_call on the pending block; results and errors as `Chain.call`.
    #[napi]
    pub fn call(&self, request: CallInput) -> napi::Result<CallResult> {
        Ok(call_result(self.chain()?.pending_call(&self.inner, &request.to_request()?).map_err(to_napi)?))
    }

    /// eth_estimateGas on the pending block; results and errors as `Chain.estimateGas`.
    #[napi]
    pub fn estimate_gas(&self, request: CallInput) -> napi::Result<CallResult> {
        Ok(call_result(self.chain()?.pending_estimate_gas(&self.inner, &request.to_request()?).map_err(to_napi)?))
    }

    fn chain(&self) -> napi::Result<Arc<seq_chain::Chain>> {
        self.chain.upgrade().ok_or_else(|| napi::Error::new(napi::Status::GenericFailure, "Closed: the chain was closed"))
    }
}

pub struct PendingTask {
    pub(super) chain: Arc<seq_chain::Chain>,
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
        Ok(PendingBlock { chain: Arc::downgrade(&self.chain), inner: output })
    }
}
