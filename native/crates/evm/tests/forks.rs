//! What Prague and Osaka bring, through the executor and the call path: EIP-7702 set-code transactions, the
//! EIP-2935 history contract, EIP-2537 (BLS) and EIP-7951 (P256VERIFY) precompiles, EIP-7939 (CLZ).
use alloy_consensus::{SignableTransaction, TxEip7702, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE};
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_primitives::{address, keccak256, Address, Bytes, Signature, B256, U256};
use k256::ecdsa::SigningKey;
use seq_evm::{call, estimate_gas, execute_block, AccountInfo, BlockInput, Bytecode, CallLimits, CallOutcome, CallRequest, Fork, Mode, StateDiff};
use seq_tx::{decode_and_recover, DecodePolicy, RecoveredTx};

mod support;
use support::{key, Memory, CHAIN_ID};

/// Runtime of the delegate: sstore(0, 0x2a), then return the caller's address.
const DELEGATE_CODE: [u8; 14] = [0x60, 0x2a, 0x60, 0x00, 0x55, 0x33, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
const DELEGATE: Address = Address::repeat_byte(0xde);
/// Where EIP-7951 puts P256VERIFY.
const P256VERIFY: Address = address!("0x0000000000000000000000000000000000000100");

fn block(number: u64, fork: Fork) -> BlockInput {
    BlockInput {
        number,
        timestamp: 10 + number,
        beneficiary: Address::repeat_byte(0xcb),
        gas_limit: 10_000_000,
        base_fee: 5,
        prevrandao: B256::ZERO,
        chain_id: CHAIN_ID,
        fork,
        parent_hash: keccak256(number.saturating_sub(1).to_be_bytes()),
    }
}

fn with_code(memory: &mut Memory, address: Address, code: &[u8], nonce: u64) {
    let bytecode = Bytecode::new_raw(Bytes::copy_from_slice(code));
    let code_hash = keccak256(code);
    memory.codes.insert(code_hash, bytecode);
    memory.accounts.insert(address, AccountInfo { nonce, code_hash, code: None, ..Default::default() });
}

fn funded(memory: &mut Memory, address: Address) {
    memory.accounts.insert(address, AccountInfo { balance: U256::from(10u64.pow(15)), code_hash: revm::primitives::KECCAK_EMPTY, ..Default::default() });
}

fn authorize(signer: &SigningKey, chain_id: u64, address: Address, nonce: u64) -> SignedAuthorization {
    let auth = Authorization { chain_id: U256::from(chain_id), address, nonce };
    let (sig, recid) = signer.sign_prehash_recoverable(auth.signature_hash().as_slice()).unwrap();
    auth.into_signed(Signature::from((sig, recid)))
}

fn set_code_tx(sender: &SigningKey, nonce: u64, to: Address, authorizations: Vec<SignedAuthorization>) -> RecoveredTx {
    let tx = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 10,
        max_priority_fee_per_gas: 1,
        to,
        value: U256::ZERO,
        access_list: Default::default(),
        authorization_list: authorizations,
        input: Bytes::new(),
    };
    let (sig, recid) = sender.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
    let raw = TxEnvelope::from(tx.into_signed(Signature::from((sig, recid)))).encoded_2718();
    decode_and_recover(&raw, &DecodePolicy::new(CHAIN_ID)).unwrap()
}

/// A block's diff applied to the in-memory state, as the chain applies it to the store.
fn apply(memory: &mut Memory, diff: StateDiff) {
    for account in diff.accounts {
        match account.after {
            Some(after) => {
                memory.accounts.insert(
                    account.address,
                    AccountInfo { nonce: after.nonce, balance: after.balance, code_hash: after.code_hash, code: None, ..Default::default() },
                );
            }
            None => {
                memory.accounts.remove(&account.address);
            }
        }
        for (slot, _, after) in account.storage {
            memory.storage.insert((account.address, slot), after);
        }
    }
    memory.codes.extend(diff.codes);
}

fn delegation_designator(delegate: Address) -> Vec<u8> {
    [&[0xef, 0x01, 0x00][..], delegate.as_slice()].concat()
}

#[test]
fn a_set_code_transaction_delegates_the_authority_and_a_call_runs_the_delegates_code() {
    let (alice_key, alice) = key(1);
    let (bob_key, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, alice);
    funded(&mut state, bob);
    with_code(&mut state, DELEGATE, &DELEGATE_CODE, 1);

    // Bob pays; Alice (nonce 0) authorizes the delegate; the call to Alice already runs the delegate's code.
    let tx = set_code_tx(&bob_key, 0, alice, vec![authorize(&alice_key, CHAIN_ID, DELEGATE, 0)]);
    assert_eq!(tx.tx_type(), 4);
    let out = execute_block(&state, &block(1, Fork::Prague), &[tx], Mode::Verify).unwrap();
    assert_eq!(out.receipts[0].tx_type, 4);
    assert!(out.receipts[0].success);
    assert_eq!(out.receipts[0].output.as_ref(), B256::left_padding_from(bob.as_slice()).as_slice(), "the delegate ran with Bob as caller");
    apply(&mut state, out.diff);

    let designator = delegation_designator(DELEGATE);
    let alice_after = state.accounts[&alice].clone();
    assert_eq!(alice_after.code_hash, keccak256(&designator));
    assert_eq!(state.codes[&alice_after.code_hash].original_byte_slice(), designator.as_slice());
    assert_eq!(alice_after.nonce, 1, "an applied authorization bumps the authority's nonce");
    assert_eq!(state.storage[&(alice, U256::ZERO)], U256::from(0x2a), "the delegate's sstore lands in Alice's storage");

    // Later, any call to Alice runs the delegate: here a read-only one.
    let outcome =
        call(&state, &block(2, Fork::Prague), &CallRequest { from: Some(bob), to: Some(alice), ..Default::default() }, &CallLimits::default()).unwrap();
    assert!(matches!(outcome, CallOutcome::Success { ref output, .. } if output.as_ref() == B256::left_padding_from(bob.as_slice()).as_slice()));
}

#[test]
fn authorizations_for_another_chain_or_with_a_bad_signature_are_skipped_not_fatal() {
    let (alice_key, alice) = key(1);
    let (bob_key, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, alice);
    funded(&mut state, bob);
    with_code(&mut state, DELEGATE, &DELEGATE_CODE, 1);
    let wrong_chain = authorize(&alice_key, CHAIN_ID + 1, DELEGATE, 0);
    let good = authorize(&alice_key, CHAIN_ID, DELEGATE, 0);
    let unrecoverable = SignedAuthorization::new_unchecked(good.strip_signature(), 0, U256::ZERO, U256::from(1));
    let tx = set_code_tx(&bob_key, 0, bob, vec![wrong_chain, unrecoverable]);
    let out = execute_block(&state, &block(1, Fork::Osaka), &[tx], Mode::Verify).unwrap();
    assert!(out.receipts[0].success);
    assert!(out.diff.accounts.iter().all(|a| a.address != alice), "no authorization applied, Alice untouched");
}

#[test]
fn set_code_transactions_and_the_new_precompiles_wait_for_their_forks() {
    let (alice_key, alice) = key(1);
    let (bob_key, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, alice);
    funded(&mut state, bob);
    let tx = set_code_tx(&bob_key, 0, alice, vec![authorize(&alice_key, CHAIN_ID, DELEGATE, 0)]);
    let out = execute_block(&state, &block(1, Fork::Cancun), &[tx], Mode::Build).unwrap();
    assert_eq!(out.rejected[0].rejection.code, "UnsupportedType");

    // EIP-2537 G1ADD of two points at infinity: the point at infinity from Prague on; nothing there in Cancun.
    let g1add = |fork| {
        call(
            &state,
            &block(1, fork),
            &CallRequest { from: Some(bob), to: Some(Address::with_last_byte(0x0b)), data: Bytes::from(vec![0u8; 256]), ..Default::default() },
            &CallLimits::default(),
        )
        .unwrap()
    };
    assert!(matches!(g1add(Fork::Prague), CallOutcome::Success { ref output, .. } if output.as_ref() == [0u8; 128]));
    assert!(matches!(g1add(Fork::Cancun), CallOutcome::Success { ref output, .. } if output.is_empty()));
}

#[test]
fn p256verify_answers_from_osaka_on() {
    use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature as P256Signature, SigningKey as P256Key};
    let (_, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, bob);
    let signer = P256Key::from_slice(&[7u8; 32]).unwrap();
    let digest = keccak256(b"p256 on the L2");
    let signature: P256Signature = signer.sign_prehash(digest.as_slice()).unwrap();
    let point = signer.verifying_key().to_encoded_point(false);
    let input = [digest.as_slice(), &signature.r().to_bytes(), &signature.s().to_bytes(), point.x().unwrap(), point.y().unwrap()].concat();
    let verify = |fork, input: &[u8]| {
        let request = CallRequest { from: Some(bob), to: Some(P256VERIFY), data: Bytes::copy_from_slice(input), ..Default::default() };
        match call(&state, &block(1, fork), &request, &CallLimits::default()).unwrap() {
            CallOutcome::Success { output, .. } => output,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(verify(Fork::Osaka, &input).as_ref(), B256::with_last_byte(1).as_slice());
    let mut forged = input.clone();
    forged[0] ^= 1;
    assert!(verify(Fork::Osaka, &forged).is_empty(), "a wrong digest does not verify");
    assert!(verify(Fork::Prague, &input).is_empty(), "no precompile before Osaka");
}

#[test]
fn clz_counts_leading_zeros_from_osaka_on() {
    let (_, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, bob);
    let counter = Address::repeat_byte(0xc1);
    // clz(1), returned as a word.
    with_code(&mut state, counter, &[0x60, 0x01, 0x1e, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3], 1);
    let run = |fork| call(&state, &block(1, fork), &CallRequest { from: Some(bob), to: Some(counter), ..Default::default() }, &CallLimits::default()).unwrap();
    assert!(matches!(run(Fork::Osaka), CallOutcome::Success { ref output, .. } if U256::from_be_slice(output) == U256::from(255)));
    assert!(matches!(run(Fork::Prague), CallOutcome::Halt { ref reason, .. } if reason == "invalid opcode"));
}

#[test]
fn the_history_contract_holds_each_parent_hash_after_n_blocks() {
    let (_, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, bob);
    with_code(&mut state, HISTORY_STORAGE_ADDRESS, &HISTORY_STORAGE_CODE, 1);
    const BLOCKS: u64 = 5;
    for number in 1..=BLOCKS {
        let built = execute_block(&state, &block(number, Fork::Osaka), &[], Mode::Build).unwrap();
        let verified = execute_block(&state, &block(number, Fork::Osaka), &[], Mode::Verify).unwrap();
        assert_eq!(format!("{:?}", built.diff), format!("{:?}", verified.diff), "build and verify make the same system call");
        assert_eq!(built.gas_used, 0, "the system call uses no block gas");
        assert_eq!(built.diff.accounts.len(), 1, "only the history contract changes");
        apply(&mut state, built.diff);
    }
    for parent in 0..BLOCKS {
        assert_eq!(state.storage[&(HISTORY_STORAGE_ADDRESS, U256::from(parent))], U256::from_be_bytes(keccak256(parent.to_be_bytes()).0));
        // And the contract serves it to any caller.
        let request = CallRequest {
            from: Some(bob),
            to: Some(HISTORY_STORAGE_ADDRESS),
            data: Bytes::copy_from_slice(&B256::from(U256::from(parent)).0),
            ..Default::default()
        };
        let outcome = call(&state, &block(BLOCKS, Fork::Osaka), &request, &CallLimits::default()).unwrap();
        assert!(matches!(outcome, CallOutcome::Success { ref output, .. } if output.as_ref() == keccak256(parent.to_be_bytes()).as_slice()));
    }
    // Before Prague nothing is written.
    let cancun = execute_block(&state, &block(BLOCKS + 1, Fork::Cancun), &[], Mode::Build).unwrap();
    assert!(cancun.diff.accounts.is_empty());
}

#[test]
fn a_set_code_call_estimates_the_gas_its_transaction_then_needs() {
    let (alice_key, alice) = key(1);
    let (bob_key, bob) = key(2);
    let mut state = Memory::default();
    funded(&mut state, alice);
    funded(&mut state, bob);
    with_code(&mut state, DELEGATE, &DELEGATE_CODE, 1);
    let authorization = authorize(&alice_key, CHAIN_ID, DELEGATE, 0);
    let request = CallRequest { from: Some(bob), to: Some(alice), authorization_list: vec![authorization.clone()], ..Default::default() };
    let estimate = match estimate_gas(&state, &block(1, Fork::Osaka), &request, &CallLimits::default()).unwrap() {
        CallOutcome::Success { gas_used, .. } => gas_used,
        other => panic!("{other:?}"),
    };
    assert!(estimate > 21_000 + 25_000, "the authorization is paid for: {estimate}");
    let mut tx = set_code_tx(&bob_key, 0, alice, vec![authorization]);
    // Re-sign with exactly the estimate as the gas limit.
    tx = {
        let TxEnvelope::Eip7702(signed) = tx.envelope else { unreachable!() };
        let mut inner = signed.strip_signature();
        inner.gas_limit = estimate;
        let (sig, recid) = bob_key.sign_prehash_recoverable(inner.signature_hash().as_slice()).unwrap();
        let raw = TxEnvelope::from(inner.into_signed(Signature::from((sig, recid)))).encoded_2718();
        decode_and_recover(&raw, &DecodePolicy::new(CHAIN_ID)).unwrap()
    };
    let out = execute_block(&state, &block(1, Fork::Osaka), &[tx], Mode::Verify).unwrap();
    assert!(out.receipts[0].success);
}
