//! EIP-7702 set-code transactions: decoded and recovered like any other type, and their authorization lists read
//! under the pool's rules (bounded, this chain or any chain, authorities recovered; bad signatures kept as None).
use alloy_consensus::{SignableTransaction, TxEip7702, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_primitives::{Address, Bytes, Signature, U256};
use k256::ecdsa::SigningKey;
use seq_tx::{decode_and_recover, pool_authorizations, DecodePolicy, Transaction, TxError, MAX_POOL_AUTHORIZATIONS};

const CHAIN_ID: u64 = 1337;
const DELEGATE: Address = Address::repeat_byte(0xde);

fn signer(seed: u8) -> (SigningKey, Address) {
    let key = SigningKey::from_slice(&[seed; 32]).unwrap();
    let address = Address::from_public_key(key.verifying_key());
    (key, address)
}

fn authorize(key: &SigningKey, chain_id: u64, nonce: u64) -> SignedAuthorization {
    let auth = Authorization { chain_id: U256::from(chain_id), address: DELEGATE, nonce };
    let (sig, recid) = key.sign_prehash_recoverable(auth.signature_hash().as_slice()).unwrap();
    auth.into_signed(Signature::from((sig, recid)))
}

fn set_code_raw(sender: &SigningKey, authorizations: Vec<SignedAuthorization>) -> Vec<u8> {
    let tx = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce: 3,
        gas_limit: 100_000,
        max_fee_per_gas: 10,
        max_priority_fee_per_gas: 1,
        to: Address::repeat_byte(0x11),
        authorization_list: authorizations,
        input: Bytes::from_static(&[1, 2]),
        ..Default::default()
    };
    let (sig, recid) = sender.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
    TxEnvelope::from(tx.into_signed(Signature::from((sig, recid)))).encoded_2718()
}

#[test]
fn a_set_code_transaction_decodes_recovers_and_names_its_authorities() {
    let (sender_key, sender) = signer(1);
    let (alice_key, alice) = signer(2);
    let (bob_key, bob) = signer(3);
    let raw = set_code_raw(&sender_key, vec![authorize(&alice_key, CHAIN_ID, 0), authorize(&bob_key, 0, 5)]);
    let tx = decode_and_recover(&raw, &DecodePolicy::new(CHAIN_ID)).unwrap();
    assert_eq!((tx.tx_type(), tx.sender, tx.nonce()), (4, sender, 3));
    assert_eq!(tx.envelope.authorization_list().unwrap().len(), 2);
    let auths = pool_authorizations(&tx, CHAIN_ID, MAX_POOL_AUTHORIZATIONS).unwrap();
    assert_eq!(auths.iter().map(|a| a.authority).collect::<Vec<_>>(), vec![Some(alice), Some(bob)]);
    assert_eq!((auths[1].chain_id, auths[1].nonce, auths[1].address), (U256::ZERO, 5, DELEGATE));
}

#[test]
fn the_pool_refuses_other_chains_and_oversize_lists_and_keeps_unrecoverable_entries_as_none() {
    let (sender_key, _) = signer(1);
    let (alice_key, _) = signer(2);
    let policy = DecodePolicy::new(CHAIN_ID);

    let other_chain =
        decode_and_recover(&set_code_raw(&sender_key, vec![authorize(&alice_key, 0, 0), authorize(&alice_key, CHAIN_ID + 1, 0)]), &policy).unwrap();
    let error = pool_authorizations(&other_chain, CHAIN_ID, MAX_POOL_AUTHORIZATIONS).unwrap_err();
    assert_eq!(error, TxError::AuthorizationWrongChain { index: 1, expected: CHAIN_ID, got: (CHAIN_ID + 1).to_string() });
    assert_eq!(error.code(), "AuthorizationWrongChain");

    let many = vec![authorize(&alice_key, CHAIN_ID, 0); MAX_POOL_AUTHORIZATIONS + 1];
    let oversize = decode_and_recover(&set_code_raw(&sender_key, many), &policy).unwrap();
    assert_eq!(pool_authorizations(&oversize, CHAIN_ID, MAX_POOL_AUTHORIZATIONS).unwrap_err(), TxError::TooManyAuthorizations { count: 65, max: 64 });

    let good = authorize(&alice_key, CHAIN_ID, 0);
    let unrecoverable = SignedAuthorization::new_unchecked(good.strip_signature(), 0, U256::ZERO, U256::from(1));
    let skipped = decode_and_recover(&set_code_raw(&sender_key, vec![unrecoverable]), &policy).unwrap();
    assert_eq!(pool_authorizations(&skipped, CHAIN_ID, MAX_POOL_AUTHORIZATIONS).unwrap()[0].authority, None);
}
