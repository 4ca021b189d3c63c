//! `build_block_with_senders`: the sequencer's fast path that takes the senders its admission already recovered.
mod support;

use alloy_primitives::{Address, Bytes, U256};
use seq_chain::{AppliedBlock, ChainError};
use seq_tx::{decode_and_recover, DecodePolicy};
use support::*;

/// What the host's admission does: one recovery per transaction (zero for bytes that do not decode).
fn admitted_senders(raw: &[Bytes]) -> Vec<Address> {
    let policy = DecodePolicy { chain_id: CHAIN_ID, max_size: DecodePolicy::DEFAULT_MAX_SIZE };
    raw.iter().map(|tx| decode_and_recover(tx, &policy).map(|r| r.sender).unwrap_or_default()).collect()
}

fn mixed_block(a: &mut Wallet, b: &mut Wallet) -> Vec<Bytes> {
    let fresh = Address::repeat_byte(0x77);
    vec![
        a.transfer(fresh, 1_000),
        a.legacy(b.address, U256::from(5)),
        Bytes::from_static(&[0x02, 0xc0]),
        a.eip2930(fresh, U256::from(6)),
        a.eip1559(None, U256::ZERO, store_initcode(), 200_000),
        b.eip1559(Some(store_address()), U256::ZERO, store_call(42, 9), 100_000),
        // Nonce already used: a stateful rejection, after decoding.
        {
            let mut stale = Wallet::new(2);
            stale.transfer(fresh, 1)
        },
    ]
}

fn summary(block: &AppliedBlock) -> impl PartialEq + std::fmt::Debug {
    let h = &block.header;
    let receipts: Vec<_> = block.receipts.iter().map(|r| (r.tx_hash, r.envelope.clone(), r.sender, r.gas_used)).collect();
    let rejected: Vec<_> = block.rejected.iter().map(|r| (r.index, r.hash, r.code)).collect();
    (block.hash, h.state_root, h.transactions_root, h.receipts_root, h.logs_bloom, h.gas_used, receipts, rejected)
}

#[test]
fn given_senders_build_the_same_block_as_recovered_ones() {
    let (mut a, mut b) = (Wallet::new(1), Wallet::new(2));
    let genesis = genesis_json(&[&a, &b]);
    let txs = mixed_block(&mut a, &mut b);
    let (recovering, given) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (recovering, given) = (open(recovering.path(), &genesis), open(given.path(), &genesis));

    let recovered = recovering.build_block(&env(100), &txs).unwrap();
    let fast = given.build_block_with_senders(&env(100), &txs, &admitted_senders(&txs)).unwrap();
    assert_eq!(summary(&fast), summary(&recovered));
    assert_eq!(fast.receipts.len(), 5);
    let codes: Vec<_> = fast.rejected.iter().map(|r| (r.index, r.code)).collect();
    assert_eq!(codes, vec![(2, "MalformedRlp"), (6, "NonceTooLow")]);

    // A follower (always recovering) accepts the fast-built block.
    let follower_dir = tempfile::tempdir().unwrap();
    let follower = open(follower_dir.path(), &genesis);
    let sealed = given.sealed_block(1).unwrap().unwrap();
    assert_eq!(follower.verify_and_apply(&sealed).unwrap().hash, fast.hash);
}

#[test]
fn a_wrong_number_of_senders_is_invalid_input_and_changes_nothing() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let txs = vec![a.transfer(b.address, 1), a.transfer(b.address, 2)];
    for senders in [vec![], vec![a.address], vec![a.address; 3]] {
        let err = chain.build_block_with_senders(&env(100), &txs, &senders).unwrap_err();
        assert!(matches!(err, ChainError::Input(_)), "{err}");
        assert_eq!(err.code(), "InvalidInput");
    }
    assert_eq!(chain.latest_number(), 0);
}

#[test]
fn bad_raw_transactions_keep_their_codes_with_given_senders() {
    let (mut a, b) = (Wallet::new(1), Wallet::new(2));
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path(), &genesis_json(&[&a, &b]));
    let good = a.transfer(b.address, 1);
    let mut wrong_type = good.to_vec();
    // 0x04 is a type now (EIP-7702); 0x03 (blobs) is not carried by this chain.
    wrong_type[0] = 0x03;
    let txs = vec![Bytes::new(), Bytes::from(good[..good.len() - 3].to_vec()), Bytes::from(wrong_type), good.clone()];
    let block = chain.build_block_with_senders(&env(100), &txs, &[a.address; 4]).unwrap();
    let codes: Vec<_> = block.rejected.iter().map(|r| (r.index, r.code)).collect();
    assert_eq!(codes, vec![(0, "Empty"), (1, "MalformedRlp"), (2, "UnsupportedType")]);
    assert_eq!(block.receipts.len(), 1);
    assert_eq!(block.receipts[0].sender, a.address);
}
