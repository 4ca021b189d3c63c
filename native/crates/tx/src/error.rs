use thiserror::Error;

/// Why a raw transaction was refused. Each variant has a stable [`TxError::code`] that crosses the napi
/// boundary unchanged, so hosts and RPC clients can match on it; the `Display` text is for people.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    #[error("empty transaction")]
    Empty,
    #[error("transaction is {size} bytes, more than the {max}-byte limit")]
    Oversize { size: usize, max: usize },
    #[error("malformed RLP: {0}")]
    MalformedRlp(String),
    #[error("unsupported transaction type 0x{0:02x}")]
    UnsupportedType(u8),
    #[error("legacy transaction without EIP-155 replay protection")]
    UnprotectedLegacy,
    #[error("wrong chain id: expected {expected}, got {got}")]
    WrongChainId { expected: u64, got: u64 },
    #[error("invalid signature: {0}")]
    BadSignature(&'static str),
    #[error("EIP-7702 transaction with empty auth list")]
    EmptyAuthorizationList,
    #[error("{count} authorizations, more than the pool's limit of {max}")]
    TooManyAuthorizations { count: usize, max: usize },
    #[error("authorization {index} is for chain {got}, not 0 or {expected}")]
    AuthorizationWrongChain { index: usize, expected: u64, got: String },
}

impl TxError {
    /// Stable machine-readable code (the variant name); never changes once published.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::Oversize { .. } => "Oversize",
            Self::MalformedRlp(_) => "MalformedRlp",
            Self::UnsupportedType(_) => "UnsupportedType",
            Self::UnprotectedLegacy => "UnprotectedLegacy",
            Self::WrongChainId { .. } => "WrongChainId",
            Self::BadSignature(_) => "BadSignature",
            Self::EmptyAuthorizationList => "EmptyAuthorizationList",
            Self::TooManyAuthorizations { .. } => "TooManyAuthorizations",
            Self::AuthorizationWrongChain { .. } => "AuthorizationWrongChain",
        }
    }
}
