//! A party's share of the group key, serialisable so the host can keep it (encrypted) on disk.
use cait_sith::KeygenOutput;
use k256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use k256::elliptic_curve::PrimeField;
use k256::{AffinePoint, EncodedPoint, FieldBytes, Scalar, Secp256k1};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::error::{MpcError, Result};
use crate::participants::{check_set, ParticipantId};

const SHARE_VERSION: u8 = 1;

/// One party's Shamir share of the group secret plus everything needed to use it:
/// the set it was dealt to, the threshold, and a generation counter that resharing bumps.
#[derive(Clone)]
pub struct KeyShare {
    pub me: ParticipantId,
    /// Sorted, unique.
    pub participants: Vec<ParticipantId>,
    pub threshold: usize,
    /// 0 after key generation, +1 for every reshare: old and new shares never mix.
    pub generation: u64,
    pub public_key: AffinePoint,
    secret: Scalar,
}

/// On-disk form; the secret is hex, so the host must encrypt the whole document at rest.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyShareDocument {
    version: u8,
    me: u32,
    participants: Vec<u32>,
    threshold: usize,
    generation: u64,
    public_key: String,
    secret: String,
}

impl std::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyShare")
            .field("me", &self.me)
            .field("participants", &self.participants)
            .field("threshold", &self.threshold)
            .field("generation", &self.generation)
            .field("public_key", &hex::encode(self.public_key_compressed()))
            .finish_non_exhaustive()
    }
}

impl KeyShare {
    pub(crate) fn new(
        me: ParticipantId,
        participants: &[ParticipantId],
        threshold: usize,
        generation: u64,
        public_key: AffinePoint,
        secret: Scalar,
    ) -> Result<Self> {
        let participants = check_set(participants, "share participants").map_err(|e| MpcError::InvalidShare(e.to_string()))?;
        if !participants.contains(&me) {
            return Err(MpcError::InvalidShare("holder is not in its participant set".into()));
        }
        if threshold == 0 || threshold > participants.len() {
            return Err(MpcError::InvalidShare(format!("threshold {threshold} does not fit {} participants", participants.len())));
        }
        if bool::from(secret.is_zero()) || public_key == AffinePoint::IDENTITY {
            return Err(MpcError::InvalidShare("zero secret or identity public key".into()));
        }
        Ok(Self { me, participants, threshold, generation, public_key, secret })
    }

    pub(crate) fn secret(&self) -> Scalar {
        self.secret
    }

    pub(crate) fn keygen_output(&self) -> KeygenOutput<Secp256k1> {
        KeygenOutput { private_share: self.secret, public_key: self.public_key }
    }

    pub fn public_key_compressed(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out.copy_from_slice(self.public_key.to_encoded_point(true).as_bytes());
        out
    }

    /// The Ethereum address of the group key: what LockingPool stores and ecrecover returns.
    pub fn address(&self) -> [u8; 20] {
        address_of(&self.public_key)
    }

    /// Identifies (group key, generation, set, threshold): presignatures and sessions bind to it,
    /// so material from before a reshare can never be combined with material from after it.
    pub fn key_id(&self) -> [u8; 32] {
        let mut h = Keccak256::new();
        h.update(b"seq-mpc/key-id/v1");
        h.update(self.public_key_compressed());
        h.update(self.generation.to_be_bytes());
        h.update((self.threshold as u64).to_be_bytes());
        for p in &self.participants {
            h.update(p.to_be_bytes());
        }
        h.finalize().into()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let doc = KeyShareDocument {
            version: SHARE_VERSION,
            me: self.me,
            participants: self.participants.clone(),
            threshold: self.threshold,
            generation: self.generation,
            public_key: hex::encode(self.public_key_compressed()),
            secret: hex::encode(self.secret.to_bytes()),
        };
        serde_json::to_vec(&doc).expect("share document always serialises")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let doc: KeyShareDocument = serde_json::from_slice(bytes).map_err(|e| MpcError::InvalidShare(e.to_string()))?;
        if doc.version != SHARE_VERSION {
            return Err(MpcError::InvalidShare(format!("unsupported version {}", doc.version)));
        }
        let public_key = parse_public_key(&doc.public_key)?;
        let secret_bytes: [u8; 32] =
            hex::decode(&doc.secret).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| MpcError::InvalidShare("secret must be 32 bytes of hex".into()))?;
        let secret =
            Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(secret_bytes))).ok_or_else(|| MpcError::InvalidShare("secret is not a scalar".into()))?;
        Self::new(doc.me, &doc.participants, doc.threshold, doc.generation, public_key, secret)
    }
}

pub fn parse_public_key(hex_str: &str) -> Result<AffinePoint> {
    let bytes = hex::decode(hex_str.trim_start_matches("0x")).map_err(|_| MpcError::InvalidShare("public key is not hex".into()))?;
    let encoded = EncodedPoint::from_bytes(&bytes).map_err(|_| MpcError::InvalidShare("public key is not a SEC1 point".into()))?;
    Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&encoded))
        .filter(|p| *p != AffinePoint::IDENTITY)
        .ok_or_else(|| MpcError::InvalidShare("public key is not on secp256k1".into()))
}

pub fn address_of(point: &AffinePoint) -> [u8; 20] {
    let uncompressed = point.to_encoded_point(false);
    let hash = Keccak256::digest(&uncompressed.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    out
}
