use alloy_consensus::{Transaction, TxEnvelope};
use alloy_primitives::Address;
use revm::context::TxEnv;
use revm::context_interface::either::Either;

/// The revm view of a signed transaction whose sender is already recovered.
pub fn tx_env(envelope: &TxEnvelope, sender: Address) -> TxEnv {
    let is_dynamic_fee = envelope.is_dynamic_fee();
    TxEnv {
        tx_type: envelope.tx_type() as u8,
        caller: sender,
        gas_limit: envelope.gas_limit(),
        gas_price: if is_dynamic_fee { envelope.max_fee_per_gas() } else { envelope.gas_price().unwrap_or_default() },
        kind: envelope.kind(),
        value: envelope.value(),
        data: envelope.input().clone(),
        nonce: envelope.nonce(),
        chain_id: envelope.chain_id(),
        access_list: envelope.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: if is_dynamic_fee { envelope.max_priority_fee_per_gas() } else { None },
        blob_hashes: Vec::new(),
        max_fee_per_blob_gas: 0,
        // Signed, not recovered: revm recovers each authority itself and skips the ones that do not recover (EIP-7702).
        authorization_list: envelope.authorization_list().map_or_else(Vec::new, |list| list.iter().cloned().map(Either::Left).collect()),
    }
}

/// What the sender pays per gas: the gas price, or under EIP-1559 `min(maxFee, baseFee + maxPriorityFee)`.
pub fn effective_gas_price(envelope: &TxEnvelope, base_fee: u64) -> u128 {
    envelope.effective_gas_price(Some(base_fee))
}
