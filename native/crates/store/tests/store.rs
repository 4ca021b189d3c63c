use alloy_primitives::{Address, B256, U256};
use seq_store::{AccountRecord, BlockWrite, ChangeSet, Store, StoreError};

const CODES: &[(B256, &[u8])] = &[(B256::repeat_byte(1), b"code")];

fn record(nonce: u64) -> AccountRecord {
    AccountRecord { nonce, balance: U256::from(nonce * 10), code_hash: B256::repeat_byte(1), storage_root: B256::repeat_byte(2) }
}

fn block<'a>(
    number: u64,
    accounts: &'a [(Address, Option<AccountRecord>)],
    storage: &'a [(Address, U256, U256)],
    changeset: &'a ChangeSet,
    tx: &'a [B256],
) -> BlockWrite<'a> {
    BlockWrite {
        number,
        hash: B256::with_last_byte(number as u8 + 100),
        header: b"header",
        body: b"body",
        receipts: b"receipts",
        tx_hashes: tx,
        accounts,
        wiped: &[],
        storage,
        codes: CODES,
        changeset,
        prune_changesets_below: number.saturating_sub(2),
        meta: &[],
    }
}

#[test]
fn a_block_commits_atomically_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb")).unwrap();
    assert_eq!(store.head().unwrap(), None);
    let a = Address::repeat_byte(0xaa);
    let change = ChangeSet { accounts: vec![(a, None)], storage: vec![(a, U256::from(1), U256::ZERO)], wiped: vec![a] };
    let txs = [B256::repeat_byte(9)];
    store.stage_block(&block(0, &[(a, Some(record(1)))], &[(a, U256::from(1), U256::from(5))], &change, &txs)).unwrap().commit().unwrap();

    let reader = store.reader().unwrap();
    assert_eq!(reader.head().unwrap(), Some(0));
    assert_eq!(reader.account(a).unwrap(), Some(record(1)));
    assert_eq!(reader.storage(a, U256::from(1)).unwrap(), U256::from(5));
    assert_eq!(reader.storage_of(a).unwrap(), vec![(U256::from(1), U256::from(5))]);
    assert_eq!(reader.code(B256::repeat_byte(1)).unwrap().as_deref(), Some(&b"code"[..]));
    assert_eq!(reader.tx_location(txs[0]).unwrap(), Some((0, 0)));
    assert_eq!(reader.block_number(B256::with_last_byte(100)).unwrap(), Some(0));
    assert_eq!(reader.changeset(0).unwrap(), Some(change));
}

#[test]
fn a_block_staged_but_not_committed_leaves_no_trace_even_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let a = Address::repeat_byte(0xaa);
    let empty = ChangeSet::default();
    {
        let store = Store::open(&path).unwrap();
        store.stage_block(&block(0, &[(a, Some(record(1)))], &[], &empty, &[])).unwrap().commit().unwrap();
        // The "crash": block 1 is fully written into its transaction, then dropped before the commit.
        let staged = store.stage_block(&block(1, &[(a, Some(record(2)))], &[(a, U256::from(3), U256::from(4))], &empty, &[B256::repeat_byte(7)])).unwrap();
        drop(staged);
        assert_eq!(store.head().unwrap(), Some(0));
    }
    let store = Store::open(&path).unwrap();
    let reader = store.reader().unwrap();
    assert_eq!(reader.head().unwrap(), Some(0));
    assert_eq!(reader.account(a).unwrap(), Some(record(1)));
    assert_eq!(reader.storage(a, U256::from(3)).unwrap(), U256::ZERO);
    assert_eq!(reader.tx_location(B256::repeat_byte(7)).unwrap(), None);
    assert_eq!(reader.header(1).unwrap(), None);
    // And the chain continues from there.
    store.stage_block(&block(1, &[(a, Some(record(2)))], &[], &empty, &[])).unwrap().commit().unwrap();
    assert_eq!(store.head().unwrap(), Some(1));
}

#[test]
fn blocks_out_of_order_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb")).unwrap();
    let empty = ChangeSet::default();
    let err = store.stage_block(&block(1, &[], &[], &empty, &[])).err().unwrap();
    assert!(matches!(err, StoreError::NotNext { head: None, got: 1 }));
    store.stage_block(&block(0, &[], &[], &empty, &[])).unwrap().commit().unwrap();
    assert!(matches!(store.stage_block(&block(0, &[], &[], &empty, &[])).err().unwrap(), StoreError::NotNext { head: Some(0), got: 0 }));
}

#[test]
fn deleting_an_account_drops_its_storage_and_old_change_sets_are_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("chain.redb")).unwrap();
    let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
    let empty = ChangeSet::default();
    let slots: Vec<_> = (0..5u64).flat_map(|i| [(a, U256::from(i), U256::from(i + 1)), (b, U256::from(i), U256::from(i + 1))]).collect();
    store.stage_block(&block(0, &[(a, Some(record(1))), (b, Some(record(1)))], &slots, &empty, &[])).unwrap().commit().unwrap();
    for n in 1..5 {
        let accounts = if n == 1 { vec![(a, None)] } else { vec![] };
        store.stage_block(&block(n, &accounts, &[], &empty, &[])).unwrap().commit().unwrap();
    }
    let reader = store.reader().unwrap();
    assert_eq!(reader.account(a).unwrap(), None);
    assert!(reader.storage_of(a).unwrap().is_empty());
    assert_eq!(reader.storage_of(b).unwrap().len(), 5);
    assert_eq!(reader.changeset_numbers().unwrap(), vec![2, 3, 4]);
}
