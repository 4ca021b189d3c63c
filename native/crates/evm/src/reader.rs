use alloy_primitives::{Address, B256, U256};
use revm::{bytecode::Bytecode, state::AccountInfo};

/// Where execution reads committed state from: the chain's latest state or a recent historical one.
/// Implementations must be consistent for the duration of one block or call.
pub trait StateReader {
    /// The account (its `code` may be left `None`; code is then read by hash).
    fn account(&self, address: Address) -> Result<Option<AccountInfo>, ReadError>;
    fn storage(&self, address: Address, slot: U256) -> Result<U256, ReadError>;
    fn code(&self, code_hash: B256) -> Result<Bytecode, ReadError>;
    /// Hash of an earlier block, for BLOCKHASH (the EVM only asks for the last 256).
    fn block_hash(&self, number: u64) -> Result<B256, ReadError>;
}

/// The store could not be read: fatal for the block or call, never a transaction's fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("state read failed: {0}")]
pub struct ReadError(pub String);

impl revm::database_interface::DBErrorMarker for ReadError {}
