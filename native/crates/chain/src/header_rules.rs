//! The rules every block header must meet against its parent, checked for blocks from peers and for blocks this
//! host builds. All but the future bound are objective (a function of parent and child alone), so a sealed block
//! that breaks one is self-contained evidence against its sequencer.
use alloy_consensus::Header;
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{keccak256, B256};

/// Longest extraData accepted (Ethereum's MAXIMUM_EXTRA_DATA_SIZE).
pub const MAX_EXTRA_DATA: usize = 32;
/// A gas limit may move by strictly less than parent / 1024 per block (Ethereum's GAS_LIMIT_BOUND_DIVISOR).
pub const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderRules {
    /// How far past the local clock a block's timestamp may be, in seconds (local: not evidence).
    pub max_future_secs: u64,
    /// Bounds of any block's gas limit; every host of a chain must use the same ones.
    pub min_gas_limit: u64,
    pub max_gas_limit: u64,
}

impl Default for HeaderRules {
    fn default() -> Self {
        // 15 s is geth's allowed future block time; 5,000 is Ethereum's minimum gas limit; 2^31 leaves room for
        // 70x the usual 30M while keeping gas arithmetic far from any overflow.
        Self { max_future_secs: 15, min_gas_limit: 5_000, max_gas_limit: 1 << 31 }
    }
}

/// The header fields a producer chooses, as the rules see them.
#[derive(Clone, Copy, Debug)]
pub struct ChildFields<'a> {
    pub timestamp: u64,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub prevrandao: B256,
    pub extra_data: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("header rule {rule}: {message}")]
pub struct HeaderViolation {
    /// Stable name: timestamp-before-parent, timestamp-in-future, gas-limit-step, gas-limit-bounds, base-fee,
    /// prevrandao, extra-data.
    pub rule: &'static str,
    pub message: String,
}

fn violation(rule: &'static str, message: String) -> HeaderViolation {
    HeaderViolation { rule, message }
}

/// EIP-1559 base fee of the block after `parent`.
pub fn expected_base_fee(parent: &Header) -> u64 {
    parent.next_block_base_fee(BaseFeeParams::ethereum()).unwrap_or_default()
}

/// prevrandao of the block after the one hashed `parent_hash`: nobody can choose it.
pub fn expected_prevrandao(parent_hash: B256) -> B256 {
    keccak256(parent_hash)
}

/// Largest gas-limit change allowed after a parent limit of `parent` (strictly below parent / 1024).
pub fn gas_limit_step(parent: u64) -> u64 {
    (parent / GAS_LIMIT_BOUND_DIVISOR).saturating_sub(1)
}

/// The gas limit a producer uses to move from `parent` toward `target` (0: keep the parent's) within the rules.
pub fn gas_limit_toward(parent: u64, target: u64, rules: &HeaderRules) -> u64 {
    let target = if target == 0 { parent } else { target.clamp(rules.min_gas_limit, rules.max_gas_limit) };
    let step = gas_limit_step(parent);
    let moved = if target > parent { parent.saturating_add(step).min(target) } else { parent.saturating_sub(step).max(target) };
    moved.clamp(rules.min_gas_limit, rules.max_gas_limit)
}

/// Every rule that depends on parent and child alone.
pub fn check_objective(parent: &Header, parent_hash: B256, child: &ChildFields<'_>, rules: &HeaderRules) -> Result<(), HeaderViolation> {
    if child.timestamp < parent.timestamp {
        return Err(violation("timestamp-before-parent", format!("timestamp {} is before the parent's {}", child.timestamp, parent.timestamp)));
    }
    let change = child.gas_limit.abs_diff(parent.gas_limit);
    if change > gas_limit_step(parent.gas_limit) {
        return Err(violation(
            "gas-limit-step",
            format!("gas limit {} moves {change} from the parent's {}; the most is {}", child.gas_limit, parent.gas_limit, gas_limit_step(parent.gas_limit)),
        ));
    }
    if child.gas_limit < rules.min_gas_limit || child.gas_limit > rules.max_gas_limit {
        return Err(violation("gas-limit-bounds", format!("gas limit {} is outside [{}, {}]", child.gas_limit, rules.min_gas_limit, rules.max_gas_limit)));
    }
    let base_fee = expected_base_fee(parent);
    if child.base_fee != base_fee {
        return Err(violation("base-fee", format!("base fee {} is not the EIP-1559 value {base_fee}", child.base_fee)));
    }
    let prevrandao = expected_prevrandao(parent_hash);
    if child.prevrandao != prevrandao {
        return Err(violation("prevrandao", format!("prevrandao {} is not keccak256(parent hash) {prevrandao}", child.prevrandao)));
    }
    if child.extra_data.len() > MAX_EXTRA_DATA {
        return Err(violation("extra-data", format!("extraData is {} bytes; the most is {MAX_EXTRA_DATA}", child.extra_data.len())));
    }
    Ok(())
}

/// The local rule: a timestamp at most `max_future_secs` past `now` (seconds).
pub fn check_not_future(timestamp: u64, now: u64, rules: &HeaderRules) -> Result<(), HeaderViolation> {
    let latest = now.saturating_add(rules.max_future_secs);
    if timestamp > latest {
        return Err(violation("timestamp-in-future", format!("timestamp {timestamp} is past the local clock {now} + {} s", rules.max_future_secs)));
    }
    Ok(())
}

/// Seconds since the Unix epoch by the system clock (0 if the clock is before 1970).
pub fn system_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
