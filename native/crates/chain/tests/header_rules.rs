//! Each header rule refuses a peer's block that breaks it (nothing applied) and keeps this host's producer compliant.
mod support;

use alloy_primitives::{keccak256, Bytes, B256};
use seq_chain::header_rules::{gas_limit_step, gas_limit_toward, HeaderRules};
use seq_chain::{Chain, ChainError, SealedBlock};
use support::*;

/// Genesis timestamp of the support genesis (0x10).
const GENESIS_TIME: u64 = 16;

fn pair() -> (tempfile::TempDir, tempfile::TempDir, Chain, Chain) {
    let genesis = genesis_json(&[&Wallet::new(1)]);
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (leader, follower) = (open(d1.path(), &genesis), open(d2.path(), &genesis));
    (d1, d2, leader, follower)
}

/// The follower refuses `block` for `rule` and its head does not move.
fn refused(follower: &Chain, block: &SealedBlock, now: u64, rule: &str) {
    let before = follower.head().1;
    match follower.verify_and_apply_at(block, now) {
        Err(ChainError::Header(violation)) => assert_eq!(violation.rule, rule, "{violation}"),
        other => panic!("{rule}: expected a header refusal, got {other:?}"),
    }
    assert_eq!(follower.head().1, before);
}

/// A block built by the leader at `timestamp`, as a follower receives it.
fn sealed_at(leader: &Chain, timestamp: u64) -> SealedBlock {
    let built = leader.build_block(&env(timestamp), &[]).unwrap();
    leader.sealed_block(built.header.number).unwrap().unwrap()
}

#[test]
fn an_honest_block_passes_and_equal_timestamps_are_allowed() {
    let (_d1, _d2, leader, follower) = pair();
    let block = sealed_at(&leader, GENESIS_TIME);
    follower.verify_and_apply_at(&block, GENESIS_TIME).unwrap();
    let next = sealed_at(&leader, GENESIS_TIME + 15);
    follower.verify_and_apply_at(&next, GENESIS_TIME).unwrap();
    assert_eq!(follower.head().1, next.hash);
}

#[test]
fn a_timestamp_before_the_parent_or_past_the_drift_is_refused() {
    let (_d1, _d2, leader, follower) = pair();
    let block = sealed_at(&leader, 10_016);
    let mut before = block.clone();
    before.env.timestamp = GENESIS_TIME - 1;
    refused(&follower, &before, 1_000, "timestamp-before-parent");
    refused(&follower, &block, 10_000, "timestamp-in-future");
    follower.verify_and_apply_at(&block, 10_001).unwrap();
}

#[test]
fn a_gas_limit_step_of_parent_over_1024_or_outside_the_bounds_is_refused() {
    let (_d1, _d2, leader, follower) = pair();
    let parent = follower.head().0.gas_limit;
    let step = parent / 1024;
    let block = sealed_at(&leader, 20);
    for gas_limit in [parent + step, parent - step, 1 << 63, 0] {
        let mut warped = block.clone();
        warped.env.gas_limit = gas_limit;
        refused(&follower, &warped, 20, "gas-limit-step");
    }
    // Within a step of a 5,000 parent but below the default minimum of 5,000.
    let genesis = genesis_json(&[&Wallet::new(1)]).replace("\"30000000\"", "\"5000\"");
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (leader, follower) = (open(d1.path(), &genesis), open(d2.path(), &genesis));
    assert_eq!(gas_limit_step(5_000), 3);
    let mut block = sealed_at(&leader, 20);
    block.env.gas_limit = 4_998;
    refused(&follower, &block, 20, "gas-limit-bounds");
}

#[test]
fn a_base_fee_or_prevrandao_other_than_the_derived_one_is_refused() {
    let (_d1, _d2, leader, follower) = pair();
    let block = sealed_at(&leader, 20);
    for base_fee in [0, 1 << 62, block.env.base_fee.unwrap() + 1] {
        let mut warped = block.clone();
        warped.env.base_fee = Some(base_fee);
        refused(&follower, &warped, 20, "base-fee");
    }
    let mut warped = block.clone();
    warped.env.prevrandao = Some(B256::repeat_byte(7));
    refused(&follower, &warped, 20, "prevrandao");
    assert_eq!(block.env.prevrandao, Some(keccak256(block.parent_hash)));
}

#[test]
fn extra_data_over_32_bytes_is_refused() {
    let (_d1, _d2, leader, follower) = pair();
    let mut block = sealed_at(&leader, 20);
    block.env.extra_data = Bytes::from(vec![1u8; 33]);
    refused(&follower, &block, 20, "extra-data");
}

#[test]
fn the_producer_cannot_build_a_block_that_breaks_a_rule() {
    let (_d1, _d2, leader, _follower) = pair();
    let overrides = [
        seq_chain::BlockEnv { timestamp: GENESIS_TIME - 1, ..env(0) },
        seq_chain::BlockEnv { base_fee: Some(0), ..env(20) },
        seq_chain::BlockEnv { prevrandao: Some(B256::ZERO), ..env(20) },
        seq_chain::BlockEnv { extra_data: Bytes::from(vec![0u8; 33]), ..env(20) },
    ];
    for env in overrides {
        assert!(matches!(leader.build_block(&env, &[]), Err(ChainError::Header(_))), "{env:?}");
        assert_eq!(leader.head().0.number, 0);
    }
}

#[test]
fn the_producer_moves_the_gas_limit_toward_its_target_by_the_allowed_step() {
    let (_d1, _d2, leader, follower) = pair();
    let mut gas_limit = leader.head().0.gas_limit;
    for timestamp in 20..25 {
        let target = 60_000_000;
        assert_eq!(leader.next_gas_limit(target), gas_limit + gas_limit / 1024 - 1);
        let built = leader.build_block(&seq_chain::BlockEnv { gas_limit: target, ..env(timestamp) }, &[]).unwrap();
        assert_eq!(built.header.gas_limit, gas_limit + gas_limit / 1024 - 1);
        gas_limit = built.header.gas_limit;
        follower.verify_and_apply_at(&leader.sealed_block(built.header.number).unwrap().unwrap(), timestamp).unwrap();
    }
    let rules = HeaderRules::default();
    assert_eq!(gas_limit_toward(30_000_000, 29_999_000, &rules), 29_999_000);
    assert_eq!(gas_limit_toward(30_000_000, 1, &rules), 30_000_000 - gas_limit_step(30_000_000));
    assert_eq!(gas_limit_toward(rules.max_gas_limit, u64::MAX, &rules), rules.max_gas_limit);
    assert_eq!(gas_limit_toward(5_000, 0, &rules), 5_000);
}
