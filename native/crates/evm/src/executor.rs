//! Runs a block's transactions in order with revm (the block's fork) over a [`BlockState`], after the pre-block
//! system call the fork asks for (EIP-2935's parent-hash write, Prague on).
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, Bytes, Log, B256};
use revm::{
    context::{
        result::{EVMError, ExecutionResult},
        ContextTr,
    },
    database_interface::DatabaseCommit,
    handler::ExecuteEvm,
};
use seq_tx::RecoveredTx;

use crate::env::build_evm;
use crate::{tx_env, tx_env::effective_gas_price, BlockInput, BlockState, ReadError, Rejection, StateDiff, StateReader};

/// Sequencer builds (invalid transactions are skipped); followers verify (any invalid transaction fails the block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Build,
    Verify,
}

/// One included transaction's result, with what its receipt needs.
#[derive(Clone, Debug)]
pub struct TxReceipt {
    pub hash: B256,
    pub sender: Address,
    pub tx_type: u8,
    pub success: bool,
    pub gas_used: u64,
    pub cumulative_gas_used: u64,
    pub logs: Vec<Log>,
    pub contract_address: Option<Address>,
    pub effective_gas_price: u128,
    pub output: Bytes,
}

#[derive(Clone, Debug)]
pub struct RejectedTx {
    /// Position in the input list.
    pub index: usize,
    pub hash: B256,
    pub rejection: Rejection,
}

#[derive(Debug)]
pub struct BlockExecution {
    /// Indices (into the input) of the included transactions, in block order.
    pub included: Vec<usize>,
    pub receipts: Vec<TxReceipt>,
    pub rejected: Vec<RejectedTx>,
    pub gas_used: u64,
    pub diff: StateDiff,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("transaction {index} ({hash}) is invalid: {}", .rejection.message)]
    InvalidTransaction { index: usize, hash: B256, rejection: Rejection },
    #[error("block environment rejected: {0}")]
    Env(String),
}

pub fn execute_block<R: StateReader + ?Sized>(reader: &R, block: &BlockInput, txs: &[RecoveredTx], mode: Mode) -> Result<BlockExecution, ExecError> {
    let mut evm = build_evm(BlockState::new(reader), block, |_| {});
    crate::system_calls::store_parent_hash(&mut evm, block)?;
    let mut out = BlockExecution {
        included: Vec::with_capacity(txs.len()),
        receipts: Vec::with_capacity(txs.len()),
        rejected: Vec::new(),
        gas_used: 0,
        diff: StateDiff::default(),
    };
    for (index, tx) in txs.iter().enumerate() {
        let rejection = match precheck(&tx.envelope, block.gas_limit - out.gas_used, block.fork) {
            Some(rejection) => Some(rejection),
            None => match evm.transact_one(tx_env(&tx.envelope, tx.sender)) {
                Ok(result) => {
                    let state = evm.finalize();
                    evm.ctx.db_mut().commit(state);
                    out.gas_used += result.tx_gas_used();
                    out.included.push(index);
                    out.receipts.push(receipt(tx, result, out.gas_used, block.base_fee));
                    None
                }
                Err(error) => {
                    // Drop whatever the journal holds for the failed transaction: nothing of it is applied.
                    let _ = evm.finalize();
                    match error {
                        EVMError::Transaction(invalid) => Some(Rejection::from_invalid(&invalid)),
                        EVMError::Database(read) => return Err(ExecError::Read(read)),
                        EVMError::Header(header) => return Err(ExecError::Env(header.to_string())),
                        other => return Err(ExecError::Env(other.to_string())),
                    }
                }
            },
        };
        if let Some(rejection) = rejection {
            if mode == Mode::Verify {
                return Err(ExecError::InvalidTransaction { index, hash: tx.hash, rejection });
            }
            out.rejected.push(RejectedTx { index, hash: tx.hash, rejection });
        }
    }
    out.diff = evm.ctx.db_mut().take_diff();
    Ok(out)
}

/// Checks revm does not make at block level: the remaining block gas, and types this chain does not carry (blob
/// transactions: the L2 has no blob data availability), or not yet (set-code before Prague).
fn precheck(envelope: &TxEnvelope, remaining_gas: u64, fork: crate::Fork) -> Option<Rejection> {
    let set_code_too_early = matches!(envelope, TxEnvelope::Eip7702(_)) && fork < crate::Fork::Prague;
    if matches!(envelope, TxEnvelope::Eip4844(_)) || set_code_too_early {
        return Some(Rejection::unsupported_type(envelope.tx_type() as u8));
    }
    (envelope.gas_limit() > remaining_gas).then(|| Rejection::block_gas_exhausted(envelope.gas_limit(), remaining_gas))
}

fn receipt(tx: &RecoveredTx, result: ExecutionResult, cumulative_gas_used: u64, base_fee: u64) -> TxReceipt {
    let gas_used = result.tx_gas_used();
    // As geth: a creation's receipt names the address whether or not the creation succeeded.
    let contract_address = tx.envelope.kind().is_create().then(|| tx.sender.create(tx.envelope.nonce()));
    let success = result.is_success();
    let (logs, output) = match result {
        ExecutionResult::Success { logs, output, .. } => (logs, output.into_data()),
        ExecutionResult::Revert { output, .. } => (Vec::new(), output),
        ExecutionResult::Halt { .. } => (Vec::new(), Bytes::new()),
    };
    TxReceipt {
        hash: tx.hash,
        sender: tx.sender,
        tx_type: tx.envelope.tx_type() as u8,
        success,
        gas_used,
        cumulative_gas_used,
        logs,
        contract_address,
        effective_gas_price: effective_gas_price(&tx.envelope, base_fee),
        output,
    }
}
