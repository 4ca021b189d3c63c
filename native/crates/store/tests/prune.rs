use alloy_primitives::B256;
use seq_store::{BlockEntryCounts, BlockWrite, ChangeSet, PruneWrite, Store, StoreError};

fn tx_of(number: u64) -> B256 {
    B256::with_last_byte(number as u8)
}

fn write_blocks(store: &Store, count: u64) {
    let empty = ChangeSet::default();
    for number in 0..count {
        let txs = [tx_of(number)];
        let write = BlockWrite {
            number,
            hash: B256::with_last_byte(number as u8 + 100),
            header: b"header",
            body: b"body",
            receipts: b"receipts",
            tx_hashes: &txs,
            accounts: &[],
            wiped: &[],
            storage: &[],
            codes: &[],
            changeset: &empty,
            prune_changesets_below: 0,
            meta: &[],
        };
        store.stage_block(&write).unwrap().commit().unwrap();
    }
}

fn prune(store: &Store, numbers: std::ops::Range<u64>) -> Result<(), StoreError> {
    let blocks: Vec<(u64, Vec<B256>)> = numbers.map(|n| (n, vec![tx_of(n)])).collect();
    store.stage_prune(&PruneWrite { blocks: &blocks })?.commit()
}

#[test]
fn pruning_deletes_bodies_receipts_and_tx_entries_below_the_mark_and_keeps_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb")).unwrap();
    write_blocks(&store, 10);
    prune(&store, 0..4).unwrap();
    prune(&store, 4..6).unwrap();

    let reader = store.reader().unwrap();
    assert_eq!(reader.oldest_body().unwrap(), 6);
    assert_eq!(reader.block_entry_counts().unwrap(), BlockEntryCounts { headers: 10, bodies: 4, receipts: 4, tx_index: 4 });
    assert_eq!(reader.body(5).unwrap(), None);
    assert_eq!(reader.receipts(5).unwrap(), None);
    assert_eq!(reader.tx_location(tx_of(5)).unwrap(), None);
    assert!(reader.header(5).unwrap().is_some());
    assert_eq!(reader.block_number(B256::with_last_byte(105)).unwrap(), Some(5));
    assert_eq!(reader.body(6).unwrap().as_deref(), Some(&b"body"[..]));
    assert_eq!(reader.tx_location(tx_of(6)).unwrap(), Some((6, 0)));
}

#[test]
fn a_step_that_skips_a_block_or_reaches_the_head_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb")).unwrap();
    write_blocks(&store, 5);
    assert!(matches!(prune(&store, 1..3), Err(StoreError::NotNext { got: 1, .. })));
    assert!(matches!(prune(&store, 0..5), Err(StoreError::NotNext { got: 4, .. })));
    let reader = store.reader().unwrap();
    assert_eq!(reader.oldest_body().unwrap(), 0);
    assert_eq!(reader.block_entry_counts().unwrap().bodies, 5);
}

#[test]
fn the_pruned_mark_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    {
        let store = Store::open(&path).unwrap();
        write_blocks(&store, 5);
        prune(&store, 0..3).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.reader().unwrap().oldest_body().unwrap(), 3);
    prune(&store, 3..4).unwrap();
    assert_eq!(store.reader().unwrap().block_entry_counts().unwrap().bodies, 1);
}
