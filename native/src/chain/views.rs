//! Chain records as Ethereum JSON-RPC serves them: quantities and data as 0x-hex strings, addresses lowercase.
use alloy_consensus::{Header, Transaction, TxEnvelope};
use alloy_primitives::{hex, Address, Bytes, Log, B256};
use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use seq_chain::{AppliedBlock, BlockRecord, ReceiptRecord, SealedBlock, StoredReceipt, TxRecord};

use super::inputs::{BlockEnvInput, SealedBlockInput};

/// `T | null` in TypeScript.
pub type Nullable<T> = Either<T, Null>;

pub(crate) fn nullable<T>(value: Option<T>) -> Nullable<T> {
    value.map_or(Either::B(Null), Either::A)
}

pub(crate) fn q(value: impl std::fmt::LowerHex) -> String {
    format!("{value:#x}")
}

pub(crate) fn data(bytes: impl AsRef<[u8]>) -> String {
    hex::encode_prefixed(bytes)
}

pub(crate) fn addr(address: Address) -> String {
    format!("{address:#x}")
}

/// eth_getBlockByNumber's block (transactions as hashes).
#[napi(object)]
pub struct RpcBlockView {
    pub number: String,
    pub hash: String,
    pub parent_hash: String,
    pub nonce: String,
    pub sha3_uncles: String,
    pub logs_bloom: String,
    pub transactions_root: String,
    pub state_root: String,
    pub receipts_root: String,
    pub miner: String,
    pub difficulty: String,
    pub total_difficulty: String,
    pub extra_data: String,
    pub size: String,
    pub gas_limit: String,
    pub gas_used: String,
    pub timestamp: String,
    pub base_fee_per_gas: String,
    pub mix_hash: String,
    pub withdrawals_root: String,
    pub withdrawals: Vec<String>,
    pub blob_gas_used: String,
    pub excess_blob_gas: String,
    pub parent_beacon_block_root: String,
    pub transactions: Vec<String>,
    pub uncles: Vec<String>,
}

pub(crate) fn block_view(header: &Header, hash: B256, tx_hashes: &[B256], size: u64) -> RpcBlockView {
    RpcBlockView {
        number: q(header.number),
        hash: data(hash),
        parent_hash: data(header.parent_hash),
        nonce: data(header.nonce),
        sha3_uncles: data(header.ommers_hash),
        logs_bloom: data(header.logs_bloom),
        transactions_root: data(header.transactions_root),
        state_root: data(header.state_root),
        receipts_root: data(header.receipts_root),
        miner: addr(header.beneficiary),
        difficulty: q(header.difficulty),
        total_difficulty: "0x0".into(),
        extra_data: data(&header.extra_data),
        size: q(size),
        gas_limit: q(header.gas_limit),
        gas_used: q(header.gas_used),
        timestamp: q(header.timestamp),
        base_fee_per_gas: q(header.base_fee_per_gas.unwrap_or_default()),
        mix_hash: data(header.mix_hash),
        withdrawals_root: data(header.withdrawals_root.unwrap_or_default()),
        withdrawals: Vec::new(),
        blob_gas_used: q(header.blob_gas_used.unwrap_or_default()),
        excess_blob_gas: q(header.excess_blob_gas.unwrap_or_default()),
        parent_beacon_block_root: data(header.parent_beacon_block_root.unwrap_or_default()),
        transactions: tx_hashes.iter().map(data).collect(),
        uncles: Vec::new(),
    }
}

pub(crate) fn record_view(record: &BlockRecord) -> RpcBlockView {
    block_view(&record.header, record.hash, &record.tx_hashes, record.size)
}

#[napi(object)]
pub struct RpcLogView {
    pub address: String,
    pub topics: Vec<String>,
    pub data: String,
    pub block_number: String,
    /// null in the pending block (it has no hash before it is sealed).
    #[napi(ts_type = "string | null")]
    pub block_hash: Nullable<String>,
    pub transaction_hash: String,
    pub transaction_index: String,
    pub log_index: String,
    pub removed: bool,
}

#[napi(object)]
pub struct RpcReceiptView {
    pub transaction_hash: String,
    pub transaction_index: String,
    /// null in the pending block.
    #[napi(ts_type = "string | null")]
    pub block_hash: Nullable<String>,
    pub block_number: String,
    pub from: String,
    #[napi(ts_type = "string | null")]
    pub to: Nullable<String>,
    pub cumulative_gas_used: String,
    pub gas_used: String,
    pub effective_gas_price: String,
    #[napi(ts_type = "string | null")]
    pub contract_address: Nullable<String>,
    pub logs: Vec<RpcLogView>,
    pub logs_bloom: String,
    /// "0x1" success, "0x0" reverted.
    pub status: String,
    #[napi(js_name = "type")]
    pub tx_type: String,
}

/// Where a receipt sits, to fill in the positional fields.
pub(crate) struct ReceiptPlace {
    pub block_number: u64,
    /// None for the pending block.
    pub block_hash: Option<B256>,
    pub index: u32,
    pub first_log_index: u64,
    pub to: Option<Address>,
    pub tx_type: u8,
}

pub(crate) fn receipt_view(receipt: &StoredReceipt, place: &ReceiptPlace) -> napi::Result<RpcReceiptView> {
    let consensus = receipt.consensus().map_err(to_napi)?;
    let logs: &[Log] = consensus.logs();
    Ok(RpcReceiptView {
        transaction_hash: data(receipt.tx_hash),
        transaction_index: q(place.index),
        block_hash: nullable(place.block_hash.map(data)),
        block_number: q(place.block_number),
        from: addr(receipt.sender),
        to: nullable(place.to.map(addr)),
        cumulative_gas_used: q(consensus.cumulative_gas_used()),
        gas_used: q(receipt.gas_used),
        effective_gas_price: q(receipt.effective_gas_price),
        contract_address: nullable(receipt.contract_address().map(addr)),
        logs: logs
            .iter()
            .enumerate()
            .map(|(i, log)| RpcLogView {
                address: addr(log.address),
                topics: log.topics().iter().map(data).collect(),
                data: data(&log.data.data),
                block_number: q(place.block_number),
                block_hash: nullable(place.block_hash.map(data)),
                transaction_hash: data(receipt.tx_hash),
                transaction_index: q(place.index),
                log_index: q(place.first_log_index + i as u64),
                removed: false,
            })
            .collect(),
        logs_bloom: data(consensus.logs_bloom()),
        status: if consensus.status() { "0x1".into() } else { "0x0".into() },
        tx_type: q(place.tx_type),
    })
}

pub(crate) fn receipt_record_view(record: &ReceiptRecord) -> napi::Result<RpcReceiptView> {
    receipt_view(
        &record.receipt,
        &ReceiptPlace {
            block_number: record.block_number,
            block_hash: Some(record.block_hash),
            index: record.index,
            first_log_index: record.first_log_index,
            to: record.to,
            tx_type: record.tx_type,
        },
    )
}

/// Receipts of a whole block, in order (transactions decoded for `to` and `type`); `hash` None for the pending block.
pub(crate) fn block_receipts_view(number: u64, hash: Option<B256>, transactions: &[Bytes], receipts: &[StoredReceipt]) -> napi::Result<Vec<RpcReceiptView>> {
    use alloy_eips::eip2718::Decodable2718;
    let mut first_log_index = 0u64;
    let mut out = Vec::with_capacity(receipts.len());
    for (index, (raw, receipt)) in transactions.iter().zip(receipts).enumerate() {
        let envelope = TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(to_napi)?;
        let place =
            ReceiptPlace { block_number: number, block_hash: hash, index: index as u32, first_log_index, to: envelope.to(), tx_type: envelope.tx_type() as u8 };
        let view = receipt_view(receipt, &place)?;
        first_log_index += view.logs.len() as u64;
        out.push(view);
    }
    Ok(out)
}

#[napi(object)]
pub struct RpcAccessListItem {
    pub address: String,
    pub storage_keys: Vec<String>,
}

/// One EIP-7702 authorization as geth's RPC shows it (and as eth_call / eth_estimateGas take it).
#[napi(object)]
pub struct RpcAuthorization {
    pub chain_id: String,
    pub address: String,
    pub nonce: String,
    pub y_parity: String,
    pub r: String,
    pub s: String,
}

pub(crate) fn authorization_view(auth: &alloy_eips::eip7702::SignedAuthorization) -> RpcAuthorization {
    RpcAuthorization {
        chain_id: q(auth.chain_id),
        address: addr(auth.address),
        nonce: q(auth.nonce),
        y_parity: q(auth.y_parity()),
        r: q(auth.r()),
        s: q(auth.s()),
    }
}

#[napi(object)]
pub struct RpcTransactionView {
    pub hash: String,
    #[napi(js_name = "type")]
    pub tx_type: String,
    pub chain_id: Option<String>,
    pub nonce: String,
    pub from: String,
    #[napi(ts_type = "string | null")]
    pub to: Nullable<String>,
    pub gas: String,
    /// For EIP-1559 transactions in a block: the effective gas price paid.
    pub gas_price: String,
    pub max_fee_per_gas: Option<String>,
    pub max_priority_fee_per_gas: Option<String>,
    pub value: String,
    pub input: String,
    pub access_list: Option<Vec<RpcAccessListItem>>,
    /// EIP-7702 transactions only.
    pub authorization_list: Option<Vec<RpcAuthorization>>,
    pub v: String,
    pub r: String,
    pub s: String,
    pub y_parity: Option<String>,
    /// null in the pending block.
    #[napi(ts_type = "string | null")]
    pub block_hash: Nullable<String>,
    pub block_number: String,
    pub transaction_index: String,
}

/// Where a transaction sits; `block_hash` None in the pending block.
pub(crate) struct TxPlace {
    pub block_hash: Option<B256>,
    pub block_number: u64,
    pub index: u32,
    /// The block's base fee, for the effective gas price.
    pub base_fee: u64,
}

pub(crate) fn transaction_record_view(tx: &TxRecord, base_fee: u64) -> RpcTransactionView {
    transaction_view(&tx.envelope, tx.sender, &TxPlace { block_hash: Some(tx.block_hash), block_number: tx.block_number, index: tx.index, base_fee })
}

pub(crate) fn transaction_view(envelope: &TxEnvelope, sender: Address, place: &TxPlace) -> RpcTransactionView {
    let base_fee = place.base_fee;
    let signature = envelope.signature();
    let is_legacy = matches!(envelope, TxEnvelope::Legacy(_));
    let v = if is_legacy {
        // EIP-155: v = parity + 35 + 2 * chainId (27/28 without a chain id).
        match envelope.chain_id() {
            Some(id) => q(signature.v() as u64 + 35 + 2 * id),
            None => q(signature.v() as u64 + 27),
        }
    } else {
        q(signature.v() as u8)
    };
    RpcTransactionView {
        hash: data(envelope.tx_hash()),
        tx_type: q(envelope.tx_type() as u8),
        chain_id: envelope.chain_id().map(q),
        nonce: q(envelope.nonce()),
        from: addr(sender),
        to: nullable(envelope.to().map(addr)),
        gas: q(envelope.gas_limit()),
        gas_price: q(envelope.effective_gas_price(Some(base_fee))),
        max_fee_per_gas: envelope.is_dynamic_fee().then(|| q(envelope.max_fee_per_gas())),
        max_priority_fee_per_gas: envelope.max_priority_fee_per_gas().filter(|_| envelope.is_dynamic_fee()).map(q),
        value: q(envelope.value()),
        input: data(envelope.input()),
        access_list: envelope.access_list().map(|list| {
            list.iter().map(|item| RpcAccessListItem { address: addr(item.address), storage_keys: item.storage_keys.iter().map(data).collect() }).collect()
        }),
        authorization_list: envelope.authorization_list().map(|list| list.iter().map(authorization_view).collect()),
        v,
        r: q(signature.r()),
        s: q(signature.s()),
        y_parity: (!is_legacy).then(|| q(signature.v() as u8)),
        block_hash: nullable(place.block_hash.map(data)),
        block_number: q(place.block_number),
        transaction_index: q(place.index),
    }
}

/// A block just built or verified: its header as RPC shows it, its receipts, and what was left out.
#[napi(object)]
pub struct ExecutedBlock {
    pub header: RpcBlockView,
    pub hash: String,
    pub state_root: String,
    pub transactions_root: String,
    pub receipts_root: String,
    pub logs_bloom: String,
    pub gas_used: String,
    pub base_fee_per_gas: String,
    /// Included raw transactions, in block order (0x-hex).
    pub transactions: Vec<String>,
    pub receipts: Vec<RpcReceiptView>,
    pub rejected: Vec<BlockRejection>,
    /// Where the time went (metrics only; not part of the block).
    pub timings: BlockTimings,
}

/// Microseconds spent per phase of a block.
#[napi(object)]
pub struct BlockTimings {
    pub decode_us: u32,
    pub execute_us: u32,
    /// The incremental state root, and beside it receipts, transactions and receipts roots, block encodings.
    pub roots_us: u32,
    /// The redb write transaction (fsync included) and the in-memory update.
    pub commit_us: u32,
}

/// A transaction left out of a built block. `code` is stable: seq-tx's decode codes ('MalformedRlp',
/// 'WrongChainId', ...) or the executor's ('NonceTooLow', 'NonceTooHigh', 'InsufficientFunds',
/// 'IntrinsicGasTooLow', 'GasLimitExceedsBlock', 'FeeCapBelowBaseFee', 'TipAboveFeeCap', 'SenderNotEoa',
/// 'InitCodeTooLarge', 'UnsupportedType', ...).
#[napi(object)]
pub struct BlockRejection {
    /// Position in the input list.
    pub index: u32,
    pub hash: String,
    pub code: String,
    pub message: String,
}

pub(crate) fn executed_view(block: &AppliedBlock) -> napi::Result<ExecutedBlock> {
    let tx_hashes: Vec<B256> = block.receipts.iter().map(|r| r.tx_hash).collect();
    let header = &block.header;
    let size = 0; // not needed by producers; getBlockByNumber reports the real size
    Ok(ExecutedBlock {
        header: block_view(header, block.hash, &tx_hashes, size),
        hash: data(block.hash),
        state_root: data(header.state_root),
        transactions_root: data(header.transactions_root),
        receipts_root: data(header.receipts_root),
        logs_bloom: data(header.logs_bloom),
        gas_used: q(header.gas_used),
        base_fee_per_gas: q(header.base_fee_per_gas.unwrap_or_default()),
        transactions: block.transactions.iter().map(data).collect(),
        receipts: block_receipts_view(header.number, Some(block.hash), &block.transactions, &block.receipts)?,
        rejected: block
            .rejected
            .iter()
            .map(|r| BlockRejection { index: r.index as u32, hash: data(r.hash), code: r.code.to_string(), message: r.message.clone() })
            .collect(),
        timings: BlockTimings {
            decode_us: block.timings.decode_us.min(u32::MAX as u64) as u32,
            execute_us: block.timings.execute_us.min(u32::MAX as u64) as u32,
            roots_us: block.timings.roots_us.min(u32::MAX as u64) as u32,
            commit_us: block.timings.commit_us.min(u32::MAX as u64) as u32,
        },
    })
}

pub(crate) fn sealed_view(block: &SealedBlock) -> SealedBlockInput {
    SealedBlockInput {
        number: block.number.into(),
        parent_hash: data(block.parent_hash),
        hash: data(block.hash),
        state_root: data(block.state_root),
        transactions_root: data(block.transactions_root),
        receipts_root: data(block.receipts_root),
        env: BlockEnvInput {
            number: Some(block.number.into()),
            timestamp: block.env.timestamp.into(),
            beneficiary: addr(block.env.beneficiary),
            gas_limit: Some(block.env.gas_limit.into()),
            base_fee_per_gas: block.env.base_fee.map(Into::into),
            prevrandao: block.env.prevrandao.map(data),
            extra_data: Some(data(&block.env.extra_data)),
        },
        transactions: block.transactions.iter().map(data).collect(),
    }
}

/// Core errors surface as JS errors whose message starts with the stable code: "RootMismatch: ...".
pub(crate) fn to_napi(error: impl Into<ChainErrorLike>) -> napi::Error {
    let error = error.into();
    napi::Error::new(napi::Status::GenericFailure, format!("{}: {}", error.0, error.1))
}

pub(crate) struct ChainErrorLike(pub &'static str, pub String);

impl From<seq_chain::ChainError> for ChainErrorLike {
    fn from(error: seq_chain::ChainError) -> Self {
        Self(error.code(), error.to_string())
    }
}

impl From<alloy_eips::eip2718::Eip2718Error> for ChainErrorLike {
    fn from(error: alloy_eips::eip2718::Eip2718Error) -> Self {
        Self("StoreFailure", error.to_string())
    }
}

/// A pooled (not yet included) raw transaction as eth_getTransactionByHash shows it, from the same decoder and view
/// as stored ones, so any transaction the pool admitted has a view (ethers' parser refuses, e.g., an EIP-7702
/// authorization with a high s, which the EVM merely skips). Block fields are the caller's to null; `gasPrice` is
/// the fee cap (no base fee applies yet).
#[napi]
pub fn pooled_transaction_view(raw: napi::bindgen_prelude::Buffer, sender: String) -> napi::Result<RpcTransactionView> {
    use alloy_eips::eip2718::Decodable2718;
    let envelope = TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(to_napi)?;
    let sender = super::inputs::address(&sender)?;
    let mut view = transaction_view(&envelope, sender, &TxPlace { block_hash: None, block_number: 0, index: 0, base_fee: 0 });
    view.gas_price = q(envelope.max_fee_per_gas());
    Ok(view)
}
