//! JS inputs of the chain binding, parsed into core types. Quantities are `bigint`, bytes and hashes hex strings
//! (raw transactions may also be Buffers).
use alloy_primitives::{hex, Address, Bytes, B256, U256};
use napi::bindgen_prelude::{BigInt, Buffer, Either};
use napi_derive::napi;
use seq_chain::{BlockEnv, CallRequest, SealedBlock};

/// What the producer fixes for the next block. `baseFeePerGas` defaults to the EIP-1559 successor of the parent's,
/// `prevrandao` to keccak256(parent hash), `gasLimit` (0 or absent) to the parent's.
#[napi(object)]
pub struct BlockEnvInput {
    /// When given, must be the head's number + 1.
    pub number: Option<BigInt>,
    pub timestamp: BigInt,
    /// Fee recipient (coinbase).
    pub beneficiary: String,
    pub gas_limit: Option<BigInt>,
    pub base_fee_per_gas: Option<BigInt>,
    pub prevrandao: Option<String>,
    pub extra_data: Option<String>,
}

/// A block as the sequencer sends it to followers (what `sealedBlock()` returns).
#[napi(object)]
pub struct SealedBlockInput {
    pub number: BigInt,
    pub parent_hash: String,
    pub hash: String,
    pub state_root: String,
    pub transactions_root: String,
    pub receipts_root: String,
    pub env: BlockEnvInput,
    /// EIP-2718 raw transactions in block order (0x-hex).
    pub transactions: Vec<String>,
}

/// eth_call / eth_estimateGas input.
#[napi(object)]
pub struct CallInput {
    pub from: Option<String>,
    /// Absent or null: contract creation.
    pub to: Option<String>,
    pub data: Option<String>,
    pub value: Option<BigInt>,
    pub gas: Option<BigInt>,
    pub gas_price: Option<BigInt>,
    pub max_fee_per_gas: Option<BigInt>,
    pub max_priority_fee_per_gas: Option<BigInt>,
    pub nonce: Option<BigInt>,
    /// EIP-2930 access list to warm up before the call.
    pub access_list: Option<Vec<super::views::RpcAccessListItem>>,
    /// EIP-7702 authorizations: a non-empty list runs the call as a set-code transaction.
    pub authorization_list: Option<Vec<super::views::RpcAuthorization>>,
}

pub(crate) fn invalid(message: impl std::fmt::Display) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, format!("InvalidInput: {message}"))
}

pub(crate) fn address(text: &str) -> napi::Result<Address> {
    text.parse().map_err(|_| invalid(format!("not an address: {text}")))
}

pub(crate) fn b256(text: &str) -> napi::Result<B256> {
    text.parse().map_err(|_| invalid(format!("not a 32-byte hex value: {text}")))
}

pub(crate) fn bytes(text: &str) -> napi::Result<Bytes> {
    hex::decode(text).map(Bytes::from).map_err(|_| invalid(format!("not hex bytes: {text}")))
}

/// A storage slot: a 32-byte hex value, or a short quantity such as "0x0".
pub(crate) fn slot(text: &str) -> napi::Result<U256> {
    if let Ok(word) = b256(text) {
        return Ok(word.into());
    }
    U256::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|_| invalid(format!("not a slot: {text}")))
}

pub(crate) fn u64_of(value: &BigInt, what: &str) -> napi::Result<u64> {
    let (signed, value, lossless) = value.get_u64();
    if signed || !lossless {
        return Err(invalid(format!("{what} must be a non-negative 64-bit integer")));
    }
    Ok(value)
}

pub(crate) fn u128_of(value: &BigInt, what: &str) -> napi::Result<u128> {
    let (signed, value, lossless) = value.get_u128();
    if signed || !lossless {
        return Err(invalid(format!("{what} must be a non-negative 128-bit integer")));
    }
    Ok(value)
}

pub(crate) fn u256_of(value: &BigInt, what: &str) -> napi::Result<U256> {
    if value.sign_bit || value.words.len() > 4 {
        return Err(invalid(format!("{what} must be a non-negative 256-bit integer")));
    }
    let mut limbs = [0u64; 4];
    limbs[..value.words.len()].copy_from_slice(&value.words);
    Ok(U256::from_limbs(limbs))
}

pub(crate) fn raw_transactions(raws: Vec<Either<Buffer, String>>) -> napi::Result<Vec<Bytes>> {
    raws.into_iter()
        .map(|raw| match raw {
            Either::A(buffer) => Ok(Bytes::copy_from_slice(&buffer)),
            Either::B(text) => bytes(&text),
        })
        .collect()
}

impl BlockEnvInput {
    pub(crate) fn to_env(&self) -> napi::Result<BlockEnv> {
        Ok(BlockEnv {
            number: self.number.as_ref().map(|n| u64_of(n, "number")).transpose()?,
            timestamp: u64_of(&self.timestamp, "timestamp")?,
            beneficiary: address(&self.beneficiary)?,
            gas_limit: self.gas_limit.as_ref().map(|g| u64_of(g, "gasLimit")).transpose()?.unwrap_or(0),
            base_fee: self.base_fee_per_gas.as_ref().map(|b| u64_of(b, "baseFeePerGas")).transpose()?,
            prevrandao: self.prevrandao.as_deref().map(b256).transpose()?,
            extra_data: self.extra_data.as_deref().map(bytes).transpose()?.unwrap_or_default(),
        })
    }
}

impl SealedBlockInput {
    pub(crate) fn to_sealed(&self) -> napi::Result<SealedBlock> {
        Ok(SealedBlock {
            number: u64_of(&self.number, "number")?,
            parent_hash: b256(&self.parent_hash)?,
            env: self.env.to_env()?,
            transactions: self.transactions.iter().map(|t| bytes(t)).collect::<napi::Result<_>>()?,
            hash: b256(&self.hash)?,
            state_root: b256(&self.state_root)?,
            transactions_root: b256(&self.transactions_root)?,
            receipts_root: b256(&self.receipts_root)?,
        })
    }
}

impl CallInput {
    pub(crate) fn to_request(&self) -> napi::Result<CallRequest> {
        Ok(CallRequest {
            from: self.from.as_deref().map(address).transpose()?,
            to: self.to.as_deref().map(address).transpose()?,
            data: self.data.as_deref().map(bytes).transpose()?.unwrap_or_default(),
            value: self.value.as_ref().map(|v| u256_of(v, "value")).transpose()?.unwrap_or_default(),
            gas: self.gas.as_ref().map(|g| u64_of(g, "gas")).transpose()?,
            gas_price: self.gas_price.as_ref().map(|g| u128_of(g, "gasPrice")).transpose()?,
            max_fee_per_gas: self.max_fee_per_gas.as_ref().map(|g| u128_of(g, "maxFeePerGas")).transpose()?,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas.as_ref().map(|g| u128_of(g, "maxPriorityFeePerGas")).transpose()?,
            nonce: self.nonce.as_ref().map(|n| u64_of(n, "nonce")).transpose()?,
            access_list: match &self.access_list {
                None => Default::default(),
                Some(items) => alloy_eips::eip2930::AccessList(
                    items
                        .iter()
                        .map(|item| {
                            Ok(alloy_eips::eip2930::AccessListItem {
                                address: address(&item.address)?,
                                storage_keys: item.storage_keys.iter().map(|k| b256(k)).collect::<napi::Result<_>>()?,
                            })
                        })
                        .collect::<napi::Result<_>>()?,
                ),
            },
            authorization_list: self.authorization_list.iter().flatten().map(authorization).collect::<napi::Result<_>>()?,
        })
    }
}

fn authorization(item: &super::views::RpcAuthorization) -> napi::Result<alloy_eips::eip7702::SignedAuthorization> {
    let word = |text: &str, what: &str| U256::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|_| invalid(format!("authorization {what}: {text}")));
    let small = |text: &str, what: &str| u64::try_from(word(text, what)?).map_err(|_| invalid(format!("authorization {what} above 2^64: {text}")));
    let y_parity = u8::try_from(small(&item.y_parity, "yParity")?).map_err(|_| invalid(format!("authorization yParity: {}", item.y_parity)))?;
    let inner = alloy_eips::eip7702::Authorization {
        chain_id: word(&item.chain_id, "chainId")?,
        address: address(&item.address)?,
        nonce: small(&item.nonce, "nonce")?,
    };
    Ok(alloy_eips::eip7702::SignedAuthorization::new_unchecked(inner, y_parity, word(&item.r, "r")?, word(&item.s, "s")?))
}
