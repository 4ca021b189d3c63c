mod support;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::root::{state_root_unhashed, storage_root_unhashed};
use seq_chain::{CallOutcome, CallRequest, Chain, ChainError, ChainOptions, Genesis};
use seq_state::TrieAccount;
use seq_store::Store;
use support::*;

/// The state root recomputed from scratch from everything in the store (alloy-trie's HashBuilder).
fn full_rehash(dir: &std::path::Path) -> B256 {
    let store = Store::open(dir.join("chain.redb")).unwrap();
    let reader = store.reader().unwrap();
    let accounts = reader.accounts().unwrap();
    state_root_unhashed(accounts.into_iter().map(|(address, r)| {
        let storage = reader.storage_of(address).unwrap();
        let root = storage_root_unhashed(storage.into_iter().map(|(k, v)| (B256::from(k), v)));
        assert_eq!(root, r.storage_root, "recorded storage root of {address}");
        (address, TrieAccount::new(r.nonce, r.balance, root, r.code_hash))
    }))
}

#[test]
fn genesis_state_root_is_the_ethereum_root_of_the_allocation() {
    let (a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let (head, _) = chain.head();
    assert_eq!(head.number, 0);
    let storage_root = storage_root_unhashed([(B256::with_last_byte(1), U256::from(7))]);
    let code_hash = keccak256(alloy_primitives::hex::decode(STORE_RUNTIME).unwrap());
    let expected = state_root_unhashed([
        (a.address, TrieAccount::new(0, U256::from(10).pow(U256::from(21)), seq_state::EMPTY_ROOT_HASH, seq_state::KECCAK_EMPTY)),
        (b.address, TrieAccount::new(0, U256::from(10).pow(U256::from(21)), seq_state::EMPTY_ROOT_HASH, seq_state::KECCAK_EMPTY)),
        (store_address(), TrieAccount::new(1, U256::ZERO, storage_root, code_hash)),
        // The genesis runs the newest fork, so it gets EIP-2935's history contract.
        (
            alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS,
            TrieAccount::new(1, U256::ZERO, seq_state::EMPTY_ROOT_HASH, keccak256(&alloy_eips::eip2935::HISTORY_STORAGE_CODE)),
        ),
    ]);
    assert_eq!(head.state_root, expected);
    assert_eq!(chain.storage(store_address(), U256::from(1), None).unwrap(), U256::from(7));
    assert_eq!(chain.code(store_address(), None).unwrap().len(), STORE_RUNTIME.len() / 2);
    drop(chain);
    // The directory now belongs to this genesis.
    let other = genesis_json(&[&a]);
    let err = Chain::open(dir.path(), Some(&Genesis::from_json(&other).unwrap()), ChainOptions::default()).err().unwrap();
    assert!(matches!(err, ChainError::Genesis(_)), "{err}");
}

#[test]
fn a_block_of_mixed_transactions_executes_commits_and_roots_match_a_full_rehash() {
    let (mut a, mut b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let fresh = Address::repeat_byte(0x77);
    let deployed = a.address.create(3);
    let txs = vec![
        a.transfer(fresh, 1_000),
        a.legacy(b.address, U256::from(5)),
        a.eip2930(fresh, U256::from(6)),
        a.eip1559(None, U256::ZERO, store_initcode(), 200_000),
        b.eip1559(Some(store_address()), U256::ZERO, store_call(42, 9), 100_000),
        // Reverts (the contract refuses value): included, status 0, gas charged.
        b.eip1559(Some(store_address()), U256::from(1), store_call(1, 1), 100_000),
        b.eip1559(Some(deployed), U256::ZERO, store_call(5, 1), 100_000),
    ];
    let block = chain.build_block(&env(100), &txs).unwrap();
    assert!(block.rejected.is_empty(), "{:?}", block.rejected);
    assert_eq!(block.receipts.len(), 7);
    let statuses: Vec<bool> = block.receipts.iter().map(|r| r.consensus().unwrap().status()).collect();
    assert_eq!(statuses, [true, true, true, true, true, false, true]);
    assert_eq!(block.receipts[3].contract_address(), Some(deployed));
    let logs = seq_chain::receipt_logs(&block.receipts[4]).unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, store_address());
    assert_eq!(logs[0].topics()[0], B256::with_last_byte(9));
    let cumulative: Vec<u64> = block.receipts.iter().map(|r| r.consensus().unwrap().cumulative_gas_used()).collect();
    assert!(cumulative.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(*cumulative.last().unwrap(), block.header.gas_used);
    let envelopes: Vec<alloy_consensus::TxEnvelope> = txs.iter().map(|r| alloy_eips::eip2718::Decodable2718::decode_2718(&mut r.as_ref()).unwrap()).collect();
    assert_eq!(block.header.transactions_root, alloy_consensus::proofs::calculate_transaction_root(&envelopes));
    assert!(block.header.logs_bloom.contains_input(alloy_primitives::BloomInput::Raw(store_address().as_slice())));

    assert_eq!(chain.storage(store_address(), U256::from(9), None).unwrap(), U256::from(42));
    assert_eq!(chain.storage(deployed, U256::from(1), None).unwrap(), U256::from(5));
    assert_eq!(chain.account(fresh, None).unwrap().unwrap().balance, U256::from(1_006));
    assert_eq!(chain.account(a.address, None).unwrap().unwrap().nonce, 4);
    // The beneficiary earned the priority fees.
    assert!(chain.account(Address::repeat_byte(0xcb), None).unwrap().unwrap().balance > U256::ZERO);

    // A second block on top, then the roots against a from-scratch rehash of the whole store.
    let more = vec![b.eip1559(Some(deployed), U256::ZERO, store_call(0, 1), 100_000), a.transfer(fresh, 1)];
    let second = chain.build_block(&env(101), &more).unwrap();
    assert_eq!(second.header.parent_hash, block.hash);
    assert_eq!(chain.storage(deployed, U256::from(1), None).unwrap(), U256::ZERO);
    let root = second.header.state_root;
    drop(chain);
    assert_eq!(full_rehash(dir.path()), root);
}

#[test]
fn invalid_transactions_are_rejected_with_stable_codes_and_leave_no_trace() {
    let (mut a, mut b, mut poor) = (Wallet::new(1), Wallet::new(2), Wallet::new(99));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let to = Address::repeat_byte(0x55);
    let good = a.transfer(to, 1);
    let mut stale = Wallet::new(1); // nonce 0 again after `good`
    let too_low = stale.transfer(to, 1);
    b.nonce = 5;
    let too_high = b.transfer(to, 1);
    b.nonce = 0;
    let no_funds = poor.transfer(to, 1);
    let intrinsic = a.eip1559(Some(to), U256::ZERO, Bytes::new(), 20_000);
    a.nonce -= 1;
    let over_block = a.eip1559(Some(to), U256::ZERO, Bytes::new(), 29_990_000);
    a.nonce -= 1;
    let mut cheap = alloy_consensus::TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: a.nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 1,
        max_priority_fee_per_gas: 0,
        to: alloy_primitives::TxKind::Call(to),
        ..Default::default()
    };
    cheap.value = U256::from(1);
    let below_base_fee = {
        use alloy_consensus::SignableTransaction;
        use alloy_eips::eip2718::Encodable2718;
        let (sig, recid) = a.key.sign_prehash_recoverable(cheap.signature_hash().as_slice()).unwrap();
        Bytes::from(alloy_consensus::TxEnvelope::from(cheap.into_signed(alloy_primitives::Signature::from((sig, recid)))).encoded_2718())
    };
    let garbage = Bytes::from_static(&[0x02, 0xc0, 0x01]);
    let follow_up = a.transfer(to, 2);
    let txs = vec![good, too_low, too_high, no_funds, intrinsic, over_block, below_base_fee, garbage, follow_up];
    let before_b = chain.account(b.address, None).unwrap();
    let block = chain.build_block(&env(100), &txs).unwrap();
    let codes: Vec<(usize, &str)> = block.rejected.iter().map(|r| (r.index, r.code)).collect();
    assert_eq!(
        codes,
        [
            (1, "NonceTooLow"),
            (2, "NonceTooHigh"),
            (3, "InsufficientFunds"),
            (4, "IntrinsicGasTooLow"),
            (5, "GasLimitExceedsBlock"),
            (6, "FeeCapBelowBaseFee"),
            (7, "MalformedRlp")
        ]
    );
    assert!(block.rejected.iter().all(|r| !r.message.is_empty()));
    assert_eq!(block.receipts.len(), 2);
    assert_eq!(block.transactions, vec![txs[0].clone(), txs[8].clone()]);
    assert_eq!(chain.account(to, None).unwrap().unwrap().balance, U256::from(3));
    assert_eq!(chain.account(a.address, None).unwrap().unwrap().nonce, 2);
    assert_eq!(chain.account(b.address, None).unwrap(), before_b);
    assert_eq!(chain.account(poor.address, None).unwrap(), None);
}

#[test]
fn followers_verify_blocks_to_identical_roots_and_refuse_tampered_ones_without_change() {
    let (mut a, mut b) = (Wallet::new(1), Wallet::new(2));
    let genesis = genesis_json(&[&a, &b]);
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let leader = open(d1.path(), &genesis);
    let follower = open(d2.path(), &genesis);
    assert_eq!(leader.head().1, follower.head().1);
    let txs = vec![
        a.transfer(b.address, 10),
        b.eip1559(Some(store_address()), U256::ZERO, store_call(3, 4), 100_000),
        a.eip1559(None, U256::ZERO, store_initcode(), 200_000),
    ];
    let built = leader.build_block(&env(50), &txs).unwrap();
    let sealed = leader.sealed_block(1).unwrap().unwrap();
    assert_eq!(sealed.hash, built.hash);

    let (head_before, hash_before) = follower.head();
    let mut tampered = Vec::new();
    let mut t = sealed.clone();
    t.state_root = B256::repeat_byte(1);
    tampered.push(("stateRoot", t));
    let mut t = sealed.clone();
    t.receipts_root = B256::repeat_byte(2);
    tampered.push(("receiptsRoot", t));
    let mut t = sealed.clone();
    t.transactions.pop();
    tampered.push(("transactionsRoot", t));
    let mut t = sealed.clone();
    t.env.timestamp += 1;
    tampered.push(("hash", t));
    for (field, block) in &tampered {
        match follower.verify_and_apply(block) {
            Err(ChainError::Mismatch { field: got, .. }) => assert_eq!(got, *field),
            other => panic!("{field}: expected a mismatch, got {other:?}"),
        }
        assert_eq!(follower.head(), (head_before.clone(), hash_before));
        assert_eq!(follower.storage(store_address(), U256::from(4), None).unwrap(), U256::ZERO);
    }
    // A block with an invalid transaction (replayed nonce) fails as a whole.
    let mut t = sealed.clone();
    t.transactions.push(t.transactions[0].clone());
    assert!(matches!(follower.verify_and_apply(&t), Err(ChainError::Mismatch { field: "transactionsRoot", .. })));
    let replay = {
        let mut block = leader.sealed_block(1).unwrap().unwrap();
        block.transactions.push(block.transactions[0].clone());
        block
    };
    // Same check with a root that matches the padded list, so execution itself must refuse it.
    let envelopes: Vec<alloy_consensus::TxEnvelope> =
        replay.transactions.iter().map(|r| alloy_eips::eip2718::Decodable2718::decode_2718(&mut r.as_ref()).unwrap()).collect();
    let mut replay = replay;
    replay.transactions_root = alloy_consensus::proofs::calculate_transaction_root(&envelopes);
    match follower.verify_and_apply(&replay) {
        Err(ChainError::InvalidTransaction { index: 3, rejection, .. }) => assert_eq!(rejection.code, "NonceTooLow"),
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
    assert_eq!(follower.head().1, hash_before);

    let applied = follower.verify_and_apply(&sealed).unwrap();
    assert_eq!(applied.hash, built.hash);
    assert_eq!(follower.storage(store_address(), U256::from(4), None).unwrap(), U256::from(3));
    // Chains stay in step afterwards.
    let next = leader.build_block(&env(51), &[a.transfer(b.address, 1)]).unwrap();
    assert_eq!(follower.verify_and_apply(&leader.sealed_block(2).unwrap().unwrap()).unwrap().hash, next.hash);
}

#[test]
fn reopening_resumes_at_the_last_whole_block_and_keeps_history() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let genesis = genesis_json(&[&a, &b]);
    let dir = tempfile::tempdir().unwrap();
    let mut hashes = Vec::new();
    {
        let chain = open(dir.path(), &genesis);
        for i in 0..5 {
            hashes.push(chain.build_block(&env(100 + i), &[a.transfer(b.address, 100)]).unwrap().hash);
        }
    }
    let chain = Chain::open(dir.path(), None, ChainOptions::default()).unwrap();
    assert_eq!(chain.latest_number(), 5);
    assert_eq!(chain.head().1, hashes[4]);
    let balance_at = |n| chain.account(b.address, Some(n)).unwrap().unwrap().balance;
    let start = balance_at(0);
    for n in 1..=5u64 {
        assert_eq!(balance_at(n), start + U256::from(100 * n));
    }
    let block = chain.build_block(&env(200), &[a.transfer(b.address, 100)]).unwrap();
    assert_eq!(block.header.parent_hash, hashes[4]);
    assert!(matches!(chain.account(b.address, Some(7)), Err(ChainError::StateUnavailable { .. })));
}

#[test]
fn history_outside_the_window_is_refused() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let options = ChainOptions { history: 2, ..Default::default() };
    let chain = Chain::open(dir.path(), Some(&Genesis::from_json(&genesis_json(&[&a, &b])).unwrap()), options).unwrap();
    for i in 0..4 {
        chain.build_block(&env(100 + i), &[a.transfer(b.address, 1)]).unwrap();
    }
    assert!(chain.account(b.address, Some(2)).is_ok());
    assert!(matches!(chain.account(b.address, Some(1)), Err(ChainError::StateUnavailable { requested: 1, .. })));
}

#[test]
fn calls_and_gas_estimates_read_state_without_changing_it() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let request = CallRequest { from: Some(a.address), to: Some(store_address()), data: store_call(11, 12), ..Default::default() };
    let estimate = match chain.estimate_gas(&request, None, &seq_chain::CallLimits::default()).unwrap() {
        CallOutcome::Success { gas_used, .. } => gas_used,
        other => panic!("{other:?}"),
    };
    assert!(matches!(chain.call(&request, None, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Success { .. }));
    assert_eq!(chain.storage(store_address(), U256::from(12), None).unwrap(), U256::ZERO);
    // The estimate is enough for the real transaction, and not wildly more than it uses.
    let block = chain.build_block(&env(30), &[a.eip1559(Some(store_address()), U256::ZERO, store_call(11, 12), estimate)]).unwrap();
    let used = block.receipts[0].gas_used;
    assert!(block.receipts[0].consensus().unwrap().status(), "estimate {estimate} too low");
    assert!(estimate >= used && estimate < used + used / 10, "estimate {estimate}, used {used}");
    // A reverting call reports the revert; one that cannot pay is refused.
    let reverting = CallRequest { value: U256::from(1), ..request.clone() };
    assert!(matches!(chain.call(&reverting, None, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Revert { .. }));
    assert!(matches!(chain.estimate_gas(&reverting, None, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Revert { .. }));
    let broke = CallRequest { from: Some(Address::repeat_byte(0x99)), value: U256::from(5), to: Some(b.address), ..Default::default() };
    assert!(matches!(chain.call(&broke, None, &seq_chain::CallLimits::default()), Err(ChainError::Call(_))));
    // Below EIP-7623's calldata floor the call cannot start; above it, the sstore runs out of gas.
    let below_floor = CallRequest { gas: Some(21_500), ..request.clone() };
    assert!(matches!(chain.call(&below_floor, None, &seq_chain::CallLimits::default()), Err(ChainError::Call(_))));
    let starved = CallRequest { gas: Some(21_800), ..request };
    assert!(matches!(chain.call(&starved, None, &seq_chain::CallLimits::default()).unwrap(), CallOutcome::Halt { .. }));
}

/// Builds one block of `txs` on a fresh chain and prints its phase timings and rate (for the ignored timing tests).
fn print_block_timing(genesis: &str, txs: &[Bytes]) {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), genesis);
    let mut env = env(100);
    env.gas_limit = 1_000_000_000;
    let started = std::time::Instant::now();
    let block = chain.build_block(&env, txs).unwrap();
    let total = started.elapsed();
    assert!(block.rejected.is_empty());
    println!("{} txs in {total:?}: {:?} -> {:.0} tx/s", txs.len(), block.timings, txs.len() as f64 / total.as_secs_f64());
}

/// Phase timings of a 10,000-transfer block; run with `cargo test -p seq-chain --release -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_of_a_ten_thousand_transfer_block() {
    let mut senders: Vec<Wallet> = (0..2000).map(|i| Wallet::new(1000 + i)).collect();
    let refs: Vec<&Wallet> = senders.iter().collect();
    let genesis = genesis_json(&refs);
    let mut txs = Vec::new();
    for round in 0..5 {
        for (i, w) in senders.iter_mut().enumerate() {
            txs.push(w.transfer(Address::left_padding_from(&((round * 2000 + i) as u64 + 0x1000).to_be_bytes()), 1));
        }
    }
    print_block_timing(&genesis, &txs);
}

#[test]
#[ignore]
fn timing_of_a_ten_thousand_storage_write_block() {
    let mut senders: Vec<Wallet> = (0..2000).map(|i| Wallet::new(1000 + i)).collect();
    let refs: Vec<&Wallet> = senders.iter().collect();
    let genesis = genesis_json(&refs);
    let mut txs = Vec::new();
    for round in 0..5u64 {
        for (i, w) in senders.iter_mut().enumerate() {
            txs.push(w.eip1559(Some(store_address()), U256::ZERO, store_call(7, round * 100_000 + i as u64 + 10), 60_000));
        }
    }
    print_block_timing(&genesis, &txs);
}

#[test]
fn rewinding_restores_the_state_after_an_earlier_block_exactly_and_durably() {
    let (mut a, mut b) = (Wallet::new(1), Wallet::new(2));
    let genesis = genesis_json(&[&a, &b]);
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis);
    chain.build_block(&env(100), &[a.transfer(b.address, 1), b.eip1559(Some(store_address()), U256::ZERO, store_call(5, 50), 100_000)]).unwrap();
    let two = chain.build_block(&env(101), &[a.transfer(b.address, 2)]).unwrap();
    let balances = (chain.account(a.address, None).unwrap(), chain.account(b.address, None).unwrap());
    let deployed = a.address.create(a.nonce);
    let orphan_tx = a.eip1559(None, U256::ZERO, store_initcode(), 200_000);
    chain.build_block(&env(102), &[orphan_tx.clone(), b.eip1559(Some(store_address()), U256::ZERO, store_call(0, 50), 100_000)]).unwrap();
    chain
        .build_block(
            &env(103),
            &[b.eip1559(Some(deployed), U256::ZERO, store_call(9, 1), 100_000), b.eip1559(Some(store_address()), U256::ZERO, store_call(6, 60), 100_000)],
        )
        .unwrap();
    assert_eq!(chain.storage(deployed, U256::from(1), None).unwrap(), U256::from(9));

    assert!(matches!(chain.rewind_to(9), Err(ChainError::Input(_))));
    chain.rewind_to(2).unwrap();
    assert_eq!(chain.head().1, two.hash);
    assert_eq!((chain.account(a.address, None).unwrap(), chain.account(b.address, None).unwrap()), balances);
    assert_eq!(chain.account(deployed, None).unwrap(), None);
    assert_eq!(chain.storage(store_address(), U256::from(50), None).unwrap(), U256::from(5));
    assert_eq!(chain.storage(store_address(), U256::from(60), None).unwrap(), U256::ZERO);
    assert!(chain.block(3).unwrap().is_none());
    assert!(chain.transaction(keccak256(&orphan_tx)).unwrap().is_none());
    // Reads at the kept blocks still work, and the chain grows again from block 2.
    assert_eq!(chain.account(b.address, Some(1)).unwrap().unwrap().nonce, 1);
    a.nonce -= 1;
    b.nonce = 2;
    let three = chain.build_block(&env(110), &[a.transfer(b.address, 3)]).unwrap();
    assert_eq!(three.header.parent_hash, two.hash);
    let root = three.header.state_root;
    drop(chain);
    assert_eq!(full_rehash(dir.path()), root);
    // Reopening re-hashes the state against the head: the rewind was durable and whole.
    let options = ChainOptions { history: 2, ..Default::default() };
    let chain = Chain::open(dir.path(), None, options).unwrap();
    assert_eq!(chain.head().1, three.hash);
    assert!(matches!(chain.rewind_to(0), Err(ChainError::StateUnavailable { .. })));
    assert_eq!(chain.head().1, three.hash);
}
