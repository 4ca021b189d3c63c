//! The sequencer's L2 chain: genesis, block building (skipping invalid transactions) and verification
//! (re-execution with identical roots), atomic persistence in redb, and reads at the head, a recent block or the uncommitted pending block.
mod block;
mod chain;
mod decode;
mod error;
mod flat;
mod genesis;
pub mod header_rules;
mod pending;
mod prune;
mod query;
mod rewind;
mod startup;

pub use block::{receipt_logs, BlockEnv, SealedBlock, StoredReceipt};
pub use chain::{AppliedBlock, Chain, ChainOptions, Rejected, Timings};
pub use error::ChainError;
pub use genesis::{Genesis, GenesisAccount};
pub use header_rules::{HeaderRules, HeaderViolation};
pub use pending::{PendingBlock, PendingSummary};
pub use query::{BlockRecord, ReceiptRecord, TxRecord};

pub use alloy_consensus::{Header, TxEnvelope};
pub use seq_evm::{AccountState, CallLimits, CallOutcome, CallRequest, Fork, ForkSchedule};
pub use seq_store::{AccountRecord, BlockEntryCounts};
