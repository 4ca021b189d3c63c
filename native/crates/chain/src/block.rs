//! Block assembly: roots, bloom, header, and the encodings the store keeps (body, receipts).
use alloy_consensus::{Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, TxType, EMPTY_OMMER_ROOT_HASH};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bloom, Bytes, Log, B256, B64, U256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use rayon::prelude::*;
use seq_evm::TxReceipt;
use seq_state::EMPTY_ROOT_HASH;

use crate::ChainError;

/// What the producer fixes for a block; everything else in the header is derived by execution. Base fee and
/// prevrandao default to the EIP-1559 successor of the parent's and to keccak(parent hash), so a follower
/// that sees only this can re-derive them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockEnv {
    /// When given, the block must be exactly this number (checked under the chain's write lock).
    pub number: Option<u64>,
    pub timestamp: u64,
    pub beneficiary: Address,
    pub gas_limit: u64,
    pub base_fee: Option<u64>,
    pub prevrandao: Option<B256>,
    pub extra_data: Bytes,
}

/// A block as it travels from the sequencer to followers: the environment, raw transactions and the claimed
/// results that re-execution must reproduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBlock {
    pub number: u64,
    pub parent_hash: B256,
    pub env: BlockEnv,
    pub transactions: Vec<Bytes>,
    pub hash: B256,
    pub state_root: B256,
    pub transactions_root: B256,
    pub receipts_root: B256,
}

/// A receipt as the store keeps it: the consensus receipt plus what JSON-RPC also shows.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct StoredReceipt {
    pub tx_hash: B256,
    /// EIP-2718 encoding of the consensus receipt (type byte + RLP), as hashed into the receipts root.
    pub envelope: Bytes,
    pub sender: Address,
    /// Empty, or the 20-byte created address.
    pub contract_address: Bytes,
    pub effective_gas_price: u128,
    pub gas_used: u64,
}

impl StoredReceipt {
    pub fn consensus(&self) -> Result<ReceiptEnvelope, ChainError> {
        ReceiptEnvelope::decode_2718(&mut self.envelope.as_ref()).map_err(|e| ChainError::Execution(format!("stored receipt: {e}")))
    }

    pub fn contract_address(&self) -> Option<Address> {
        (self.contract_address.len() == 20).then(|| Address::from_slice(&self.contract_address))
    }
}

pub(crate) struct Receipts {
    pub stored: Vec<StoredReceipt>,
    pub root: B256,
    pub bloom: Bloom,
}

pub(crate) fn build_receipts(receipts: &[TxReceipt]) -> Result<Receipts, ChainError> {
    let envelopes: Vec<ReceiptEnvelope> = receipts
        .par_iter()
        .map(|r| {
            let receipt = Receipt { status: Eip658Value::Eip658(r.success), cumulative_gas_used: r.cumulative_gas_used, logs: r.logs.clone() };
            let tx_type = TxType::try_from(r.tx_type).map_err(|e| ChainError::Execution(e.to_string()))?;
            Ok(ReceiptEnvelope::from_typed(tx_type, ReceiptWithBloom::from(receipt)))
        })
        .collect::<Result<_, ChainError>>()?;
    // Each receipt is encoded once: the same bytes are stored and hashed into the receipts root.
    let encoded: Vec<Bytes> = envelopes.par_iter().map(|e| Bytes::from(e.encoded_2718())).collect();
    let root = alloy_trie::root::ordered_trie_root_encoded(&encoded);
    let mut bloom = Bloom::ZERO;
    for envelope in &envelopes {
        bloom.accrue_bloom(envelope.logs_bloom());
    }
    let stored = encoded
        .into_par_iter()
        .zip(receipts)
        .map(|(envelope, r)| StoredReceipt {
            tx_hash: r.hash,
            envelope,
            sender: r.sender,
            contract_address: r.contract_address.map(|a| Bytes::copy_from_slice(a.as_slice())).unwrap_or_default(),
            effective_gas_price: r.effective_gas_price,
            gas_used: r.gas_used,
        })
        .collect();
    Ok(Receipts { stored, root, bloom })
}

/// The transactions root straight from the EIP-2718 bytes (what the trie's leaves are), without re-encoding.
pub(crate) fn transactions_root(raw: &[Bytes]) -> B256 {
    alloy_trie::root::ordered_trie_root_encoded(raw)
}

/// Size of the RLP-encoded block: rlp([header, transactions, ommers, withdrawals]), both lists empty here.
pub(crate) fn block_size(header_rlp_len: usize, transactions: &[Bytes]) -> u64 {
    let tx_list: usize = transactions.iter().map(|t| raw_tx_rlp_len(t)).sum();
    let payload = header_rlp_len + alloy_rlp::length_of_length(tx_list) + tx_list + 1 + 1;
    (alloy_rlp::length_of_length(payload) + payload) as u64
}

fn raw_tx_rlp_len(raw: &[u8]) -> usize {
    // Legacy transactions are RLP lists already; typed ones are wrapped as an RLP string.
    if raw.first().is_some_and(|b| *b >= 0xc0) {
        raw.len()
    } else {
        alloy_rlp::length_of_length(raw.len()) + raw.len()
    }
}

pub(crate) struct HeaderFields {
    pub parent_hash: B256,
    pub number: u64,
    pub beneficiary: Address,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub base_fee: u64,
    pub prevrandao: B256,
    pub extra_data: Bytes,
    pub state_root: B256,
    pub transactions_root: B256,
    pub receipts_root: B256,
    pub logs_bloom: Bloom,
}

/// A Cancun header (withdrawals, blob gas and beacon-root fields present, all empty on this chain).
pub(crate) fn header(f: HeaderFields) -> Header {
    Header {
        parent_hash: f.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: f.beneficiary,
        state_root: f.state_root,
        transactions_root: f.transactions_root,
        receipts_root: f.receipts_root,
        logs_bloom: f.logs_bloom,
        difficulty: U256::ZERO,
        number: f.number,
        gas_limit: f.gas_limit,
        gas_used: f.gas_used,
        timestamp: f.timestamp,
        extra_data: f.extra_data,
        mix_hash: f.prevrandao,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(f.base_fee),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: None,
        block_access_list_hash: None,
        slot_number: None,
    }
}

pub(crate) fn encode_header(header: &Header) -> Vec<u8> {
    alloy_rlp::encode(header)
}

pub(crate) fn decode_header(bytes: &[u8]) -> Result<Header, ChainError> {
    Header::decode(&mut &bytes[..]).map_err(|e| ChainError::Execution(format!("stored header: {e}")))
}

pub(crate) fn encode_body(raw: &[&[u8]]) -> Vec<u8> {
    let items: Vec<Bytes> = raw.iter().map(|r| Bytes::copy_from_slice(r)).collect();
    alloy_rlp::encode(&items)
}

pub(crate) fn decode_body(bytes: &[u8]) -> Result<Vec<Bytes>, ChainError> {
    Vec::<Bytes>::decode(&mut &bytes[..]).map_err(|e| ChainError::Execution(format!("stored body: {e}")))
}

pub(crate) fn encode_receipts(receipts: &[StoredReceipt]) -> Vec<u8> {
    let mut out = Vec::new();
    receipts.to_vec().encode(&mut out);
    out
}

pub(crate) fn decode_receipts(bytes: &[u8]) -> Result<Vec<StoredReceipt>, ChainError> {
    Vec::<StoredReceipt>::decode(&mut &bytes[..]).map_err(|e| ChainError::Execution(format!("stored receipts: {e}")))
}

/// Logs of a stored receipt, for the RPC views.
pub fn receipt_logs(receipt: &StoredReceipt) -> Result<Vec<Log>, ChainError> {
    Ok(receipt.consensus()?.logs().to_vec())
}
