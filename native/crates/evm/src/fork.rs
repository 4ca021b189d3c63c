//! Which EVM rules a block runs under: the chain's fork schedule, a list of `{fork, activation}` entries from the
//! genesis config. [`ForkSchedule::fork_at`] is the one place the producer, followers and calls ask.
use revm::primitives::hardfork::SpecId;

/// The forks this core can run, oldest first (the order is the activation order a schedule must keep).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    Cancun,
    Prague,
    Osaka,
}

impl Fork {
    /// What a new chain runs when its genesis names no schedule.
    pub const NEWEST: Fork = Fork::Osaka;
    pub const ALL: [Fork; 3] = [Fork::Cancun, Fork::Prague, Fork::Osaka];

    pub const fn spec_id(self) -> SpecId {
        match self {
            Fork::Cancun => SpecId::CANCUN,
            Fork::Prague => SpecId::PRAGUE,
            Fork::Osaka => SpecId::OSAKA,
        }
    }

    /// Most gas one transaction may carry: EIP-7825's 2^24 from Osaka on, otherwise only the block's limit.
    pub const fn tx_gas_cap(self) -> u64 {
        match self {
            Fork::Cancun | Fork::Prague => u64::MAX,
            Fork::Osaka => revm::primitives::eip7825::TX_GAS_LIMIT_CAP,
        }
    }

    /// Lower-case name, as genesis files and geth's t8n (capitalised) spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Fork::Cancun => "cancun",
            Fork::Prague => "prague",
            Fork::Osaka => "osaka",
        }
    }

    pub fn from_name(name: &str) -> Option<Fork> {
        Self::ALL.into_iter().find(|fork| fork.name().eq_ignore_ascii_case(name))
    }

    /// Stable one-byte id for the store's meta record.
    const fn id(self) -> u8 {
        match self {
            Fork::Cancun => 1,
            Fork::Prague => 2,
            Fork::Osaka => 3,
        }
    }

    fn from_id(id: u8) -> Option<Fork> {
        Self::ALL.into_iter().find(|fork| fork.id() == id)
    }
}

/// A fork and the block timestamp from which it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForkActivation {
    pub fork: Fork,
    pub timestamp: u64,
}

/// Forks by activation time: the first applies from genesis (timestamp 0), each later one from its timestamp on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkSchedule(Vec<ForkActivation>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fork schedule: {0}")]
pub struct ForkScheduleError(pub String);

impl ForkSchedule {
    /// One fork for the whole chain.
    pub fn single(fork: Fork) -> Self {
        Self(vec![ForkActivation { fork, timestamp: 0 }])
    }

    /// Refuses an empty schedule, one whose first entry does not start at 0, and one whose forks or timestamps do
    /// not both strictly increase (a fork never comes back, and no two share a start).
    pub fn new(entries: Vec<ForkActivation>) -> Result<Self, ForkScheduleError> {
        let first = entries.first().ok_or_else(|| ForkScheduleError("at least one fork is required".into()))?;
        if first.timestamp != 0 {
            return Err(ForkScheduleError(format!("the first fork ({}) must activate at 0, not {}", first.fork.name(), first.timestamp)));
        }
        for pair in entries.windows(2) {
            if pair[1].fork <= pair[0].fork || pair[1].timestamp <= pair[0].timestamp {
                return Err(ForkScheduleError(format!(
                    "{} at {} cannot follow {} at {}",
                    pair[1].fork.name(),
                    pair[1].timestamp,
                    pair[0].fork.name(),
                    pair[0].timestamp
                )));
            }
        }
        Ok(Self(entries))
    }

    pub fn entries(&self) -> &[ForkActivation] {
        &self.0
    }

    /// The fork a block with this timestamp runs under.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        self.0.iter().rev().find(|entry| entry.timestamp <= timestamp).map_or(self.0[0].fork, |entry| entry.fork)
    }

    /// Whether any block of this chain ever runs `fork` or later.
    pub fn reaches(&self, fork: Fork) -> bool {
        self.0.iter().any(|entry| entry.fork >= fork)
    }

    /// Fixed-width record (fork id, big-endian timestamp) per entry, for the store.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|entry| std::iter::once(entry.fork.id()).chain(entry.timestamp.to_be_bytes())).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ForkScheduleError> {
        if !bytes.len().is_multiple_of(9) {
            return Err(ForkScheduleError(format!("stored schedule has {} bytes, not a multiple of 9", bytes.len())));
        }
        let entries = bytes
            .chunks_exact(9)
            .map(|chunk| {
                let fork = Fork::from_id(chunk[0]).ok_or_else(|| ForkScheduleError(format!("unknown stored fork id {}", chunk[0])))?;
                let timestamp = u64::from_be_bytes(chunk[1..].try_into().expect("8 bytes"));
                Ok(ForkActivation { fork, timestamp })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_latest_activated_fork() {
        let schedule = ForkSchedule::new(vec![
            ForkActivation { fork: Fork::Cancun, timestamp: 0 },
            ForkActivation { fork: Fork::Prague, timestamp: 100 },
            ForkActivation { fork: Fork::Osaka, timestamp: 200 },
        ])
        .unwrap();
        assert_eq!(
            [0, 99, 100, 199, 200, u64::MAX].map(|t| schedule.fork_at(t)),
            [Fork::Cancun, Fork::Cancun, Fork::Prague, Fork::Prague, Fork::Osaka, Fork::Osaka]
        );
        assert_eq!(ForkSchedule::from_bytes(&schedule.to_bytes()).unwrap(), schedule);
    }

    #[test]
    fn refuses_disordered_or_late_starting_schedules() {
        let at = |fork, timestamp| ForkActivation { fork, timestamp };
        assert!(ForkSchedule::new(vec![]).is_err());
        assert!(ForkSchedule::new(vec![at(Fork::Prague, 5)]).is_err());
        assert!(ForkSchedule::new(vec![at(Fork::Prague, 0), at(Fork::Cancun, 10)]).is_err());
        assert!(ForkSchedule::new(vec![at(Fork::Cancun, 0), at(Fork::Prague, 0)]).is_err());
        assert!(ForkSchedule::from_bytes(&[9; 9]).is_err());
    }
}
