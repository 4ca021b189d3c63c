//! An executed but uncommitted block kept as a readable layer over the state it ran on: the pending block that
//! eth_call and eth_estimateGas with "pending" read. Nothing here ever reaches the store.
use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use revm::{bytecode::Bytecode, primitives::KECCAK_EMPTY, state::AccountInfo};
use seq_tx::RecoveredTx;

use crate::{execute_block, AccountState, BlockExecution, BlockInput, ExecError, Mode, ReadError, StateDiff, StateReader};

#[derive(Clone, Copy, Debug)]
struct LayerAccount {
    /// None: the block removed the account.
    state: Option<AccountState>,
    /// Every slot the account had before the block is gone.
    wiped: bool,
}

/// A block's changes, indexed for reads.
#[derive(Debug, Default)]
pub struct StateLayer {
    accounts: HashMap<Address, LayerAccount>,
    storage: HashMap<(Address, U256), U256>,
    codes: HashMap<B256, Bytecode>,
}

impl StateLayer {
    pub fn new(diff: StateDiff) -> Self {
        let mut layer = Self::default();
        for account in diff.accounts {
            layer.accounts.insert(account.address, LayerAccount { state: account.after, wiped: account.storage_wiped });
            for (slot, _, after) in account.storage {
                layer.storage.insert((account.address, slot), after);
            }
        }
        layer.codes.extend(diff.codes);
        layer
    }

    /// Accounts the layer changed.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// This layer read over `base`: what the state is after the block.
    pub fn over<'a, R: StateReader + ?Sized>(&'a self, base: &'a R) -> Layered<'a, R> {
        Layered { layer: self, base }
    }
}

/// The result of running the pending transactions: the layer, and what was included or left out.
#[derive(Debug)]
pub struct PendingExecution {
    pub layer: StateLayer,
    /// Indices (into the input) of the transactions that made it in, in order.
    pub included: Vec<usize>,
    pub rejected: Vec<crate::RejectedTx>,
    /// One per included transaction, in block order (gas used, cumulative gas, logs), as a built block's.
    pub receipts: Vec<crate::TxReceipt>,
    pub gas_used: u64,
}

/// Runs `txs` as the sequencer would build block `block` on `reader` (invalid ones and those past the block's gas
/// are left out, never failing the rest) and keeps the changes as a layer instead of committing them.
pub fn execute_pending<R: StateReader + ?Sized>(reader: &R, block: &BlockInput, txs: &[RecoveredTx]) -> Result<PendingExecution, ExecError> {
    let BlockExecution { included, receipts, rejected, gas_used, diff } = execute_block(reader, block, txs, Mode::Build)?;
    Ok(PendingExecution { layer: StateLayer::new(diff), included, rejected, receipts, gas_used })
}

/// A [`StateLayer`] over the state it was executed on.
pub struct Layered<'a, R: StateReader + ?Sized> {
    layer: &'a StateLayer,
    base: &'a R,
}

impl<R: StateReader + ?Sized> StateReader for Layered<'_, R> {
    fn account(&self, address: Address) -> Result<Option<AccountInfo>, ReadError> {
        match self.layer.accounts.get(&address) {
            Some(account) => {
                Ok(account.state.map(|s| AccountInfo { nonce: s.nonce, balance: s.balance, code_hash: s.code_hash, code: None, ..Default::default() }))
            }
            None => self.base.account(address),
        }
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, ReadError> {
        if let Some(value) = self.layer.storage.get(&(address, slot)) {
            return Ok(*value);
        }
        match self.layer.accounts.get(&address) {
            Some(account) if account.wiped || account.state.is_none() => Ok(U256::ZERO),
            _ => self.base.storage(address, slot),
        }
    }

    fn code(&self, code_hash: B256) -> Result<Bytecode, ReadError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        match self.layer.codes.get(&code_hash) {
            Some(code) => Ok(code.clone()),
            None => self.base.code(code_hash),
        }
    }

    fn block_hash(&self, number: u64) -> Result<B256, ReadError> {
        self.base.block_hash(number)
    }
}
