//! The sequencer's embedded store on redb (ACID, crash-safe): flat state (accounts with their storage roots,
//! storage slots, code), blocks (header + body), receipts, the transaction index and the change sets of recent
//! blocks. A block is written in one write transaction: after a crash the store reopens at the last whole block.
//!
//! Bytes in, bytes out: headers, bodies and receipts arrive encoded; this crate knows no consensus types.
mod codec;
mod error;
mod reader;
mod store;

pub use codec::{AccountRecord, ChangeSet};
pub use error::StoreError;
pub use reader::{BlockEntryCounts, StoreReader};
pub use store::{BlockWrite, PruneWrite, RewindWrite, StagedBlock, Store};
