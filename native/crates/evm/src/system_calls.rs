//! The system calls a block makes before its first transaction. revm's handler makes none by itself; as alloy-evm's
//! block executor (and geth's `ProcessParentBlockHash`) we make EIP-2935's in both build and verify modes, so the
//! sequencer and every follower write the same history slot.
//!
//! EIP-4788 (beacon roots) is deliberately not called: the L2 has no beacon chain, its headers carry a zero
//! parent beacon root, and its genesis holds no beacon-roots contract (docs/evm.md).
use alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS;
use revm::{context::ContextTr, database_interface::DatabaseCommit, handler::ExecuteEvm, handler::SystemCallEvm, primitives::KECCAK_EMPTY};

use crate::env::Evm;
use crate::{BlockInput, BlockState, ExecError, Fork, StateReader};

/// Writes the parent's hash into the history contract (Prague on; not for genesis, which has no parent). Without code
/// at the contract's address the call would change nothing (EIP-2935), so it is skipped.
pub(crate) fn store_parent_hash<R: StateReader + ?Sized>(evm: &mut Evm<BlockState<'_, R>>, block: &BlockInput) -> Result<(), ExecError> {
    if block.fork < Fork::Prague || block.number == 0 {
        return Ok(());
    }
    let deployed = evm.ctx.db_mut().account(HISTORY_STORAGE_ADDRESS)?.is_some_and(|account| account.code_hash != KECCAK_EMPTY);
    if !deployed {
        return Ok(());
    }
    let outcome = evm.system_call_one(HISTORY_STORAGE_ADDRESS, block.parent_hash.0.into());
    let mut state = evm.finalize();
    outcome.map_err(|error| ExecError::Env(format!("EIP-2935 history call: {error}")))?;
    // As alloy-evm: the system caller and the beneficiary are only loaded by the call, never part of its effect.
    state.retain(|address, _| *address == HISTORY_STORAGE_ADDRESS);
    evm.ctx.db_mut().commit(state);
    Ok(())
}
