//! Distributed key generation: no party ever holds the whole secret.
use cait_sith::KeygenOutput;
use k256::Secp256k1;

use crate::driver::{delegate_to_driver, Driver, MpcProtocol};
use crate::error::{MpcError, Result};
use crate::participants::{check_set, to_cs, ParticipantId};
use crate::share::KeyShare;

pub struct Keygen {
    driver: Driver<KeygenOutput<Secp256k1>>,
    participants: Vec<ParticipantId>,
    threshold: usize,
}

impl Keygen {
    pub fn new(participants: &[ParticipantId], me: ParticipantId, threshold: usize) -> Result<Self> {
        let participants = check_set(participants, "participants")?;
        if threshold < 2 || threshold > participants.len() {
            return Err(MpcError::BadParameters(format!("threshold {threshold} must be in 2..={}", participants.len())));
        }
        let protocol = cait_sith::keygen::<Secp256k1>(&to_cs(&participants), me.into(), threshold).map_err(|e| MpcError::BadParameters(e.to_string()))?;
        Ok(Self { driver: Driver::new(protocol, me, &participants), participants, threshold })
    }
}

impl MpcProtocol for Keygen {
    type Output = KeyShare;

    delegate_to_driver!();

    fn take_output(&mut self) -> Option<KeyShare> {
        let out = self.driver.take_output()?;
        // cait-sith only returns after every party's contribution verified, so this cannot fail
        // on honest input; a failure here is reported as a protocol error by the caller's `None`.
        KeyShare::new(self.driver.me(), &self.participants, self.threshold, 0, out.public_key, out.private_share).ok()
    }
}
