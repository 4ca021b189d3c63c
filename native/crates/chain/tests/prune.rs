mod support;

use alloy_primitives::keccak256;
use seq_chain::Chain;
use support::*;

fn chain_with_blocks(dir: &std::path::Path, blocks: u64) -> (Chain, Vec<alloy_primitives::B256>) {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let chain = open(dir, &genesis_json(&[&a, &b]));
    let mut txs = Vec::new();
    for i in 0..blocks {
        let raw = a.transfer(b.address, 1);
        txs.push(keccak256(&raw));
        chain.build_block(&env(100 + i), &[raw]).unwrap();
    }
    (chain, txs)
}

#[test]
fn pruning_in_bounded_steps_drops_old_bodies_receipts_and_tx_lookups_and_keeps_headers() {
    let dir = tempfile::tempdir().unwrap();
    let (chain, txs) = chain_with_blocks(dir.path(), 20);
    assert_eq!(chain.prune_below(15, 4).unwrap(), 4);
    assert_eq!(chain.prune_below(15, 100).unwrap(), 15);
    assert_eq!(chain.prune_below(15, 100).unwrap(), 15, "nothing more below the bound");
    assert_eq!(chain.oldest_kept_block().unwrap(), 15);

    // Block n carries txs[n - 1]: blocks 1..=14 are pruned, 15..=20 kept.
    assert!(chain.block(14).unwrap().is_none());
    assert!(chain.receipts(14).unwrap().is_none());
    assert!(chain.transaction(txs[13]).unwrap().is_none());
    assert!(chain.receipt(txs[13]).unwrap().is_none());
    assert!(chain.header(14).unwrap().is_some());
    assert!(chain.block(15).unwrap().is_some());
    assert_eq!(chain.transaction(txs[14]).unwrap().unwrap().block_number, 15);
    let counts = chain.block_entry_counts().unwrap();
    assert_eq!((counts.headers, counts.bodies, counts.receipts, counts.tx_index), (21, 6, 6, 6));

    // The host keeps building on a pruned store.
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    for _ in 0..20 {
        a.next_nonce();
    }
    chain.build_block(&env(500), &[a.transfer(b.address, 1)]).unwrap();
    assert_eq!(chain.latest_number(), 21);
}

#[test]
fn the_head_is_never_pruned_and_the_mark_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (chain, _) = chain_with_blocks(dir.path(), 5);
        assert_eq!(chain.prune_below(u64::MAX, 100).unwrap(), 5, "stops below the head (5)");
        assert!(chain.block(5).unwrap().is_some());
    }
    let chain = Chain::open(dir.path(), None, Default::default()).unwrap();
    assert_eq!(chain.oldest_kept_block().unwrap(), 5);
    assert_eq!(chain.block_entry_counts().unwrap().bodies, 1);
}

/// Disk stays flat in pruned mode: with the bound following the head at a fixed margin, the kept bodies, receipts
/// and tx index entries stay at the margin however many blocks are produced; only headers grow.
#[test]
fn entries_stay_flat_beyond_the_margin() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    const MARGIN: u64 = 16;
    let mut kept = Vec::new();
    for i in 0..200u64 {
        chain.build_block(&env(100 + i), &[a.transfer(b.address, 1)]).unwrap();
        chain.prune_below(chain.latest_number().saturating_sub(MARGIN), 8).unwrap();
        if (i + 1) % 50 == 0 {
            kept.push(chain.block_entry_counts().unwrap());
        }
    }
    for counts in &kept {
        assert_eq!((counts.bodies, counts.receipts, counts.tx_index), (MARGIN + 1, MARGIN + 1, MARGIN + 1), "{kept:?}");
    }
    assert_eq!(kept.last().unwrap().headers, 201);
}
