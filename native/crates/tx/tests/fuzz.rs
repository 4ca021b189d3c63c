//! Property tests over the admission decoder: every byte string a client or peer can send gets an answer
//! (a decoded transaction or a coded refusal), never a panic; valid signed transactions round-trip.
use alloy_consensus::{SignableTransaction, Signed, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{keccak256, Address, Bytes, Signature, TxKind, U256};
use k256::ecdsa::SigningKey;
use proptest::prelude::*;
use seq_tx::{decode_and_recover, decode_batch, DecodePolicy, RecoveredTx, TxError};

const CHAIN_ID: u64 = 59_902;
const POLICY: DecodePolicy = DecodePolicy { chain_id: CHAIN_ID, max_size: 4096 };
const CODES: [&str; 7] = ["Empty", "Oversize", "MalformedRlp", "UnsupportedType", "UnprotectedLegacy", "WrongChainId", "BadSignature"];

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn sign<T: SignableTransaction<Signature>>(tx: T) -> Signed<T> {
    let (sig, recid) = key().sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
    tx.into_signed(Signature::from((sig, recid)))
}

fn encode<T>(signed: Signed<T>) -> Vec<u8>
where
    TxEnvelope: From<Signed<T>>,
{
    TxEnvelope::from(signed).encoded_2718()
}

/// An accepted transaction is the one that was sent: its hash is keccak of the bytes and it re-encodes to them.
fn assert_well_formed(raw: &[u8], result: &Result<RecoveredTx, TxError>) {
    match result {
        Ok(tx) => {
            assert_eq!(tx.hash, keccak256(raw));
            assert_eq!(tx.encoded_len, raw.len());
            assert_eq!(tx.envelope.encoded_2718(), raw);
        }
        Err(error) => assert!(CODES.contains(&error.code()), "unknown code {}", error.code()),
    }
}

fn eip1559() -> impl Strategy<Value = TxEip1559> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u128>(),
        any::<u128>(),
        proptest::option::of(any::<[u8; 20]>()),
        any::<[u8; 32]>(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(nonce, gas_limit, max_fee, tip, to, value, input)| TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            to: to.map_or(TxKind::Create, |a| TxKind::Call(Address::from(a))),
            value: U256::from_be_bytes(value),
            access_list: AccessList::default(),
            input: Bytes::from(input),
        })
}

fn legacy() -> impl Strategy<Value = TxLegacy> {
    (any::<u64>(), any::<u64>(), any::<u128>(), any::<[u8; 20]>(), proptest::collection::vec(any::<u8>(), 0..200)).prop_map(
        |(nonce, gas_limit, gas_price, to, input)| TxLegacy {
            chain_id: Some(CHAIN_ID),
            nonce,
            gas_price,
            gas_limit,
            to: TxKind::Call(Address::from(to)),
            value: U256::ZERO,
            input: Bytes::from(input),
        },
    )
}

/// One edit of a valid encoding: overwrite, truncate, insert, or drop a byte at `at` (taken modulo the length).
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn apply(mut raw: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = raw.len().max(1);
        match *m {
            Mutation::Set(at, b) if !raw.is_empty() => raw[at % len] = b,
            Mutation::Truncate(at) => raw.truncate(at % len),
            Mutation::Insert(at, b) => raw.insert(at % (raw.len() + 1), b),
            Mutation::Remove(at) if !raw.is_empty() => {
                raw.remove(at % len);
            }
            _ => {}
        }
    }
    raw
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_get_an_answer(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        assert_well_formed(&raw, &decode_and_recover(&raw, &POLICY));
    }

    #[test]
    fn arbitrary_bytes_behind_an_accepted_type_byte_get_an_answer(first in prop_oneof![Just(0x01u8), Just(0x02u8), 0xc0u8..=0xff], rest in proptest::collection::vec(any::<u8>(), 0..600)) {
        let raw = [vec![first], rest].concat();
        assert_well_formed(&raw, &decode_and_recover(&raw, &POLICY));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signed_eip1559_round_trips(tx in eip1559()) {
        let raw = encode(sign(tx.clone()));
        let decoded = decode_and_recover(&raw, &POLICY);
        assert_well_formed(&raw, &decoded);
        match decoded {
            Ok(got) => prop_assert_eq!(got.sender, Address::from_public_key(key().verifying_key())),
            Err(TxError::Oversize { .. }) => prop_assert!(raw.len() > POLICY.max_size),
            Err(other) => prop_assert!(false, "valid tx refused: {other}"),
        }
    }

    #[test]
    fn signed_legacy_round_trips(tx in legacy()) {
        let raw = encode(sign(tx));
        let got = decode_and_recover(&raw, &POLICY).expect("a valid EIP-155 transaction decodes");
        assert_well_formed(&raw, &Ok(got.clone()));
        prop_assert_eq!(got.sender, Address::from_public_key(key().verifying_key()));
    }

    #[test]
    fn mutated_valid_transactions_get_an_answer(tx in eip1559(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let raw = apply(encode(sign(tx)), &mutations);
        assert_well_formed(&raw, &decode_and_recover(&raw, &POLICY));
    }

    #[test]
    fn a_batch_answers_every_input_in_order(raws in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 0..16)) {
        let results = decode_batch(&raws, &POLICY);
        prop_assert_eq!(results.len(), raws.len());
        for (raw, result) in raws.iter().zip(&results) {
            assert_well_formed(raw, result);
        }
    }
}
