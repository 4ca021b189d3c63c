//! Resharing: the same group key moves to a new set of parties with a new threshold.
//! Old holders contribute their shares; joiners start from nothing; leavers take no part,
//! and the shares they keep are useless with the new generation's.
use k256::{AffinePoint, Scalar, Secp256k1};

use crate::driver::{delegate_to_driver, Driver, MpcProtocol};
use crate::error::{MpcError, Result};
use crate::participants::{check_set, to_cs, ParticipantId};
use crate::share::KeyShare;

/// What a party brings into a reshare.
pub enum ReshareBasis {
    /// A current holder: the old set, threshold, key and generation come from its share.
    Holder(KeyShare),
    /// A joiner: it learns the old parameters from the holders (the host checks they agree).
    Joiner { old_participants: Vec<ParticipantId>, old_threshold: usize, public_key: AffinePoint, generation: u64 },
}

pub struct Reshare {
    driver: Driver<Scalar>,
    participants: Vec<ParticipantId>,
    threshold: usize,
    public_key: AffinePoint,
    generation: u64,
}

impl Reshare {
    pub fn new(new_participants: &[ParticipantId], new_threshold: usize, me: ParticipantId, basis: ReshareBasis) -> Result<Self> {
        let participants = check_set(new_participants, "new participants")?;
        if new_threshold < 2 || new_threshold > participants.len() {
            return Err(MpcError::BadParameters(format!("new threshold {new_threshold} must be in 2..={}", participants.len())));
        }
        let (old_participants, old_threshold, public_key, generation, my_share) = match basis {
            ReshareBasis::Holder(share) => {
                if share.me != me {
                    return Err(MpcError::BadParameters("share belongs to another party".into()));
                }
                let secret = share.secret();
                (share.participants, share.threshold, share.public_key, share.generation, Some(secret))
            }
            ReshareBasis::Joiner { old_participants, old_threshold, public_key, generation } => {
                let old = check_set(&old_participants, "old participants")?;
                if old.contains(&me) {
                    return Err(MpcError::BadParameters("an old participant must bring its share".into()));
                }
                (old, old_threshold, public_key, generation, None)
            }
        };
        let protocol =
            cait_sith::reshare::<Secp256k1>(&to_cs(&old_participants), old_threshold, &to_cs(&participants), new_threshold, me.into(), my_share, public_key)
                .map_err(|e| MpcError::BadParameters(e.to_string()))?;
        Ok(Self { driver: Driver::new(protocol, me, &participants), participants, threshold: new_threshold, public_key, generation: generation + 1 })
    }
}

impl MpcProtocol for Reshare {
    type Output = KeyShare;

    delegate_to_driver!();

    fn take_output(&mut self) -> Option<KeyShare> {
        let secret = self.driver.take_output()?;
        KeyShare::new(self.driver.me(), &self.participants, self.threshold, self.generation, self.public_key, secret).ok()
    }
}
