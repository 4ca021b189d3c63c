use thiserror::Error;

/// Every way an MPC protocol step can fail. Messages are short; the host adds session context.
#[derive(Debug, Error)]
pub enum MpcError {
    /// Parameters rejected before any message was exchanged.
    #[error("bad parameters: {0}")]
    BadParameters(String),
    /// A peer's message could not be decoded; the message was not applied.
    #[error("malformed message from party {from}: {reason}")]
    MalformedMessage { from: u32, reason: String },
    /// The protocol detected inconsistent data (wrong share, tampered message, different digest).
    #[error("protocol failed: {0}")]
    Protocol(String),
    /// A key share that does not parse or does not hold together.
    #[error("invalid key share: {0}")]
    InvalidShare(String),
    /// A presignature may be used once; this one already was.
    #[error("presignature already consumed")]
    PresignatureConsumed,
    /// The protocol has already returned its output.
    #[error("protocol already finished")]
    Finished,
}

pub type Result<T> = std::result::Result<T, MpcError>;
