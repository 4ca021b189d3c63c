//! Block execution for the sequencer with revm under the chain's fork schedule (Cancun, Prague, Osaka): build mode skips
//! invalid transactions with a stable reason code, verify mode fails on the first; every change is returned as a
//! [`StateDiff`] for the state trie and the store, or kept as an uncommitted [`StateLayer`] (the pending block).
//! Also read-only calls and geth-style gas estimation.
mod call;
mod deadline;
mod env;
mod executor;
mod fork;
mod layer;
mod overlay;
mod reader;
mod rejection;
mod system_calls;
mod tx_env;

pub use call::{call, estimate_gas, revert_reason, CallError, CallLimits, CallOutcome, CallRequest, CALL_GAS_CAP, CALL_TIMEOUT};
pub use env::BlockInput;
pub use executor::{execute_block, BlockExecution, ExecError, Mode, RejectedTx, TxReceipt};
pub use fork::{Fork, ForkActivation, ForkSchedule, ForkScheduleError};
pub use layer::{execute_pending, Layered, PendingExecution, StateLayer};
pub use overlay::{AccountDiff, AccountState, BlockState, StateDiff};
pub use reader::{ReadError, StateReader};
pub use rejection::Rejection;
pub use tx_env::{effective_gas_price, tx_env};

pub use revm::{bytecode::Bytecode, state::AccountInfo};
