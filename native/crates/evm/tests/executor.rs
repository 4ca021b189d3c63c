//! Block execution over an in-memory state: receipts, diffs, rejections.
use alloy_primitives::{hex, Address, Bytes, B256, U256};
use seq_evm::{execute_block, revert_reason, AccountInfo, BlockInput, ExecError, Fork, Mode};

mod support;
use support::{key, tx, Memory, CHAIN_ID};

fn block() -> BlockInput {
    BlockInput {
        number: 1,
        timestamp: 10,
        beneficiary: Address::repeat_byte(0xcb),
        gas_limit: 1_000_000,
        base_fee: 5,
        prevrandao: B256::ZERO,
        chain_id: CHAIN_ID,
        fork: Fork::NEWEST,
        parent_hash: B256::ZERO,
    }
}

fn funded(addresses: &[Address]) -> Memory {
    let mut memory = Memory::default();
    for a in addresses {
        memory
            .accounts
            .insert(*a, AccountInfo { balance: U256::from(10_000_000u64), nonce: 0, code_hash: seq_state_empty(), code: None, ..Default::default() });
    }
    memory
}

fn seq_state_empty() -> B256 {
    revm::primitives::KECCAK_EMPTY
}

#[test]
fn a_transfer_produces_a_receipt_and_a_diff_with_values_before_and_after() {
    let (alice, a) = key(1);
    let to = Address::repeat_byte(9);
    let state = funded(&[a]);
    let out = execute_block(&state, &block(), &[tx(&alice, 0, Some(to), 100, Bytes::new(), 21_000)], Mode::Build).unwrap();
    assert_eq!(out.receipts.len(), 1);
    let receipt = &out.receipts[0];
    assert!(receipt.success);
    assert_eq!((receipt.gas_used, receipt.cumulative_gas_used, receipt.effective_gas_price), (21_000, 21_000, 6));
    let sender = out.diff.accounts.iter().find(|d| d.address == a).unwrap();
    assert_eq!(sender.before.unwrap().nonce, 0);
    assert_eq!(sender.after.unwrap().nonce, 1);
    assert_eq!(sender.after.unwrap().balance, U256::from(10_000_000u64 - 100 - 21_000 * 6));
    let recipient = out.diff.accounts.iter().find(|d| d.address == to).unwrap();
    assert_eq!((recipient.before, recipient.after.unwrap().balance), (None, U256::from(100)));
    // The beneficiary gets the tip (1 per gas); the base fee is burnt.
    let coinbase = out.diff.accounts.iter().find(|d| d.address == block().beneficiary).unwrap();
    assert_eq!(coinbase.after.unwrap().balance, U256::from(21_000));
    // Sorted by address, deterministically.
    assert!(out.diff.accounts.windows(2).all(|w| w[0].address < w[1].address));
}

#[test]
fn a_zero_value_call_to_an_absent_account_leaves_no_trace_eip161() {
    let (alice, a) = key(1);
    let state = funded(&[a]);
    let ghost = Address::repeat_byte(0x66);
    let out = execute_block(&state, &block(), &[tx(&alice, 0, Some(ghost), 0, Bytes::new(), 21_000)], Mode::Build).unwrap();
    assert!(out.receipts[0].success);
    assert!(out.diff.accounts.iter().all(|d| d.address != ghost));
}

#[test]
fn a_creation_records_code_storage_and_a_wipe_and_a_revert_changes_only_the_payer() {
    let (alice, a) = key(1);
    let state = funded(&[a]);
    // Init code: sstore(0, 5), then return runtime `60006000fd` (always reverts).
    let init = hex::decode("6005600055600560116000396005600 0f360006000fd".replace(' ', "")).unwrap();
    let created = a.create(0);
    let txs = [tx(&alice, 0, None, 0, init.into(), 200_000), tx(&alice, 1, Some(created), 0, Bytes::new(), 50_000)];
    let out = execute_block(&state, &block(), &txs, Mode::Build).unwrap();
    assert!(out.receipts[0].success, "{:?}", out.receipts[0]);
    assert_eq!(out.receipts[0].contract_address, Some(created));
    assert!(!out.receipts[1].success);
    let contract = out.diff.accounts.iter().find(|d| d.address == created).unwrap();
    assert!(contract.storage_wiped);
    assert_eq!(contract.storage, vec![(U256::ZERO, U256::ZERO, U256::from(5))]);
    assert_eq!(out.diff.codes.len(), 1);
    assert_eq!(out.diff.codes[0].0, contract.after.unwrap().code_hash);
    assert_eq!(out.diff.accounts.iter().find(|d| d.address == a).unwrap().after.unwrap().nonce, 2);
}

#[test]
fn build_mode_skips_invalid_transactions_and_verify_mode_fails_on_them() {
    let (alice, a) = key(1);
    let (broke, _) = key(2);
    let state = funded(&[a]);
    let to = Address::repeat_byte(9);
    let txs =
        [tx(&broke, 0, Some(to), 1, Bytes::new(), 21_000), tx(&alice, 0, Some(to), 1, Bytes::new(), 21_000), tx(&alice, 0, Some(to), 1, Bytes::new(), 21_000)];
    let out = execute_block(&state, &block(), &txs, Mode::Build).unwrap();
    assert_eq!(out.included, vec![1]);
    assert_eq!(out.rejected.iter().map(|r| (r.index, r.rejection.code)).collect::<Vec<_>>(), vec![(0, "InsufficientFunds"), (2, "NonceTooLow")]);
    match execute_block(&state, &block(), &txs, Mode::Verify) {
        Err(ExecError::InvalidTransaction { index: 0, rejection, .. }) => assert_eq!(rejection.code, "InsufficientFunds"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn revert_reasons_decode_error_strings_and_panics_only() {
    let error = hex::decode("08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000").unwrap();
    assert_eq!(revert_reason(&error).as_deref(), Some("nope"));
    let panic = hex::decode("4e487b710000000000000000000000000000000000000000000000000000000000000011").unwrap();
    assert_eq!(revert_reason(&panic).as_deref(), Some("panic: 0x11"));
    assert_eq!(revert_reason(&error[..40]), None);
    assert_eq!(revert_reason(&[1, 2, 3]), None);
}

#[test]
fn a_plain_transfer_estimates_exactly_21000_like_geth() {
    let (_, a) = key(1);
    let state = funded(&[a]);
    let request = seq_evm::CallRequest { from: Some(a), to: Some(Address::repeat_byte(9)), value: U256::from(5), ..Default::default() };
    match seq_evm::estimate_gas(&state, &block(), &request, &seq_evm::CallLimits::default()).unwrap() {
        seq_evm::CallOutcome::Success { gas_used, .. } => assert_eq!(gas_used, 21_000),
        other => panic!("{other:?}"),
    }
    // Too poor for the value: not a success at any gas.
    let broke = seq_evm::CallRequest { value: U256::from(u64::MAX), ..request };
    assert!(seq_evm::estimate_gas(&state, &block(), &broke, &seq_evm::CallLimits::default()).is_err());
}
