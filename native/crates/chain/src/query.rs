//! Reads: state at the head or a recent block, blocks, receipts, transactions.
use alloy_consensus::{Header, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, Bytes, B256, U256};
use seq_evm::{BlockInput, CallLimits, CallOutcome, CallRequest, StateReader};
use seq_store::{AccountRecord, StoreReader};

use crate::block::{self, BlockEnv, SealedBlock, StoredReceipt};
use crate::flat::{Flat, StateView};
use crate::{Chain, ChainError};

/// A stored block with its transactions.
#[derive(Clone, Debug)]
pub struct BlockRecord {
    pub header: Header,
    pub hash: B256,
    pub transactions: Vec<Bytes>,
    pub tx_hashes: Vec<B256>,
    /// Size of the RLP-encoded block (header, transactions, no ommers, no withdrawals).
    pub size: u64,
}

/// A stored transaction and where it is.
#[derive(Clone, Debug)]
pub struct TxRecord {
    pub envelope: TxEnvelope,
    pub raw: Bytes,
    pub sender: Address,
    pub block_number: u64,
    pub block_hash: B256,
    pub index: u32,
}

/// A stored receipt and its position, with what JSON-RPC shows beside it.
#[derive(Clone, Debug)]
pub struct ReceiptRecord {
    pub receipt: StoredReceipt,
    pub to: Option<Address>,
    pub tx_type: u8,
    pub block_number: u64,
    pub block_hash: B256,
    pub index: u32,
    /// Index in the block of this receipt's first log.
    pub first_log_index: u64,
}

impl Chain {
    pub fn latest_number(&self) -> u64 {
        self.flat().head.number
    }

    /// Runs `f` on the state after block `at` (`None`: the head), if that state is still kept.
    fn with_state<T>(&self, at: Option<u64>, f: impl FnOnce(&StateView<'_>, &Flat) -> Result<T, ChainError>) -> Result<T, ChainError> {
        let flat = self.flat();
        let head = flat.head.number;
        let at = at.unwrap_or(head);
        if at > head || at < flat.oldest_readable() {
            return Err(ChainError::StateUnavailable { requested: at, head, window: self.options().history });
        }
        let reader = self.store().reader()?;
        let view = StateView { flat: &flat, store: &reader, at };
        f(&view, &flat)
    }

    pub fn account(&self, address: Address, at: Option<u64>) -> Result<Option<AccountRecord>, ChainError> {
        self.with_state(at, |view, _| Ok(view.record(address)))
    }

    pub fn code(&self, address: Address, at: Option<u64>) -> Result<Bytes, ChainError> {
        self.with_state(at, |view, _| match view.record(address) {
            Some(record) if record.code_hash != seq_state::KECCAK_EMPTY => Ok(view.code(record.code_hash)?.original_bytes()),
            _ => Ok(Bytes::new()),
        })
    }

    pub fn storage(&self, address: Address, slot: U256, at: Option<u64>) -> Result<U256, ChainError> {
        self.with_state(at, |view, _| Ok(view.storage(address, slot)?))
    }

    pub fn call(&self, request: &CallRequest, at: Option<u64>, limits: &CallLimits) -> Result<CallOutcome, ChainError> {
        let input = self.call_input(at)?;
        self.with_state(at, |view, _| Ok(seq_evm::call(view, &input, request, limits)?))
    }

    pub fn estimate_gas(&self, request: &CallRequest, at: Option<u64>, limits: &CallLimits) -> Result<CallOutcome, ChainError> {
        let input = self.call_input(at)?;
        self.with_state(at, |view, _| Ok(seq_evm::estimate_gas(view, &input, request, limits)?))
    }

    /// Calls run in the context of the block whose state they read (as geth's eth_call).
    fn call_input(&self, at: Option<u64>) -> Result<BlockInput, ChainError> {
        let header = match at {
            None => self.flat().head.clone(),
            Some(number) => {
                self.header(number)?.ok_or(ChainError::StateUnavailable { requested: number, head: self.latest_number(), window: self.options().history })?
            }
        };
        Ok(BlockInput {
            number: header.number,
            timestamp: header.timestamp,
            beneficiary: header.beneficiary,
            gas_limit: header.gas_limit,
            base_fee: header.base_fee_per_gas.unwrap_or_default(),
            prevrandao: header.mix_hash,
            chain_id: self.chain_id(),
            fork: self.fork_at(header.timestamp),
            parent_hash: header.parent_hash,
        })
    }

    fn reader(&self) -> Result<StoreReader, ChainError> {
        Ok(self.store().reader()?)
    }

    pub fn header(&self, number: u64) -> Result<Option<Header>, ChainError> {
        self.reader()?.header(number)?.map(|rlp| block::decode_header(&rlp)).transpose()
    }

    pub fn block_number_of(&self, hash: B256) -> Result<Option<u64>, ChainError> {
        Ok(self.reader()?.block_number(hash)?)
    }

    pub fn block(&self, number: u64) -> Result<Option<BlockRecord>, ChainError> {
        let reader = self.reader()?;
        let (Some(header_rlp), Some(body)) = (reader.header(number)?, reader.body(number)?) else { return Ok(None) };
        let header = block::decode_header(&header_rlp)?;
        let transactions = block::decode_body(&body)?;
        let tx_hashes = transactions.iter().map(alloy_primitives::keccak256).collect();
        let size = block::block_size(header_rlp.len(), &transactions);
        Ok(Some(BlockRecord { hash: alloy_primitives::keccak256(&header_rlp), header, transactions, tx_hashes, size }))
    }

    pub fn block_by_hash(&self, hash: B256) -> Result<Option<BlockRecord>, ChainError> {
        match self.block_number_of(hash)? {
            Some(number) => self.block(number),
            None => Ok(None),
        }
    }

    /// The block as followers receive it, for catch-up.
    pub fn sealed_block(&self, number: u64) -> Result<Option<SealedBlock>, ChainError> {
        let Some(record) = self.block(number)? else { return Ok(None) };
        let h = &record.header;
        Ok(Some(SealedBlock {
            number,
            parent_hash: h.parent_hash,
            env: BlockEnv {
                number: Some(number),
                timestamp: h.timestamp,
                beneficiary: h.beneficiary,
                gas_limit: h.gas_limit,
                base_fee: h.base_fee_per_gas,
                prevrandao: Some(h.mix_hash),
                extra_data: h.extra_data.clone(),
            },
            transactions: record.transactions,
            hash: record.hash,
            state_root: h.state_root,
            transactions_root: h.transactions_root,
            receipts_root: h.receipts_root,
        }))
    }

    pub fn receipts(&self, number: u64) -> Result<Option<Vec<StoredReceipt>>, ChainError> {
        self.reader()?.receipts(number)?.map(|bytes| block::decode_receipts(&bytes)).transpose()
    }

    pub fn transaction(&self, hash: B256) -> Result<Option<TxRecord>, ChainError> {
        let reader = self.reader()?;
        let Some((number, index)) = reader.tx_location(hash)? else { return Ok(None) };
        let body = block::decode_body(&reader.body(number)?.unwrap_or_default())?;
        let receipts = block::decode_receipts(&reader.receipts(number)?.unwrap_or_default())?;
        let header_rlp = reader.header(number)?.unwrap_or_default();
        let (Some(raw), Some(receipt)) = (body.get(index as usize), receipts.get(index as usize)) else {
            return Err(ChainError::Execution(format!("tx index points past block {number}")));
        };
        let envelope = TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(|e| ChainError::Execution(e.to_string()))?;
        Ok(Some(TxRecord {
            envelope,
            raw: raw.clone(),
            sender: receipt.sender,
            block_number: number,
            block_hash: alloy_primitives::keccak256(header_rlp),
            index,
        }))
    }

    pub fn receipt(&self, hash: B256) -> Result<Option<ReceiptRecord>, ChainError> {
        let Some(tx) = self.transaction(hash)? else { return Ok(None) };
        let receipts = self.receipts(tx.block_number)?.unwrap_or_default();
        let mut first_log_index = 0u64;
        for earlier in &receipts[..tx.index as usize] {
            first_log_index += earlier.consensus()?.logs().len() as u64;
        }
        use alloy_consensus::Transaction;
        Ok(Some(ReceiptRecord {
            receipt: receipts[tx.index as usize].clone(),
            to: tx.envelope.to(),
            tx_type: tx.envelope.tx_type() as u8,
            block_number: tx.block_number,
            block_hash: tx.block_hash,
            index: tx.index,
            first_log_index,
        }))
    }
}
