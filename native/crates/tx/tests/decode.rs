//! Vectors for every accepted type and every error code; transactions are signed here with k256.
use alloy_consensus::{SignableTransaction, Signed, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_primitives::{address, b256, keccak256, Address, Bytes, Signature, TxKind, B256, U256};
use k256::ecdsa::SigningKey;
use seq_tx::{decode_and_recover, decode_batch, decode_batch_with_senders, decode_with_sender, DecodePolicy, Transaction, TxError};

const CHAIN_ID: u64 = 59_902;
const POLICY: DecodePolicy = DecodePolicy { chain_id: CHAIN_ID, max_size: 4096 };
const TO: Address = address!("0x00000000000000000000000000000000deadbeef");

fn key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn address_of(key: &SigningKey) -> Address {
    Address::from_public_key(key.verifying_key())
}

fn sign<T: SignableTransaction<Signature>>(tx: T, key: &SigningKey) -> Signed<T> {
    let (sig, recid) = key.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
    tx.into_signed(Signature::from((sig, recid)))
}

fn encode<T>(signed: Signed<T>) -> Vec<u8>
where
    TxEnvelope: From<Signed<T>>,
{
    TxEnvelope::from(signed).encoded_2718()
}

fn legacy(chain_id: Option<u64>) -> TxLegacy {
    TxLegacy { chain_id, nonce: 7, gas_price: 1_000_000_000, gas_limit: 21_000, to: TxKind::Call(TO), value: U256::from(12_345u64), input: Bytes::new() }
}

fn eip2930() -> TxEip2930 {
    TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_price: 2_000_000_000,
        gas_limit: 50_000,
        to: TxKind::Call(TO),
        value: U256::ZERO,
        input: Bytes::from_static(&[0xa9, 0x05, 0x9c, 0xbb]),
        access_list: AccessList(vec![AccessListItem { address: TO, storage_keys: vec![B256::ZERO] }]),
    }
}

fn eip1559() -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 2,
        gas_limit: 100_000,
        max_fee_per_gas: 3_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Create,
        value: U256::from(1u64),
        access_list: AccessList::default(),
        input: Bytes::from_static(&[0x60, 0x00]),
    }
}

fn code(result: Result<seq_tx::RecoveredTx, TxError>) -> &'static str {
    result.map(|_| "ok").unwrap_or_else(|e| e.code())
}

#[test]
fn eip155_legacy_decodes_and_recovers() {
    let raw = encode(sign(legacy(Some(CHAIN_ID)), &key()));
    let tx = decode_and_recover(&raw, &POLICY).unwrap();
    assert_eq!(tx.sender, address_of(&key()));
    assert_eq!(tx.hash, keccak256(&raw));
    assert_eq!(tx.encoded_len, raw.len());
    assert_eq!(tx.tx_type(), 0);
    assert_eq!(tx.nonce(), 7);
    assert_eq!(tx.envelope.value(), U256::from(12_345u64));
    assert_eq!(tx.envelope.to(), Some(TO));
}

#[test]
fn eip2930_decodes_and_recovers() {
    let raw = encode(sign(eip2930(), &key()));
    let tx = decode_and_recover(&raw, &POLICY).unwrap();
    assert_eq!(tx.sender, address_of(&key()));
    assert_eq!(tx.hash, keccak256(&raw));
    assert_eq!(tx.tx_type(), 1);
    assert_eq!(tx.envelope.access_list().unwrap().0.len(), 1);
    assert_eq!(tx.envelope.input().len(), 4);
}

#[test]
fn eip1559_contract_creation_decodes_and_recovers() {
    let raw = encode(sign(eip1559(), &key()));
    let tx = decode_and_recover(&raw, &POLICY).unwrap();
    assert_eq!(tx.sender, address_of(&key()));
    assert_eq!(tx.tx_type(), 2);
    assert_eq!(tx.envelope.to(), None);
    assert_eq!(tx.envelope.max_fee_per_gas(), 3_000_000_000);
    assert_eq!(tx.envelope.max_priority_fee_per_gas(), Some(1_000_000_000));
}

#[test]
fn recovered_sender_matches_a_known_mainnet_vector() {
    // EIP-155 example transaction (chain id 1, key 0x4646...46), from the EIP text.
    let raw = alloy_primitives::hex::decode(
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
    )
    .unwrap();
    let tx = decode_and_recover(&raw, &DecodePolicy::new(1)).unwrap();
    assert_eq!(tx.sender, address!("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"));
    assert_eq!(tx.hash, b256!("0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788"));
}

#[test]
fn empty_input_is_empty() {
    assert_eq!(decode_and_recover(&[], &POLICY).unwrap_err(), TxError::Empty);
}

#[test]
fn oversize_reports_size_and_limit() {
    let mut tx = eip1559();
    tx.input = Bytes::from(vec![0u8; 5000]);
    let raw = encode(sign(tx, &key()));
    let err = decode_and_recover(&raw, &POLICY).unwrap_err();
    assert_eq!(err, TxError::Oversize { size: raw.len(), max: 4096 });
    assert_eq!(err.code(), "Oversize");
}

#[test]
fn truncated_and_padded_rlp_are_malformed() {
    let raw = encode(sign(eip1559(), &key()));
    for cut in [1, 2, raw.len() / 2, raw.len() - 1] {
        assert_eq!(code(decode_and_recover(&raw[..cut], &POLICY)), "MalformedRlp", "cut at {cut}");
    }
    let mut padded = raw.clone();
    padded.push(0);
    assert_eq!(code(decode_and_recover(&padded, &POLICY)), "MalformedRlp");
    // An RLP string header is neither a type byte nor a legacy list.
    assert_eq!(code(decode_and_recover(&[0x83, 1, 2, 3], &POLICY)), "MalformedRlp");
}

#[test]
fn pre_eip155_legacy_is_unprotected() {
    let raw = encode(sign(legacy(None), &key()));
    assert_eq!(decode_and_recover(&raw, &POLICY).unwrap_err(), TxError::UnprotectedLegacy);
}

#[test]
fn wrong_chain_id_is_reported_for_every_type() {
    let other = CHAIN_ID + 1;
    let mut a = eip2930();
    a.chain_id = other;
    let mut b = eip1559();
    b.chain_id = other;
    let raws = [encode(sign(legacy(Some(other)), &key())), encode(sign(a, &key())), encode(sign(b, &key()))];
    for raw in raws {
        let err = decode_and_recover(&raw, &POLICY).unwrap_err();
        assert_eq!(err, TxError::WrongChainId { expected: CHAIN_ID, got: other });
    }
}

#[test]
fn blob_and_unknown_types_are_unsupported_and_an_empty_set_code_list_is_invalid() {
    let blob = TxEip4844 {
        chain_id: CHAIN_ID,
        to: TO,
        gas_limit: 21_000,
        max_fee_per_gas: 1,
        max_fee_per_blob_gas: 1,
        blob_versioned_hashes: vec![B256::repeat_byte(1)],
        ..Default::default()
    };
    let blob_raw = encode(sign(alloy_consensus::TxEip4844Variant::<alloy_eips::eip4844::BlobTransactionSidecar>::TxEip4844(blob), &key()));
    assert_eq!(decode_and_recover(&blob_raw, &POLICY).unwrap_err(), TxError::UnsupportedType(3));

    let set_code = TxEip7702 { chain_id: CHAIN_ID, to: TO, gas_limit: 50_000, ..Default::default() };
    let set_code_raw = encode(sign(set_code, &key()));
    assert_eq!(decode_and_recover(&set_code_raw, &POLICY).unwrap_err(), TxError::EmptyAuthorizationList);

    for ty in [0x00, 0x05, 0x7e, 0x7f] {
        let mut raw = encode(sign(eip1559(), &key()));
        raw[0] = ty;
        assert_eq!(decode_and_recover(&raw, &POLICY).unwrap_err(), TxError::UnsupportedType(ty));
    }
}

#[test]
fn high_s_signature_is_bad() {
    let signed = sign(eip1559(), &key());
    let sig = *signed.signature();
    // The malleated twin (n - s, flipped parity) recovers the same key, so EIP-2 must reject it explicitly.
    let n = U256::from_str_radix("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16).unwrap();
    let high = Signature::new(sig.r(), n - sig.s(), !sig.v());
    let raw = encode(eip1559().into_signed(high));
    let err = decode_and_recover(&raw, &POLICY).unwrap_err();
    assert_eq!(err.code(), "BadSignature");
}

#[test]
fn unrecoverable_signature_is_bad() {
    let zero_r = Signature::new(U256::ZERO, U256::from(1u64), false);
    let raw = encode(eip1559().into_signed(zero_r));
    assert_eq!(code(decode_and_recover(&raw, &POLICY)), "BadSignature");
}

#[test]
fn flipped_signature_byte_never_yields_the_original_sender() {
    let raw = encode(sign(eip1559(), &key()));
    // Bytes near the end are inside s; flipping one either breaks recovery or recovers another key.
    for offset in 2..12 {
        let mut bad = raw.clone();
        let i = bad.len() - offset;
        bad[i] ^= 0x01;
        match decode_and_recover(&bad, &POLICY) {
            Ok(tx) => assert_ne!(tx.sender, address_of(&key())),
            Err(err) => assert_eq!(err.code(), "BadSignature"),
        }
    }
}

#[test]
fn batch_isolates_bad_transactions_and_keeps_order() {
    let good: Vec<Vec<u8>> = (0..64u64)
        .map(|nonce| {
            let mut tx = eip1559();
            tx.nonce = nonce;
            encode(sign(tx, &key()))
        })
        .collect();
    let mut raws = good.clone();
    raws.insert(10, Vec::new());
    raws.insert(20, good[0][..30].to_vec());
    raws.insert(30, encode(sign(legacy(None), &key())));
    let results = decode_batch(&raws, &POLICY);
    assert_eq!(results.len(), raws.len());
    assert_eq!(code(results[10].clone()), "Empty");
    assert_eq!(code(results[20].clone()), "MalformedRlp");
    assert_eq!(code(results[30].clone()), "UnprotectedLegacy");
    let oks: Vec<_> = results.into_iter().filter_map(Result::ok).collect();
    assert_eq!(oks.len(), 64);
    for (nonce, tx) in oks.iter().enumerate() {
        assert_eq!(tx.nonce(), nonce as u64, "order preserved");
        assert_eq!(tx.sender, address_of(&key()));
    }
}

#[test]
fn given_sender_decodes_like_recovery_without_recovering() {
    let raws = [encode(sign(legacy(Some(CHAIN_ID)), &key())), encode(sign(eip2930(), &key())), encode(sign(eip1559(), &key()))];
    let stranger = Address::repeat_byte(0x77);
    for raw in &raws {
        let recovered = decode_and_recover(raw, &POLICY).unwrap();
        let given = decode_with_sender(raw, recovered.sender, &POLICY).unwrap();
        assert_eq!((given.hash, given.sender, given.encoded_len, given.nonce()), (recovered.hash, recovered.sender, recovered.encoded_len, recovered.nonce()));
        assert_eq!(given.hash, keccak256(raw));
        // Taken as given, unchecked: the reason only this process's own recovery may supply it.
        assert_eq!(decode_with_sender(raw, stranger, &POLICY).unwrap().sender, stranger);
    }
}

#[test]
fn given_sender_still_runs_every_cheap_check() {
    let sender = address_of(&key());
    let raw = encode(sign(eip1559(), &key()));
    assert_eq!(decode_with_sender(&[], sender, &POLICY).unwrap_err(), TxError::Empty);
    assert_eq!(code(decode_with_sender(&raw[..raw.len() - 1], sender, &POLICY)), "MalformedRlp");
    let small = DecodePolicy { max_size: 10, ..POLICY };
    assert_eq!(code(decode_with_sender(&raw, sender, &small)), "Oversize");
    let wrong_chain = DecodePolicy { chain_id: CHAIN_ID + 1, ..POLICY };
    assert_eq!(code(decode_with_sender(&raw, sender, &wrong_chain)), "WrongChainId");
    assert_eq!(decode_with_sender(&encode(sign(legacy(None), &key())), sender, &POLICY).unwrap_err(), TxError::UnprotectedLegacy);
    let set_code = TxEip7702 { chain_id: CHAIN_ID, to: TO, gas_limit: 50_000, ..Default::default() };
    assert_eq!(decode_with_sender(&encode(sign(set_code, &key())), sender, &POLICY).unwrap_err(), TxError::EmptyAuthorizationList);
    let sig = *sign(eip1559(), &key()).signature();
    let n = U256::from_str_radix("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16).unwrap();
    let high = encode(eip1559().into_signed(Signature::new(sig.r(), n - sig.s(), !sig.v())));
    assert_eq!(code(decode_with_sender(&high, sender, &POLICY)), "BadSignature");
}

#[test]
fn batch_with_senders_keeps_order_and_isolates_bad_entries() {
    let raws = vec![encode(sign(eip1559(), &key())), Vec::new(), encode(sign(eip2930(), &key()))];
    let senders = [address_of(&key()), Address::ZERO, Address::repeat_byte(9)];
    let results = decode_batch_with_senders(&raws, &senders, &POLICY);
    assert_eq!(results[0].as_ref().unwrap().sender, senders[0]);
    assert_eq!(code(results[1].clone()), "Empty");
    assert_eq!(results[2].as_ref().unwrap().sender, senders[2]);
}

#[test]
fn codes_are_stable_strings() {
    let all = [
        (TxError::Empty, "Empty"),
        (TxError::Oversize { size: 2, max: 1 }, "Oversize"),
        (TxError::MalformedRlp(String::new()), "MalformedRlp"),
        (TxError::UnsupportedType(3), "UnsupportedType"),
        (TxError::UnprotectedLegacy, "UnprotectedLegacy"),
        (TxError::WrongChainId { expected: 1, got: 2 }, "WrongChainId"),
        (TxError::BadSignature("x"), "BadSignature"),
        (TxError::EmptyAuthorizationList, "EmptyAuthorizationList"),
        (TxError::TooManyAuthorizations { count: 2, max: 1 }, "TooManyAuthorizations"),
        (TxError::AuthorizationWrongChain { index: 0, expected: 1, got: "2".into() }, "AuthorizationWrongChain"),
    ];
    for (err, expected) in all {
        assert_eq!(err.code(), expected);
        assert!(!err.to_string().is_empty());
    }
}
