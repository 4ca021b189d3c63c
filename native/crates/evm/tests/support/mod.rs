//! Fixtures shared by the evm crate's integration tests: an in-memory state and signed EIP-1559 transactions.
#![allow(dead_code)]
use std::collections::HashMap;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Address, Bytes, Signature, TxKind, B256, U256};
use k256::ecdsa::SigningKey;
use seq_evm::{AccountInfo, Bytecode, ReadError, StateReader};
use seq_tx::{decode_and_recover, DecodePolicy, RecoveredTx};

pub const CHAIN_ID: u64 = 7;

#[derive(Default)]
pub struct Memory {
    pub accounts: HashMap<Address, AccountInfo>,
    pub storage: HashMap<(Address, U256), U256>,
    pub codes: HashMap<B256, Bytecode>,
}

impl StateReader for Memory {
    fn account(&self, address: Address) -> Result<Option<AccountInfo>, ReadError> {
        Ok(self.accounts.get(&address).cloned())
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ReadError> {
        Ok(self.storage.get(&(address, slot)).copied().unwrap_or_default())
    }
    fn code(&self, code_hash: B256) -> Result<Bytecode, ReadError> {
        self.codes.get(&code_hash).cloned().ok_or_else(|| ReadError("no code".into()))
    }
    fn block_hash(&self, number: u64) -> Result<B256, ReadError> {
        Ok(keccak256(number.to_be_bytes()))
    }
}

pub fn key(seed: u8) -> (SigningKey, Address) {
    let key = SigningKey::from_slice(&[seed; 32]).unwrap();
    let address = Address::from_public_key(key.verifying_key());
    (key, address)
}

/// Signed EIP-1559 (fee cap 10, tip 1) and recovered; `to: None` creates a contract.
pub fn tx(key: &SigningKey, nonce: u64, to: Option<Address>, value: u64, input: Bytes, gas: u64) -> RecoveredTx {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 10,
        max_priority_fee_per_gas: 1,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value: U256::from(value),
        access_list: Default::default(),
        input,
    };
    let (sig, recid) = key.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
    let raw = TxEnvelope::from(tx.into_signed(Signature::from((sig, recid)))).encoded_2718();
    decode_and_recover(&raw, &DecodePolicy::new(CHAIN_ID)).unwrap()
}
