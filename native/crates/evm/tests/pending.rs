//! The pending layer: transactions executed as the next block over a state, read back without committing.
use alloy_primitives::{hex, Address, Bytes, B256, U256};
use seq_evm::{call, estimate_gas, execute_pending, AccountInfo, BlockInput, Bytecode, CallError, CallOutcome, CallRequest, Fork, StateReader};

mod support;
use support::{key, tx, Memory, CHAIN_ID};
/// Runtime: reverts on value; else `sstore(calldata[32..64], calldata[0..32])`.
const STORE_RUNTIME: &str = "346014576000356020355560203560006000a1005b60006000fd";

fn block() -> BlockInput {
    BlockInput {
        number: 2,
        timestamp: 20,
        beneficiary: Address::repeat_byte(0xcb),
        gas_limit: 1_000_000,
        base_fee: 5,
        prevrandao: B256::ZERO,
        chain_id: CHAIN_ID,
        fork: Fork::NEWEST,
        parent_hash: B256::ZERO,
    }
}

const FUNDS: u64 = 10_000_000;

/// Alice funded; a store contract whose slot 1 already holds 7.
fn state(alice: Address, contract: Address) -> Memory {
    let mut memory = Memory::default();
    memory
        .accounts
        .insert(alice, AccountInfo { balance: U256::from(FUNDS), nonce: 0, code_hash: revm::primitives::KECCAK_EMPTY, code: None, ..Default::default() });
    let code = Bytecode::new_raw(hex::decode(STORE_RUNTIME).unwrap().into());
    memory.accounts.insert(contract, AccountInfo { balance: U256::ZERO, nonce: 1, code_hash: code.hash_slow(), code: None, ..Default::default() });
    memory.codes.insert(code.hash_slow(), code);
    memory.storage.insert((contract, U256::from(1)), U256::from(7));
    memory
}

fn store(value: u64, slot: u64) -> Bytes {
    let mut data = [0u8; 64];
    data[24..32].copy_from_slice(&value.to_be_bytes());
    data[56..64].copy_from_slice(&slot.to_be_bytes());
    Bytes::copy_from_slice(&data)
}

#[test]
fn reads_through_the_layer_see_the_pending_block_and_the_base_is_untouched() {
    let (alice, a) = key(1);
    let bob = Address::repeat_byte(0xb0);
    let contract = Address::repeat_byte(0xc0);
    let base = state(a, contract);
    let txs = [tx(&alice, 0, Some(bob), 5_000, Bytes::new(), 21_000), tx(&alice, 1, Some(contract), 0, store(42, 0), 60_000)];
    let pending = execute_pending(&base, &block(), &txs).unwrap();
    assert_eq!(pending.included, vec![0, 1]);
    let layered = pending.layer.over(&base);

    assert_eq!(layered.account(bob).unwrap().unwrap().balance, U256::from(5_000));
    assert_eq!(layered.account(a).unwrap().unwrap().nonce, 2);
    assert_eq!(layered.storage(contract, U256::ZERO).unwrap(), U256::from(42));
    // A slot the block did not touch still reads from the base; so does the contract's code.
    assert_eq!(layered.storage(contract, U256::from(1)).unwrap(), U256::from(7));
    let code_hash = layered.account(contract).unwrap().unwrap().code_hash;
    assert_eq!(layered.code(code_hash).unwrap().original_bytes(), Bytes::from(hex::decode(STORE_RUNTIME).unwrap()));

    assert!(base.account(bob).unwrap().is_none());
    assert_eq!(base.account(a).unwrap().unwrap().nonce, 0);
    assert_eq!(base.storage(contract, U256::ZERO).unwrap(), U256::ZERO);
}

#[test]
fn a_call_that_needs_the_pending_funds_succeeds_only_over_the_layer() {
    let (alice, a) = key(1);
    let (_, bob) = key(2);
    let contract = Address::repeat_byte(0xc0);
    let base = state(a, contract);
    let pending = execute_pending(&base, &block(), &[tx(&alice, 0, Some(bob), 5_000, Bytes::new(), 21_000)]).unwrap();
    let spend = CallRequest { from: Some(bob), to: Some(Address::repeat_byte(0x99)), value: U256::from(4_000), ..Default::default() };

    match call(&base, &block(), &spend, &seq_evm::CallLimits::default()) {
        Err(CallError::Invalid(rejection)) => assert_eq!(rejection.code, "InsufficientFunds"),
        other => panic!("expected insufficient funds at the base, got {other:?}"),
    }
    let layered = pending.layer.over(&base);
    assert!(matches!(call(&layered, &block(), &spend, &seq_evm::CallLimits::default()), Ok(CallOutcome::Success { .. })));
    assert_eq!(
        estimate_gas(&layered, &block(), &spend, &seq_evm::CallLimits::default()).unwrap(),
        CallOutcome::Success { output: Bytes::new(), gas_used: 21_000 }
    );
}

#[test]
fn invalid_pending_transactions_are_skipped_and_the_rest_still_apply() {
    let (alice, a) = key(1);
    let bob = Address::repeat_byte(0xb0);
    let contract = Address::repeat_byte(0xc0);
    let base = state(a, contract);
    let txs = [
        tx(&alice, 0, Some(bob), 1_000, Bytes::new(), 21_000),
        // More than Alice has left: left out.
        tx(&alice, 1, Some(bob), FUNDS, Bytes::new(), 21_000),
        // Its predecessor was left out, so its nonce is now too high: left out.
        tx(&alice, 2, Some(bob), 1, Bytes::new(), 21_000),
        // Past the block's gas limit: left out.
        tx(&alice, 1, Some(bob), 1, Bytes::new(), 2_000_000),
        tx(&alice, 1, Some(bob), 2_000, Bytes::new(), 21_000),
    ];
    let pending = execute_pending(&base, &block(), &txs).unwrap();
    assert_eq!(pending.included, vec![0, 4]);
    let codes: Vec<(usize, &str)> = pending.rejected.iter().map(|r| (r.index, r.rejection.code)).collect();
    assert_eq!(codes, vec![(1, "InsufficientFunds"), (2, "NonceTooHigh"), (3, "GasLimitExceedsBlock")]);
    assert_eq!(pending.gas_used, 42_000);
    assert_eq!(pending.layer.over(&base).account(bob).unwrap().unwrap().balance, U256::from(3_000));
}
