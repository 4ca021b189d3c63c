//! The online signing round: one message per party, given a pooled presignature.
use cait_sith::FullSignature;
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::{Scalar, Secp256k1, U256};

use crate::driver::{Driver, Inbound, MpcProtocol, Outgoing};
use crate::error::{MpcError, Result};
use crate::participants::ParticipantId;
use crate::presign::{check_signers, Presignature};
use crate::share::KeyShare;

/// An Ethereum-style ECDSA signature: low-s, v = 27 + recovery id, as OpenZeppelin's ECDSA wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthSignature {
    pub r: [u8; 32],
    pub s: [u8; 32],
    pub v: u8,
}

impl EthSignature {
    /// r ‖ s ‖ v, the 65-byte form `ecrecover` wrappers take.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r);
        out[32..64].copy_from_slice(&self.s);
        out[64] = self.v;
        out
    }
}

pub struct Sign {
    driver: Driver<FullSignature<Secp256k1>>,
    verifying_key: VerifyingKey,
    digest: [u8; 32],
    output: Option<EthSignature>,
    failed: bool,
}

impl Sign {
    /// Consumes the presignature: it cannot be handed to a second `Sign`.
    pub fn new(share: &KeyShare, presignature: Presignature, signers: &[ParticipantId], digest: [u8; 32]) -> Result<Self> {
        let set = check_signers(share, signers)?;
        if presignature.key_id != share.key_id() {
            return Err(MpcError::BadParameters("presignature was made for another key generation".into()));
        }
        if presignature.participants != set {
            return Err(MpcError::BadParameters("presignature was made for another signing set".into()));
        }
        let msg_hash = <Scalar as Reduce<U256>>::reduce_bytes(&digest.into());
        let protocol = cait_sith::sign::<Secp256k1>(&crate::participants::to_cs(&set), share.me.into(), share.public_key, presignature.output, msg_hash)
            .map_err(|e| MpcError::BadParameters(e.to_string()))?;
        let verifying_key = VerifyingKey::from_affine(share.public_key).map_err(|e| MpcError::InvalidShare(e.to_string()))?;
        Ok(Self { driver: Driver::new(protocol, share.me, &set), verifying_key, digest, output: None, failed: false })
    }

    fn finish(&self, full: FullSignature<Secp256k1>) -> Result<EthSignature> {
        let r_scalar = <Scalar as Reduce<U256>>::reduce_bytes(&full.big_r.x());
        let signature = Signature::from_scalars(r_scalar, full.s).map_err(|e| MpcError::Protocol(e.to_string()))?;
        // cait-sith already normalised s to the low half; this keeps that a checked fact.
        if signature.normalize_s().is_some() {
            return Err(MpcError::Protocol("signature has a high s".into()));
        }
        let recovery = RecoveryId::trial_recovery_from_prehash(&self.verifying_key, &self.digest, &signature)
            .map_err(|_| MpcError::Protocol("signature does not recover to the group key".into()))?;
        if recovery.is_x_reduced() {
            // ecrecover cannot express an x-reduced R (probability ~2^-128); the host retries.
            return Err(MpcError::Protocol("nonce point not expressible for ecrecover".into()));
        }
        let bytes = signature.to_bytes();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        Ok(EthSignature { r, s, v: 27 + u8::from(recovery.is_y_odd()) })
    }
}

impl MpcProtocol for Sign {
    type Output = EthSignature;

    fn inbound(&self) -> Inbound {
        self.driver.inbound()
    }

    fn message(&mut self, from: ParticipantId, data: &[u8]) -> Result<()> {
        self.driver.message(from, data)
    }

    fn poke(&mut self) -> Result<Vec<Outgoing>> {
        if self.failed {
            return Err(MpcError::Protocol("signing already failed".into()));
        }
        let out = self.driver.poke()?;
        if let Some(full) = self.driver.take_output() {
            match self.finish(full) {
                Ok(sig) => self.output = Some(sig),
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    fn take_output(&mut self) -> Option<EthSignature> {
        self.output.take()
    }

    fn is_done(&self) -> bool {
        self.driver.is_done() && !self.failed
    }
}
