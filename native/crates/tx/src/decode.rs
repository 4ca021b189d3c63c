use alloy_consensus::crypto::SECP256K1N_HALF;
use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Eip2718Error};
use alloy_primitives::Address;

use crate::{DecodePolicy, RecoveredTx, TxError};

/// Type bytes the sequencer executes: EIP-2930 access-list, EIP-1559 dynamic-fee and EIP-7702 set-code
/// transactions (legacy ones carry no type byte). Blob transactions (3) have no meaning on this L2: it has no blob
/// data availability. Whether the block's fork allows set-code is the executor's question.
const EIP2930: u8 = 0x01;
const EIP1559: u8 = 0x02;
const EIP7702: u8 = 0x04;
/// EIP-2718: a first byte at or above 0xc0 starts an RLP list, i.e. an untyped legacy transaction.
const LEGACY_LIST_START: u8 = 0xc0;
/// EIP-2718 reserves type bytes 0x00..=0x7f; 0x80..=0xbf would be an RLP string, not a transaction.
const MAX_TYPE_BYTE: u8 = 0x7f;

/// Decodes one EIP-2718 transaction (as sent to `eth_sendRawTransaction`), checks it against `policy`
/// and recovers its sender. Cheap checks run first, so junk never reaches signature recovery.
pub fn decode_and_recover(raw: &[u8], policy: &DecodePolicy) -> Result<RecoveredTx, TxError> {
    let envelope = decode_checked(raw, policy)?;
    let sender = envelope.recover_signer_unchecked().map_err(|_| TxError::BadSignature("no public key recovers from this signature"))?;
    Ok(recovered(envelope, sender, raw.len()))
}

/// Runs every check of [`decode_and_recover`] except the (expensive) public-key recovery, and takes
/// `sender` as given. Trusted input only: `sender` must come from this process's own earlier recovery
/// of the same bytes (the sequencer's admission); a block from the network must go through
/// [`decode_and_recover`], or anyone could spend from any account.
pub fn decode_with_sender(raw: &[u8], sender: Address, policy: &DecodePolicy) -> Result<RecoveredTx, TxError> {
    let envelope = decode_checked(raw, policy)?;
    Ok(recovered(envelope, sender, raw.len()))
}

/// Size, type byte, RLP, chain id (EIP-155) and signature shape (EIP-2 low-s).
fn decode_checked(raw: &[u8], policy: &DecodePolicy) -> Result<TxEnvelope, TxError> {
    let first = *raw.first().ok_or(TxError::Empty)?;
    if raw.len() > policy.max_size {
        return Err(TxError::Oversize { size: raw.len(), max: policy.max_size });
    }
    check_type_byte(first)?;

    let envelope = TxEnvelope::decode_2718_exact(raw).map_err(malformed)?;
    check_chain_id(&envelope, policy.chain_id)?;
    // EIP-7702: a set-code transaction without authorizations is invalid (not merely a no-op).
    if envelope.authorization_list().is_some_and(|list| list.is_empty()) {
        return Err(TxError::EmptyAuthorizationList);
    }

    if envelope.signature().s() > SECP256K1N_HALF {
        return Err(TxError::BadSignature("s is above secp256k1n/2 (EIP-2)"));
    }
    Ok(envelope)
}

fn recovered(envelope: TxEnvelope, sender: Address, encoded_len: usize) -> RecoveredTx {
    let hash = *envelope.tx_hash();
    RecoveredTx { envelope, sender, hash, encoded_len }
}
fn check_type_byte(first: u8) -> Result<(), TxError> {
    match first {
        EIP2930 | EIP1559 | EIP7702 => Ok(()),
        LEGACY_LIST_START.. => Ok(()),
        0..=MAX_TYPE_BYTE => Err(TxError::UnsupportedType(first)),
        _ => Err(TxError::MalformedRlp(format!("first byte 0x{first:02x} is neither a type nor an RLP list"))),
    }
}

fn check_chain_id(envelope: &TxEnvelope, expected: u64) -> Result<(), TxError> {
    match envelope.chain_id() {
        None => Err(TxError::UnprotectedLegacy),
        Some(got) if got != expected => Err(TxError::WrongChainId { expected, got }),
        Some(_) => Ok(()),
    }
}

fn malformed(err: Eip2718Error) -> TxError {
    TxError::MalformedRlp(err.to_string())
}
