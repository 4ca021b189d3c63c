//! The call budget: a gas cap per call and a wall-time budget that interrupts execution inside revm.
use std::time::Duration;

use alloy_primitives::{hex, Address, B256, U256};
use seq_evm::{call, estimate_gas, AccountInfo, BlockInput, Bytecode, CallError, CallLimits, CallOutcome, CallRequest, Fork};

mod support;
use support::{Memory, CHAIN_ID};

/// Runtime `JUMPDEST PUSH1 0 JUMP`: loops until the gas runs out.
const LOOP_RUNTIME: &str = "5b600056";

/// Prague: before EIP-7825 a call may carry the whole 50M cap, which is what the wall-time budget has to stop.
fn block(gas_limit: u64) -> BlockInput {
    BlockInput {
        number: 2,
        timestamp: 20,
        beneficiary: Address::repeat_byte(0xcb),
        gas_limit,
        base_fee: 0,
        prevrandao: B256::ZERO,
        chain_id: CHAIN_ID,
        fork: Fork::Prague,
        parent_hash: B256::ZERO,
    }
}

fn looping(contract: Address) -> Memory {
    let mut memory = Memory::default();
    let code = Bytecode::new_raw(hex::decode(LOOP_RUNTIME).unwrap().into());
    memory.accounts.insert(contract, AccountInfo { balance: U256::ZERO, nonce: 1, code_hash: code.hash_slow(), code: None, ..Default::default() });
    memory.codes.insert(code.hash_slow(), code);
    memory
}

fn to(contract: Address, gas: Option<u64>) -> CallRequest {
    CallRequest { from: Some(Address::repeat_byte(0xaa)), to: Some(contract), gas, ..Default::default() }
}

#[test]
fn a_request_for_more_gas_than_the_cap_is_refused_before_running() {
    let contract = Address::repeat_byte(0xc0);
    let limits = CallLimits { gas_cap: 1_000_000, timeout: None };
    let state = looping(contract);
    for result in [
        call(&state, &block(30_000_000), &to(contract, Some(1_000_001)), &limits),
        estimate_gas(&state, &block(30_000_000), &to(contract, Some(2_000_000)), &limits),
    ] {
        assert!(matches!(result, Err(CallError::GasAboveCap { cap: 1_000_000, .. })), "{result:?}");
    }
    // Without a gas field the block's limit is lowered to the cap: the loop runs out of exactly the cap.
    match call(&state, &block(30_000_000), &to(contract, None), &limits).unwrap() {
        CallOutcome::Halt { gas_used, .. } => assert_eq!(gas_used, 1_000_000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_loop_that_outlasts_its_budget_is_interrupted_with_a_timeout() {
    let contract = Address::repeat_byte(0xc0);
    let state = looping(contract);
    // u64::MAX / 2 gas: the loop would run for hours; only the budget can stop it.
    let huge = u64::MAX / 2;
    let limits = CallLimits { gas_cap: huge, timeout: Some(Duration::from_millis(50)) };
    let result = call(&state, &block(huge), &to(contract, None), &limits);
    assert!(matches!(result, Err(CallError::Timeout(budget)) if budget == Duration::from_millis(50)), "{result:?}");
    assert!(result.unwrap_err().to_string().starts_with("execution timeout"));
    // The estimate's whole search shares one budget, so it too stops (and long before the gas would).
    assert!(matches!(estimate_gas(&state, &block(huge), &to(contract, None), &limits), Err(CallError::Timeout(_))));
}

#[test]
fn an_ordinary_call_within_its_budget_is_unaffected() {
    let contract = Address::repeat_byte(0xc0);
    let state = looping(contract);
    let generous = CallLimits { gas_cap: 100_000, timeout: Some(Duration::from_secs(60)) };
    let unlimited = CallLimits { gas_cap: 100_000, timeout: None };
    assert_eq!(call(&state, &block(100_000), &to(contract, None), &generous).unwrap(), call(&state, &block(100_000), &to(contract, None), &unlimited).unwrap());
}
