mod support;

use alloy_primitives::U256;
use seq_chain::{BlockEnv, CallOutcome, CallRequest, ChainError};
use support::*;

#[test]
fn the_pending_block_is_read_and_called_on_without_ever_being_stored() {
    let (mut a, b, c) = (Wallet::new(1), Wallet::new(2), Wallet::new(3));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let (head, head_hash) = chain.head();
    let raw = [a.transfer(c.address, 5_000_000), a.eip1559(Some(store_address()), U256::ZERO, store_call(42, 3), 60_000)];
    // A timestamp before the head's is raised to it; the number follows the head whatever the env says.
    let pending = chain.pending_block(&BlockEnv { number: Some(99), ..env(1) }, &raw, None).unwrap();
    assert_eq!((pending.input.number, pending.input.timestamp, pending.input.base_fee), (head.number + 1, head.timestamp, chain.next_base_fee()));
    assert_eq!((pending.included, pending.rejected.len()), (2, 0));

    assert_eq!(chain.pending_account(&pending, c.address).unwrap().unwrap().balance, U256::from(5_000_000));
    assert_eq!(chain.pending_account(&pending, a.address).unwrap().unwrap().nonce, 2);
    assert_eq!(chain.pending_storage(&pending, store_address(), U256::from(3)).unwrap(), U256::from(42));
    assert_eq!(chain.pending_storage(&pending, store_address(), U256::from(1)).unwrap(), U256::from(7));
    assert_eq!(chain.pending_code(&pending, store_address()).unwrap(), chain.code(store_address(), None).unwrap());

    // Spending what only the pending block gives: refused at the head with the executor's code, fine when pending.
    let spend = CallRequest { from: Some(c.address), to: Some(b.address), value: U256::from(4_000_000), ..Default::default() };
    match chain.call(&spend, None, &seq_chain::CallLimits::default()) {
        Err(error) => assert_eq!(error.code(), "InsufficientFunds", "{error}"),
        Ok(outcome) => panic!("the head has no funds for it: {outcome:?}"),
    }
    assert!(matches!(chain.pending_call(&pending, &spend, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Success { .. }));
    assert!(matches!(chain.pending_estimate_gas(&pending, &spend, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Success { gas_used: 21_000, .. }));

    // Nothing reached the chain.
    assert_eq!(chain.head(), (head, head_hash));
    assert!(chain.account(c.address, None).unwrap().is_none());
    assert_eq!(chain.storage(store_address(), U256::from(3), None).unwrap(), U256::ZERO);
}

#[test]
fn invalid_pending_transactions_are_left_out_as_a_built_block_would_leave_them() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let mut stranger = Wallet::new(50);
    let raw = [a.transfer(b.address, 1), stranger.transfer(b.address, 1), vec![0xde, 0xad].into(), a.transfer(b.address, 2)];
    let pending = chain.pending_block(&env(30), &raw, None).unwrap();
    assert_eq!(pending.included, 2);
    let codes: Vec<(usize, &str)> = pending.rejected.iter().map(|r| (r.index, r.code)).collect();
    assert_eq!(codes[0], (1, "InsufficientFunds"));
    assert_eq!(codes[1].0, 2);
    let balance = chain.account(b.address, None).unwrap().unwrap().balance;
    assert_eq!(chain.pending_account(&pending, b.address).unwrap().unwrap().balance, balance + U256::from(3));
    // Senders that do not match the transactions' count are refused.
    assert!(matches!(chain.pending_block(&env(30), &raw, Some(&[a.address])), Err(ChainError::Input(_))));
}

#[test]
fn the_pending_block_stays_exact_as_blocks_land_and_goes_stale_when_its_parent_is_rewound() {
    let (mut a, mut b, c) = (Wallet::new(1), Wallet::new(2), Wallet::new(3));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    chain.build_block(&env(20), &[b.transfer(c.address, 1)]).unwrap();
    let pending = chain.pending_block(&env(21), &[a.transfer(c.address, 10)], None).unwrap();
    assert_eq!(pending.parent_number, 1);
    // A block lands that is not the pending one: the pending block still reads as block 1 + its own transactions.
    chain.build_block(&env(22), &[b.transfer(c.address, 100)]).unwrap();
    assert_eq!(chain.account(c.address, None).unwrap().unwrap().balance, U256::from(101));
    assert_eq!(chain.pending_account(&pending, c.address).unwrap().unwrap().balance, U256::from(11));
    chain.rewind_to(1).unwrap();
    assert_eq!(chain.pending_account(&pending, c.address).unwrap().unwrap().balance, U256::from(11));
    chain.rewind_to(0).unwrap();
    match chain.pending_account(&pending, c.address) {
        Err(error) => assert_eq!(error.code(), "PendingStale", "{error}"),
        Ok(account) => panic!("read a pending block whose parent is gone: {account:?}"),
    }
}

#[test]
fn the_pending_block_shows_what_the_block_built_from_the_same_transactions_then_shows() {
    let (mut a, mut b, c) = (Wallet::new(1), Wallet::new(2), Wallet::new(3));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    // A legacy, an access-list and two EIP-1559 transactions (one logging), and one left out (no funds).
    let mut stranger = Wallet::new(60);
    let raw = [
        a.transfer(c.address, 1),
        b.legacy(c.address, U256::from(2)),
        stranger.transfer(c.address, 1),
        a.eip1559(Some(store_address()), U256::ZERO, store_call(9, 4), 60_000),
        b.eip2930(c.address, U256::from(3)),
    ];
    let pending = chain.pending_block(&env(40), &raw, None).unwrap();
    assert_eq!((pending.included, pending.rejected.len()), (4, 1));
    let built = chain.build_block(&env(40), &raw).unwrap();
    let record = chain.block(built.header.number).unwrap().unwrap();

    assert_eq!(pending.raw, built.transactions);
    let hashes: Vec<_> = pending.transactions.iter().map(|tx| tx.hash).collect();
    assert_eq!(hashes, record.tx_hashes);
    assert_eq!(pending.transactions.iter().map(|tx| tx.sender).collect::<Vec<_>>(), [a.address, b.address, a.address, b.address]);
    assert_eq!(pending.gas_used, built.header.gas_used);
    assert_eq!(
        (pending.input.gas_limit, pending.input.timestamp, pending.input.prevrandao),
        (built.header.gas_limit, built.header.timestamp, built.header.mix_hash)
    );
    assert_eq!(pending.parent_hash, built.header.parent_hash);
    let summary = pending.summary().unwrap();
    assert_eq!(summary.receipts, built.receipts);
    assert_eq!(summary.receipts.last().unwrap().consensus().unwrap().cumulative_gas_used(), built.header.gas_used);
    assert_eq!(
        (summary.transactions_root, summary.receipts_root, summary.logs_bloom),
        (built.header.transactions_root, built.header.receipts_root, built.header.logs_bloom)
    );
    assert_ne!(summary.logs_bloom, alloy_primitives::Bloom::ZERO);
    assert_eq!(summary.size, record.size);
    // Computed once and kept.
    assert!(std::ptr::eq(summary, pending.summary().unwrap()));

    // An empty pending block: empty roots, no gas, the size of an empty block.
    let empty = chain.pending_block(&env(41), &[], None).unwrap();
    let sealed = chain.build_block(&env(41), &[]).unwrap();
    let summary = empty.summary().unwrap();
    assert_eq!(
        (empty.included, empty.gas_used, summary.transactions_root, summary.receipts_root),
        (0, 0, sealed.header.transactions_root, sealed.header.receipts_root)
    );
    assert_eq!(summary.size, chain.block(sealed.header.number).unwrap().unwrap().size);
}
