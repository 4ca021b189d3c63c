//! Genesis from geth/hardhat-style JSON: `{ chainId | config.chainId, alloc: { address: { balance, nonce,
//! code, storage } }, timestamp, gasLimit, baseFeePerGas, extraData, mixHash, coinbase }`. Quantities may be
//! hex strings, decimal strings or JSON numbers. `forks` (or `config.forks`): `[{ fork: "cancun" | "prague" |
//! "osaka", activation: <timestamp> }]`, first at 0; absent means the newest fork from genesis. A schedule that
//! reaches Prague gets the EIP-2935 history contract in its alloc unless the alloc names that address itself.
use std::collections::BTreeMap;

use alloy_primitives::{hex, keccak256, Address, Bytes, B256, U256};
use seq_evm::{Fork, ForkActivation, ForkSchedule};
use serde_json::Value;

use crate::ChainError;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenesisAccount {
    pub balance: U256,
    pub nonce: u64,
    pub code: Bytes,
    pub storage: BTreeMap<U256, U256>,
}

impl GenesisAccount {
    pub fn code_hash(&self) -> B256 {
        if self.code.is_empty() {
            seq_state::KECCAK_EMPTY
        } else {
            keccak256(&self.code)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Genesis {
    pub chain_id: u64,
    pub alloc: BTreeMap<Address, GenesisAccount>,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub extra_data: Bytes,
    pub mix_hash: B256,
    pub coinbase: Address,
    pub forks: ForkSchedule,
}

impl Genesis {
    pub fn from_json(text: &str) -> Result<Self, ChainError> {
        let json: Value = serde_json::from_str(text).map_err(|e| ChainError::Genesis(e.to_string()))?;
        let chain_id = json.get("chainId").or_else(|| json.pointer("/config/chainId")).ok_or_else(|| err("chainId is required"))?;
        let mut alloc = BTreeMap::new();
        if let Some(entries) = json.get("alloc") {
            let entries = entries.as_object().ok_or_else(|| err("alloc must be an object"))?;
            for (address, account) in entries {
                let address: Address = with_0x(address).parse().map_err(|_| err(format!("bad address {address}")))?;
                alloc.insert(address, parse_account(account).map_err(|e| err(format!("{address}: {e}")))?);
            }
        }
        let forks = match json.get("forks").or_else(|| json.pointer("/config/forks")) {
            Some(list) => parse_forks(list)?,
            None => ForkSchedule::single(Fork::NEWEST),
        };
        if forks.reaches(Fork::Prague) {
            alloc.entry(alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS).or_insert_with(history_contract);
        }
        Ok(Self {
            forks,
            chain_id: u64_of(chain_id).map_err(|e| err(format!("chainId: {e}")))?,
            alloc,
            timestamp: opt_u64(&json, "timestamp")?.unwrap_or(0),
            gas_limit: opt_u64(&json, "gasLimit")?.unwrap_or(30_000_000),
            base_fee: opt_u64(&json, "baseFeePerGas")?.unwrap_or(1_000_000_000),
            extra_data: match json.get("extraData") {
                Some(v) => bytes_of(v).map_err(|e| err(format!("extraData: {e}")))?,
                None => Bytes::new(),
            },
            mix_hash: match json.get("mixHash") {
                Some(v) => b256_of(v).map_err(|e| err(format!("mixHash: {e}")))?,
                None => B256::ZERO,
            },
            coinbase: match json.get("coinbase") {
                Some(v) => v.as_str().and_then(|s| with_0x(s).parse().ok()).ok_or_else(|| err("bad coinbase"))?,
                None => Address::ZERO,
            },
        })
    }
}

fn parse_forks(list: &Value) -> Result<ForkSchedule, ChainError> {
    let entries = list.as_array().ok_or_else(|| err("forks must be a list of { fork, activation }"))?;
    let parsed = entries
        .iter()
        .map(|entry| {
            let name = entry.get("fork").and_then(Value::as_str).ok_or_else(|| err("forks: each entry needs a fork name"))?;
            let fork = Fork::from_name(name).ok_or_else(|| err(format!("forks: unsupported fork {name} (cancun, prague, osaka)")))?;
            let timestamp = entry.get("activation").map(u64_of).transpose().map_err(|e| err(format!("forks: activation: {e}")))?.unwrap_or(0);
            Ok(ForkActivation { fork, timestamp })
        })
        .collect::<Result<Vec<_>, ChainError>>()?;
    ForkSchedule::new(parsed).map_err(|e| err(e.to_string()))
}

/// The EIP-2935 history contract as its deployment left it on Ethereum (nonce 1, no balance, no storage).
fn history_contract() -> GenesisAccount {
    GenesisAccount { nonce: 1, code: alloy_eips::eip2935::HISTORY_STORAGE_CODE.clone(), ..Default::default() }
}

fn err(message: impl Into<String>) -> ChainError {
    ChainError::Genesis(message.into())
}

fn with_0x(s: &str) -> String {
    if s.starts_with("0x") || s.starts_with("0X") {
        s.to_string()
    } else {
        format!("0x{s}")
    }
}

fn parse_account(value: &Value) -> Result<GenesisAccount, String> {
    let mut account = GenesisAccount::default();
    if let Some(balance) = value.get("balance") {
        account.balance = u256_of(balance)?;
    }
    if let Some(nonce) = value.get("nonce") {
        account.nonce = u64_of(nonce)?;
    }
    if let Some(code) = value.get("code") {
        account.code = bytes_of(code)?;
    }
    if let Some(storage) = value.get("storage") {
        for (slot, v) in storage.as_object().ok_or("storage must be an object")? {
            let value = u256_of(v)?;
            if !value.is_zero() {
                account.storage.insert(u256_of(&Value::String(slot.clone()))?, value);
            }
        }
    }
    Ok(account)
}

pub(crate) fn u256_of(value: &Value) -> Result<U256, String> {
    match value {
        Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(|| format!("{n} is not a non-negative integer")),
        Value::String(s) if s.starts_with("0x") || s.starts_with("0X") => {
            if s.len() == 2 {
                Ok(U256::ZERO)
            } else {
                U256::from_str_radix(&s[2..], 16).map_err(|e| format!("{s}: {e}"))
            }
        }
        Value::String(s) => U256::from_str_radix(s, 10).map_err(|e| format!("{s}: {e}")),
        other => Err(format!("{other} is not a quantity")),
    }
}

fn u64_of(value: &Value) -> Result<u64, String> {
    u64::try_from(u256_of(value)?).map_err(|_| "does not fit in 64 bits".to_string())
}

fn opt_u64(json: &Value, key: &str) -> Result<Option<u64>, ChainError> {
    json.get(key).map(|v| u64_of(v).map_err(|e| err(format!("{key}: {e}")))).transpose()
}

fn bytes_of(value: &Value) -> Result<Bytes, String> {
    let s = value.as_str().ok_or("expected a hex string")?;
    hex::decode(s).map(Bytes::from).map_err(|e| format!("{s}: {e}"))
}

fn b256_of(value: &Value) -> Result<B256, String> {
    let bytes = bytes_of(value)?;
    (bytes.len() == 32).then(|| B256::from_slice(&bytes)).ok_or_else(|| "expected 32 bytes".to_string())
}
