use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::{Address, B256};

/// A decoded transaction whose signature has been checked and whose sender is known.
#[derive(Debug, Clone)]
pub struct RecoveredTx {
    pub envelope: TxEnvelope,
    pub sender: Address,
    /// keccak256 of the EIP-2718 encoding, i.e. the transaction hash wallets see.
    pub hash: B256,
    /// Length of the EIP-2718 encoding in bytes.
    pub encoded_len: usize,
}

impl RecoveredTx {
    /// EIP-2718 type byte (0 for legacy).
    pub fn tx_type(&self) -> u8 {
        self.envelope.tx_type() as u8
    }

    pub fn nonce(&self) -> u64 {
        self.envelope.nonce()
    }

    /// Converts into alloy's own recovered wrapper, for code (e.g. revm glue) that expects it.
    pub fn into_recovered(self) -> alloy_consensus::transaction::Recovered<TxEnvelope> {
        alloy_consensus::transaction::Recovered::new_unchecked(self.envelope, self.sender)
    }
}
