//! Node identity keys (plain secp256k1, identity = Ethereum address) for authenticating the
//! envelopes that carry MPC messages. In Rust because hosts check every message: k256 recovers
//! an address an order of magnitude faster than JavaScript does.
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

use crate::error::{MpcError, Result};
use crate::share::address_of;

fn bad(reason: &str) -> MpcError {
    MpcError::BadParameters(reason.into())
}

/// Signs keccak256(message); returns r ‖ s ‖ v with v in {27, 28}.
pub fn sign_message(secret_key: &[u8], message: &[u8]) -> Result<[u8; 65]> {
    let key = SigningKey::from_slice(secret_key).map_err(|_| bad("node key must be a 32-byte secp256k1 secret"))?;
    let digest = Keccak256::digest(message);
    let (sig, recid) = key.sign_prehash_recoverable(&digest).map_err(|e| MpcError::Protocol(e.to_string()))?;
    let (sig, recid) = match sig.normalize_s() {
        Some(low) => (low, RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced())),
        None => (sig, recid),
    };
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&sig.to_bytes());
    out[64] = 27 + u8::from(recid.is_y_odd());
    Ok(out)
}

/// The address that signed keccak256(message), or an error for a signature that recovers to none.
pub fn recover_signer(message: &[u8], signature: &[u8]) -> Result<[u8; 20]> {
    if signature.len() != 65 {
        return Err(bad("signature must be 65 bytes"));
    }
    let sig = Signature::from_slice(&signature[..64]).map_err(|_| bad("signature r/s out of range"))?;
    if sig.normalize_s().is_some() {
        return Err(bad("signature has a high s"));
    }
    let v = signature[64];
    let recid = match v {
        27 | 28 => RecoveryId::new(v == 28, false),
        _ => return Err(bad("signature v must be 27 or 28")),
    };
    let digest = Keccak256::digest(message);
    let key = VerifyingKey::recover_from_prehash(&digest, &sig, recid).map_err(|_| bad("signature recovers to no key"))?;
    Ok(address_of(key.as_affine()))
}

/// The address of a node secret key.
pub fn address_of_secret(secret_key: &[u8]) -> Result<[u8; 20]> {
    let key = SigningKey::from_slice(secret_key).map_err(|_| bad("node key must be a 32-byte secp256k1 secret"))?;
    Ok(address_of(key.verifying_key().as_affine()))
}
