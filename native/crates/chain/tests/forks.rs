//! The fork schedule as a value of the chain: read from the genesis, stored, applied by timestamp to the producer and
//! followers alike, and held fixed across reopening.
mod support;

use alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS;
use alloy_primitives::U256;
use seq_chain::{Chain, ChainError, ChainOptions, Fork, Genesis};
use support::*;

fn with_forks(genesis: &str, forks: serde_json::Value) -> String {
    let mut json: serde_json::Value = serde_json::from_str(genesis).unwrap();
    json["forks"] = forks;
    json.to_string()
}

#[test]
fn a_scheduled_fork_activates_at_its_timestamp_for_producer_and_follower() {
    let a = Wallet::new(1);
    let genesis = with_forks(&genesis_json(&[&a]), serde_json::json!([{ "fork": "cancun", "activation": 0 }, { "fork": "prague", "activation": "0x100" }]));
    let (leader_dir, follower_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (leader, follower) = (open(leader_dir.path(), &genesis), open(follower_dir.path(), &genesis));
    assert_eq!((leader.fork_at(0xff), leader.fork_at(0x100)), (Fork::Cancun, Fork::Prague));
    // The schedule reaches Prague, so the genesis holds the history contract; it is written from Prague on only.
    assert!(!leader.code(HISTORY_STORAGE_ADDRESS, None).unwrap().is_empty());
    let cancun = leader.build_block(&env(0x50), &[]).unwrap();
    assert_eq!(leader.storage(HISTORY_STORAGE_ADDRESS, U256::ZERO, None).unwrap(), U256::ZERO);
    let prague = leader.build_block(&env(0x150), &[]).unwrap();
    assert_eq!(leader.storage(HISTORY_STORAGE_ADDRESS, U256::from(1), None).unwrap(), U256::from_be_bytes(cancun.hash.0));
    for number in 1..=2 {
        follower.verify_and_apply_at(&leader.sealed_block(number).unwrap().unwrap(), u64::MAX).unwrap();
    }
    assert_eq!(follower.head().1, prague.hash);
}

#[test]
fn the_schedule_is_kept_with_the_store_and_a_different_one_is_refused() {
    let a = Wallet::new(1);
    let dir = tempfile::tempdir().unwrap();
    let osaka = with_forks(&genesis_json(&[&a]), serde_json::json!([{ "fork": "osaka", "activation": 0 }]));
    drop(open(dir.path(), &osaka));
    let reopened = Chain::open(dir.path(), None, ChainOptions::default()).unwrap();
    assert_eq!(reopened.fork_at(u64::MAX), Fork::Osaka);
    drop(reopened);
    // Same alloc (the history contract named explicitly), other schedule: not this chain.
    let prague = with_forks(&osaka, serde_json::json!([{ "fork": "prague", "activation": 0 }]));
    let error = Chain::open(dir.path(), Some(&Genesis::from_json(&prague).unwrap()), ChainOptions::default()).err().unwrap();
    assert!(matches!(error, ChainError::Genesis(ref message) if message.contains("fork schedule")), "{error}");
}

#[test]
fn a_genesis_without_a_schedule_runs_the_newest_fork_and_bad_schedules_are_refused() {
    let a = Wallet::new(1);
    assert_eq!(Genesis::from_json(&genesis_json(&[&a])).unwrap().forks.fork_at(0), Fork::NEWEST);
    for bad in [
        serde_json::json!([]),
        serde_json::json!([{ "fork": "shanghai", "activation": 0 }]),
        serde_json::json!([{ "fork": "prague", "activation": 5 }]),
        serde_json::json!([{ "fork": "osaka", "activation": 0 }, { "fork": "prague", "activation": 10 }]),
        serde_json::json!({ "fork": "osaka" }),
    ] {
        assert!(Genesis::from_json(&with_forks(&genesis_json(&[&a]), bad.clone())).is_err(), "{bad}");
    }
}
