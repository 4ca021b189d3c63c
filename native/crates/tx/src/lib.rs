//! Transaction admission for the sequencer: decode raw EIP-2718 bytes with alloy, enforce the chain's
//! policy (chain id, size, supported types, EIP-155, EIP-2 low-s) and recover the sender, in parallel
//! for batches. Pure: no I/O, no clock.
mod authorities;
mod batch;
mod decode;
mod error;
mod policy;
mod recovered;

pub use authorities::{pool_authorizations, PoolAuthorization, MAX_POOL_AUTHORIZATIONS};
pub use batch::{decode_batch, decode_batch_with_senders};
pub use decode::{decode_and_recover, decode_with_sender};
pub use error::TxError;
pub use policy::DecodePolicy;
pub use recovered::RecoveredTx;

// Re-exported so dependants name the same alloy types without pinning versions themselves.
pub use alloy_consensus::{self, Transaction, TxEnvelope};
pub use alloy_primitives::{Address, B256};
