//! The pool's view of an EIP-7702 authorization list: bounded before any recovery, each entry for this chain (or
//! any chain, id 0), and each authority recovered so the pool can reserve it. None of this is a consensus rule: a
//! block may carry any non-empty list, and the EVM skips entries that do not recover or name another chain.
use alloy_primitives::{Address, U256};

use crate::{RecoveredTx, Transaction, TxError};

/// Most authorizations one pooled transaction may carry. Each one costs an ecrecover at admission and in every
/// host's execution; 64 is far above any wallet's use (one, sometimes a few) and keeps a 128 KiB transaction
/// from costing ~1,300 recoveries.
pub const MAX_POOL_AUTHORIZATIONS: usize = 64;

/// One authorization as the pool sees it; `authority` is None when no key recovers from its signature (the EVM
/// then skips it, so it reserves nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolAuthorization {
    pub chain_id: U256,
    pub address: Address,
    pub nonce: u64,
    pub authority: Option<Address>,
}

/// The authorizations of a set-code transaction (empty for other types), refused when more than `max` or when one
/// names a chain other than 0 or `chain_id`.
pub fn pool_authorizations(tx: &RecoveredTx, chain_id: u64, max: usize) -> Result<Vec<PoolAuthorization>, TxError> {
    let Some(list) = tx.envelope.authorization_list() else { return Ok(Vec::new()) };
    if list.len() > max {
        return Err(TxError::TooManyAuthorizations { count: list.len(), max });
    }
    if let Some((index, auth)) = list.iter().enumerate().find(|(_, a)| !a.chain_id.is_zero() && a.chain_id != U256::from(chain_id)) {
        return Err(TxError::AuthorizationWrongChain { index, expected: chain_id, got: auth.chain_id.to_string() });
    }
    Ok(list
        .iter()
        .map(|auth| PoolAuthorization { chain_id: auth.chain_id, address: auth.address, nonce: auth.nonce, authority: auth.recover_authority().ok() })
        .collect())
}
