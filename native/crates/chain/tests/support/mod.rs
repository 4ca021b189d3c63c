//! Test wallets, a tiny contract and genesis JSON for the chain tests.
#![allow(dead_code)]
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{hex, Address, Bytes, Signature, TxKind, U256};
use k256::ecdsa::SigningKey;
use seq_chain::{BlockEnv, Chain, ChainOptions, Genesis};

pub const CHAIN_ID: u64 = 31337;
pub const GWEI: u128 = 1_000_000_000;

/// Runtime: reverts on value; else `sstore(calldata[32..64], calldata[0..32])` and LOG1(topic = slot).
pub const STORE_RUNTIME: &str = "346014576000356020355560203560006000a1005b60006000fd";
/// Init code that deploys STORE_RUNTIME.
pub fn store_initcode() -> Bytes {
    hex::decode(format!("601a600c600039601a6000f3{STORE_RUNTIME}")).unwrap().into()
}

pub struct Wallet {
    pub key: SigningKey,
    pub address: Address,
    pub nonce: u64,
}

impl Wallet {
    pub fn new(seed: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[24..].copy_from_slice(&(seed + 1).to_be_bytes());
        let key = SigningKey::from_slice(&bytes).unwrap();
        let address = Address::from_public_key(key.verifying_key());
        Self { key, address, nonce: 0 }
    }

    fn sign<T: SignableTransaction<Signature>>(&self, tx: T) -> TxEnvelope
    where
        TxEnvelope: From<alloy_consensus::Signed<T>>,
    {
        let (sig, recid) = self.key.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
        let signature = Signature::from((sig, recid));
        TxEnvelope::from(tx.into_signed(signature))
    }

    /// An EIP-1559 transaction with the next nonce.
    pub fn eip1559(&mut self, to: Option<Address>, value: U256, input: Bytes, gas: u64) -> Bytes {
        let tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce: self.next_nonce(),
            gas_limit: gas,
            max_fee_per_gas: 100 * GWEI,
            max_priority_fee_per_gas: GWEI,
            to: to.map_or(TxKind::Create, TxKind::Call),
            value,
            access_list: Default::default(),
            input,
        };
        self.sign(tx).encoded_2718().into()
    }

    pub fn legacy(&mut self, to: Address, value: U256) -> Bytes {
        let tx = TxLegacy {
            chain_id: Some(CHAIN_ID),
            nonce: self.next_nonce(),
            gas_price: 50 * GWEI,
            gas_limit: 21_000,
            to: TxKind::Call(to),
            value,
            input: Bytes::new(),
        };
        self.sign(tx).encoded_2718().into()
    }

    pub fn eip2930(&mut self, to: Address, value: U256) -> Bytes {
        let tx = TxEip2930 {
            chain_id: CHAIN_ID,
            nonce: self.next_nonce(),
            gas_price: 50 * GWEI,
            gas_limit: 30_000,
            to: TxKind::Call(to),
            value,
            input: Bytes::new(),
            access_list: Default::default(),
        };
        self.sign(tx).encoded_2718().into()
    }

    pub fn transfer(&mut self, to: Address, value: u64) -> Bytes {
        self.eip1559(Some(to), U256::from(value), Bytes::new(), 21_000)
    }

    pub fn next_nonce(&mut self) -> u64 {
        self.nonce += 1;
        self.nonce - 1
    }
}

pub fn store_call(value: u64, slot: u64) -> Bytes {
    let mut data = [0u8; 64];
    data[24..32].copy_from_slice(&value.to_be_bytes());
    data[56..64].copy_from_slice(&slot.to_be_bytes());
    Bytes::copy_from_slice(&data)
}

/// Genesis funding `wallets` and holding a STORE contract at 0x…c0de with slot 1 = 7.
pub fn genesis_json(wallets: &[&Wallet]) -> String {
    let mut alloc = serde_json::Map::new();
    for w in wallets {
        alloc.insert(format!("{:#x}", w.address), serde_json::json!({ "balance": "1000000000000000000000" }));
    }
    alloc.insert(
        "0x000000000000000000000000000000000000c0de".into(),
        serde_json::json!({ "balance": "0x0", "nonce": "0x1", "code": format!("0x{STORE_RUNTIME}"), "storage": { "0x01": "0x07" } }),
    );
    serde_json::json!({ "chainId": CHAIN_ID, "alloc": alloc, "timestamp": "0x10", "gasLimit": "30000000", "baseFeePerGas": "1000000000" }).to_string()
}

pub fn store_address() -> Address {
    "0x000000000000000000000000000000000000c0de".parse().unwrap()
}

/// A block environment at `timestamp` (30M gas, a fixed beneficiary).
pub fn env(timestamp: u64) -> BlockEnv {
    BlockEnv { timestamp, beneficiary: Address::repeat_byte(0xcb), gas_limit: 30_000_000, ..Default::default() }
}

/// A chain in `dir`, created from the genesis JSON when the store is new.
pub fn open(dir: &std::path::Path, genesis: &str) -> Chain {
    Chain::open(dir, Some(&Genesis::from_json(genesis).unwrap()), ChainOptions::default()).unwrap()
}
