use alloy_primitives::B256;
use seq_evm::Rejection;

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("{0}")]
    Genesis(String),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] seq_store::StoreError),
    #[error(transparent)]
    Read(#[from] seq_evm::ReadError),
    #[error("execution failed: {0}")]
    Execution(String),
    #[error("state trie: {0}")]
    Trie(String),
    #[error("transaction {index} ({hash}) is invalid: {}", .rejection.message)]
    InvalidTransaction { index: usize, hash: B256, rejection: Rejection },
    #[error("{field} mismatch: block says {expected}, re-execution gives {actual}")]
    Mismatch { field: &'static str, expected: String, actual: String },
    #[error("block {requested} is not available (head {head}, history kept for {window} blocks)")]
    StateUnavailable { requested: u64, head: u64, window: u64 },
    #[error("the pending block was built on block {parent}, which is no longer readable (head {head})")]
    PendingStale { parent: u64, head: u64 },
    #[error(transparent)]
    Call(#[from] seq_evm::CallError),
    #[error(transparent)]
    Header(#[from] crate::header_rules::HeaderViolation),
}

impl ChainError {
    /// Stable machine-readable code for the napi boundary.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Genesis(_) => "InvalidGenesis",
            Self::Input(_) => "InvalidInput",
            Self::Store(_) | Self::Read(_) => "StoreFailure",
            Self::Execution(_) => "ExecutionFailure",
            Self::Trie(_) => "StateFailure",
            Self::InvalidTransaction { .. } => "InvalidTransaction",
            Self::Mismatch { .. } => "RootMismatch",
            Self::StateUnavailable { .. } => "StateUnavailable",
            Self::PendingStale { .. } => "PendingStale",
            Self::Call(seq_evm::CallError::GasExceedsAllowance(_)) => "GasExceedsAllowance",
            Self::Call(seq_evm::CallError::GasAboveCap { .. }) => "GasAboveCap",
            Self::Call(seq_evm::CallError::Timeout(_)) => "ExecutionTimeout",
            // The executor's rejection code (InsufficientFunds, IntrinsicGasTooLow, FeeCapBelowBaseFee, ...).
            Self::Call(seq_evm::CallError::Invalid(rejection)) => rejection.code,
            Self::Call(_) => "CallFailed",
            Self::Header(_) => "InvalidHeader",
        }
    }
}
