/// Why a tree or proof could not be produced; `code()` is stable across the napi boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MerkleError {
    /// OpenZeppelin's tree has no root for zero leaves; a caller with an empty batch must decide itself.
    Empty,
    IndexOutOfRange {
        index: usize,
        len: usize,
    },
}

impl MerkleError {
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::IndexOutOfRange { .. } => "IndexOutOfRange",
        }
    }
}

impl std::fmt::Display for MerkleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "a Merkle tree needs at least one leaf"),
            Self::IndexOutOfRange { index, len } => write!(f, "leaf index {index} is out of range for {len} leaves"),
        }
    }
}

impl std::error::Error for MerkleError {}
