/// What the sequencer admits: transactions for one chain, no larger than a byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodePolicy {
    pub chain_id: u64,
    /// Largest accepted EIP-2718 encoding in bytes (geth's txpool uses 128 KiB).
    pub max_size: usize,
}

impl DecodePolicy {
    /// geth's default `txMaxSize`: four 32 KiB slots.
    pub const DEFAULT_MAX_SIZE: usize = 128 * 1024;

    pub const fn new(chain_id: u64) -> Self {
        Self { chain_id, max_size: Self::DEFAULT_MAX_SIZE }
    }
}
