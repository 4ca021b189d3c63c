//! Threshold ECDSA for the sequencer set, on cait-sith.
//!
//! Every protocol is a sans-I/O state machine ([`MpcProtocol`]): the host hands in messages and
//! pokes for outgoing ones; nothing here touches a socket or a clock. The group key is an
//! ordinary secp256k1 key, so its signatures are ordinary Ethereum signatures.
mod driver;
mod error;
mod keygen;
pub mod node_key;
mod participants;
mod presign;
mod reshare;
mod share;
mod sign;

pub use driver::{Inbound, MpcProtocol, Outgoing};
pub use error::{MpcError, Result};
pub use keygen::Keygen;
pub use participants::{check_set, signing_threshold, ParticipantId};
pub use presign::{Presign, Presignature};
pub use reshare::{Reshare, ReshareBasis};
pub use share::{address_of, parse_public_key, KeyShare};
pub use sign::{EthSignature, Sign};

/// 0x-prefixed lowercase hex, the form every value crosses into TypeScript in.
pub fn to_hex_prefixed(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}
