//! Read-only execution (eth_call) and gas estimation (eth_estimateGas, geth's binary search).
use alloy_eips::eip2930::AccessList;
use alloy_eips::eip7702::SignedAuthorization;
use std::time::Duration;

use alloy_primitives::{Address, Bytes, TxKind, U256};
use revm::{
    context::{
        result::{EVMError, ExecutionResult},
        TxEnv,
    },
    handler::ExecuteEvm,
    inspector::InspectEvm,
};

use crate::deadline::{Deadline, DeadlineInspector};
use crate::env::build_evm_inspected;
use crate::{BlockInput, BlockState, ReadError, Rejection, StateReader};

/// geth's default `RPCGasCap`: no call runs with more gas than this.
pub const CALL_GAS_CAP: u64 = 50_000_000;
/// geth's default `RPCEVMTimeout`.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// What one call or one whole estimate may spend: gas per execution, and wall time from its start (`None`: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    pub gas_cap: u64,
    pub timeout: Option<Duration>,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self { gas_cap: CALL_GAS_CAP, timeout: Some(CALL_TIMEOUT) }
    }
}
/// Gas forwarded by a value-bearing CALL on top of the caller's; geth adds it when estimating optimistically.
const CALL_STIPEND: u64 = 2_300;
/// Intrinsic gas of a transaction without data (and so of a plain transfer).
const TRANSFER_GAS: u64 = 21_000;

#[derive(Clone, Debug, Default)]
pub struct CallRequest {
    pub from: Option<Address>,
    pub to: Option<Address>,
    pub data: Bytes,
    pub value: U256,
    pub gas: Option<u64>,
    pub gas_price: Option<u128>,
    pub max_fee_per_gas: Option<u128>,
    pub max_priority_fee_per_gas: Option<u128>,
    pub nonce: Option<u64>,
    pub access_list: AccessList,
    /// EIP-7702: a non-empty list makes the call a set-code transaction (authorities recovered as in a block).
    pub authorization_list: Vec<SignedAuthorization>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Success {
        output: Bytes,
        gas_used: u64,
    },
    /// REVERT: the revert data, and the reason when it is an `Error(string)` or `Panic(uint256)`.
    Revert {
        output: Bytes,
        reason: Option<String>,
        gas_used: u64,
    },
    /// Exceptional halt (out of gas, invalid opcode, ...).
    Halt {
        reason: String,
        gas_used: u64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The call could not start (e.g. insufficient funds for value + gas).
    #[error("{}", .0.message)]
    Invalid(Rejection),
    #[error("gas required exceeds allowance ({0})")]
    GasExceedsAllowance(u64),
    /// The request asks for more gas than the call gas cap (as geth would silently lower it, but a caller that
    /// asks for it is told).
    #[error("gas {requested} above the call gas cap {cap}")]
    GasAboveCap { requested: u64, cap: u64 },
    /// The wall-time budget ran out; execution was interrupted.
    #[error("execution timeout: aborted after {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("{0}")]
    Other(String),
}

/// Runs `request` against the state `reader` shows, as if in block `block`; nothing is kept.
pub fn call<R: StateReader + ?Sized>(reader: &R, block: &BlockInput, request: &CallRequest, limits: &CallLimits) -> Result<CallOutcome, CallError> {
    let deadline = Deadline::start(limits.timeout);
    run(reader, block, request, gas_allowance(block, request, limits)?, &deadline)
}

/// The request's gas, or the block's, never above the cap; a request that names more than the cap is refused.
fn gas_allowance(block: &BlockInput, request: &CallRequest, limits: &CallLimits) -> Result<u64, CallError> {
    match request.gas {
        Some(requested) if requested > limits.gas_cap => Err(CallError::GasAboveCap { requested, cap: limits.gas_cap }),
        // Osaka on, no transaction may carry more than EIP-7825's cap: a call runs with at most that, as geth's RPC
        // gas cap lowers the gas silently.
        Some(requested) => Ok(requested.min(block.fork.tx_gas_cap())),
        None => Ok(block.gas_limit.min(limits.gas_cap).min(block.fork.tx_gas_cap())),
    }
}

/// The least gas limit with which `request` succeeds (binary search between the used gas and the cap). The whole
/// search shares one wall-time budget.
pub fn estimate_gas<R: StateReader + ?Sized>(reader: &R, block: &BlockInput, request: &CallRequest, limits: &CallLimits) -> Result<CallOutcome, CallError> {
    let deadline = Deadline::start(limits.timeout);
    let run = |gas: u64| run(reader, block, request, gas, &deadline);
    let mut hi = gas_allowance(block, request, limits)?;
    let fee_cap = request.max_fee_per_gas.or(request.gas_price).unwrap_or(0);
    if fee_cap > 0 {
        // As geth: the sender cannot pay for more gas than its balance allows.
        let balance = BlockState::new(reader).account(request.from.unwrap_or_default())?.map_or(U256::ZERO, |a| a.balance);
        let available = balance.saturating_sub(request.value) / U256::from(fee_cap);
        hi = hi.min(u64::try_from(available).unwrap_or(u64::MAX));
    }
    // As geth: a plain value transfer to an account without code needs exactly the intrinsic 21,000 gas (a set-code
    // call is never plain: each authorization costs more up front).
    if let (Some(to), true) = (request.to, request.data.is_empty() && request.authorization_list.is_empty()) {
        let code_hash = BlockState::new(reader).account(to)?.map_or(revm::primitives::KECCAK_EMPTY, |a| a.code_hash);
        if code_hash == revm::primitives::KECCAK_EMPTY && hi >= TRANSFER_GAS {
            if let CallOutcome::Success { output, .. } = run(TRANSFER_GAS)? {
                return Ok(CallOutcome::Success { output, gas_used: TRANSFER_GAS });
            }
        }
    }
    let first = run(hi)?;
    let used = match &first {
        CallOutcome::Success { gas_used, .. } => *gas_used,
        CallOutcome::Revert { .. } => return Ok(first),
        CallOutcome::Halt { .. } => return Err(CallError::GasExceedsAllowance(hi)),
    };
    let mut lo = used.saturating_sub(1);
    // Most calls need only their used gas plus what the 63/64 rule withholds: try that first.
    let optimistic = ((used + CALL_STIPEND) * 64 / 63).min(hi);
    if optimistic < hi {
        match run(optimistic)? {
            CallOutcome::Success { .. } => hi = optimistic,
            _ => lo = optimistic,
        }
    }
    while lo + 1 < hi {
        // Within 1.5% of the answer is close enough (geth's estimateGasErrorRatio).
        if ((hi - lo) as f64) / (hi as f64) < 0.015 {
            break;
        }
        let mid = lo + (hi - lo) / 2;
        match run(mid)? {
            CallOutcome::Success { .. } => hi = mid,
            _ => lo = mid,
        }
    }
    Ok(CallOutcome::Success {
        output: match first {
            CallOutcome::Success { output, .. } => output,
            _ => Bytes::new(),
        },
        gas_used: hi,
    })
}

fn run<R: StateReader + ?Sized>(reader: &R, block: &BlockInput, request: &CallRequest, gas: u64, deadline: &Deadline) -> Result<CallOutcome, CallError> {
    deadline.check()?;
    let from = request.from.unwrap_or_default();
    let mut state = BlockState::new(reader);
    let nonce = match request.nonce {
        Some(nonce) => nonce,
        None => state.account(from)?.map_or(0, |a| a.nonce),
    };
    let no_fee = request.gas_price.unwrap_or(0) == 0 && request.max_fee_per_gas.unwrap_or(0) == 0;
    let set_code = !request.authorization_list.is_empty();
    let dynamic = set_code || request.max_fee_per_gas.is_some() || request.max_priority_fee_per_gas.is_some();
    let mut tx = TxEnv {
        tx_type: if set_code {
            4
        } else if dynamic {
            2
        } else if request.access_list.is_empty() {
            0
        } else {
            1
        },
        caller: from,
        gas_limit: gas,
        gas_price: if dynamic { request.max_fee_per_gas.unwrap_or(block.base_fee as u128) } else { request.gas_price.unwrap_or(0) },
        kind: request.to.map_or(TxKind::Create, TxKind::Call),
        value: request.value,
        data: request.data.clone(),
        nonce,
        chain_id: Some(block.chain_id),
        access_list: request.access_list.clone(),
        gas_priority_fee: if dynamic { Some(request.max_priority_fee_per_gas.unwrap_or(0)) } else { None },
        ..Default::default()
    };
    tx.set_signed_authorization(request.authorization_list.clone());
    let inspector = DeadlineInspector::new(deadline);
    let mut evm = build_evm_inspected(state, block, inspector, |cfg| {
        cfg.disable_nonce_check = true;
        // As geth's eth_call: a call that offers no fee is not held to the base fee.
        cfg.disable_base_fee = no_fee;
    });
    let result = evm.inspect_one_tx(tx);
    let _ = evm.finalize();
    // An interrupted execution's outcome is an artefact of the interruption, never the call's answer.
    if deadline.interrupted() {
        return Err(deadline.timeout());
    }
    match result {
        Ok(result) => Ok(outcome(result)),
        Err(EVMError::Transaction(invalid)) => Err(CallError::Invalid(Rejection::from_invalid(&invalid))),
        Err(EVMError::Database(read)) => Err(CallError::Read(read)),
        Err(other) => Err(CallError::Other(other.to_string())),
    }
}

fn outcome(result: ExecutionResult) -> CallOutcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { output, .. } => CallOutcome::Success { output: output.into_data(), gas_used },
        ExecutionResult::Revert { output, .. } => CallOutcome::Revert { reason: revert_reason(&output), output, gas_used },
        ExecutionResult::Halt { reason, .. } => CallOutcome::Halt { reason: halt_message(&reason), gas_used },
    }
}

fn halt_message(reason: &revm::context::result::HaltReason) -> String {
    use revm::context::result::HaltReason as H;
    match reason {
        H::OutOfGas(_) => "out of gas".into(),
        // An opcode of a later fork is, to this block, not defined (as geth words it).
        H::OpcodeNotFound | H::InvalidFEOpcode | H::NotActivated => "invalid opcode".into(),
        H::StackUnderflow => "stack underflow".into(),
        H::StackOverflow => "stack limit reached".into(),
        H::InvalidJump => "invalid jump destination".into(),
        H::StateChangeDuringStaticCall => "write protection".into(),
        H::CallTooDeep => "max call depth exceeded".into(),
        H::CreateCollision => "contract address collision".into(),
        H::CreateContractSizeLimit => "max code size exceeded".into(),
        H::OutOfFunds => "insufficient balance for transfer".into(),
        other => format!("{other:?}"),
    }
}

/// The message of a Solidity `Error(string)` or `Panic(uint256)` revert, if the data is one.
pub fn revert_reason(data: &[u8]) -> Option<String> {
    const ERROR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
    const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];
    let (selector, body) = (data.get(..4)?, data.get(4..)?);
    if selector == PANIC && body.len() == 32 {
        return Some(format!("panic: 0x{:02x}", U256::from_be_slice(body)));
    }
    if selector != ERROR || body.len() < 64 {
        return None;
    }
    let offset = usize::try_from(U256::from_be_slice(&body[..32])).ok()?;
    let len_word = body.get(offset..offset.checked_add(32)?)?;
    let len = usize::try_from(U256::from_be_slice(len_word)).ok()?;
    let start = offset + 32;
    let text = body.get(start..start.checked_add(len)?)?;
    Some(String::from_utf8_lossy(text).into_owned())
}
