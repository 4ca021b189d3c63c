//! Binding for `seq-tx`: one call decodes and recovers a whole batch of raw transactions on all cores.
use napi::bindgen_prelude::{BigInt, Either, Null, Uint8ArraySlice};
use napi::{Error, Result, Status};
use napi_derive::napi;
use seq_tx::{decode_batch, pool_authorizations, DecodePolicy, RecoveredTx, Transaction, TxError, MAX_POOL_AUTHORIZATIONS};

/// A transaction that passed admission. Amounts are `bigint`; `nonce` and `chainId` are numbers
/// (exact below 2^53, which every real account nonce and EIP-2294 chain id is); absent fields are null.
#[napi(object)]
pub struct DecodedTx {
    #[napi(ts_type = "true")]
    pub ok: bool,
    /// 0x-prefixed keccak256 of the raw bytes.
    pub hash: String,
    /// EIP-55 checksummed sender.
    pub from: String,
    /// EIP-2718 type: 0 legacy (EIP-155), 1 EIP-2930, 2 EIP-1559, 4 EIP-7702.
    #[napi(js_name = "type")]
    pub tx_type: u32,
    pub chain_id: f64,
    pub nonce: f64,
    /// Checksummed recipient, or null for contract creation.
    #[napi(ts_type = "string | null")]
    pub to: Nullable<String>,
    pub value: BigInt,
    pub gas_limit: BigInt,
    /// Legacy and EIP-2930 only.
    #[napi(ts_type = "bigint | null")]
    pub gas_price: Nullable<BigInt>,
    /// EIP-1559 only.
    #[napi(ts_type = "bigint | null")]
    pub max_fee_per_gas: Nullable<BigInt>,
    /// EIP-1559 only.
    #[napi(ts_type = "bigint | null")]
    pub max_priority_fee_per_gas: Nullable<BigInt>,
    pub input_length: u32,
    /// Length of the EIP-2718 encoding in bytes.
    pub size: u32,
    /// EIP-7702: how many authorizations the transaction carries (0 for other types).
    pub authorization_count: u32,
    /// EIP-7702: the checksummed authority of every authorization whose signature recovers (the others are
    /// skipped by the EVM and reserve nothing).
    pub authorities: Vec<String>,
}

/// `T | null` in TypeScript (an `Option` would surface as `undefined`).
type Nullable<T> = Either<T, Null>;

fn nullable<T>(value: Option<T>) -> Nullable<T> {
    value.map_or(Either::B(Null), Either::A)
}

/// A transaction that was refused; `code` is stable (one per `seq_tx::TxError` variant), `message` is for people.
#[napi(object)]
pub struct RejectedTx {
    #[napi(ts_type = "false")]
    pub ok: bool,
    #[napi(
        ts_type = "'Empty' | 'Oversize' | 'MalformedRlp' | 'UnsupportedType' | 'UnprotectedLegacy' | 'WrongChainId' | 'BadSignature' | 'EmptyAuthorizationList' | 'TooManyAuthorizations' | 'AuthorizationWrongChain'"
    )]
    pub code: String,
    pub message: String,
}

/// Decodes raw EIP-2718 transactions for chain `chainId`, refusing any larger than `maxSize` bytes, and
/// recovers their senders in parallel. Admission only: set-code transactions also meet the pool's authorization
/// rules (at most `seq_tx::MAX_POOL_AUTHORIZATIONS`, each for chain 0 or `chainId`). The result has one entry per input, in order; a bad entry never
/// affects the others. Throws only for an invalid `chainId` or `maxSize`.
#[napi]
pub fn decode_transactions(raws: Vec<Uint8ArraySlice>, chain_id: f64, max_size: u32) -> Result<Vec<Either<DecodedTx, RejectedTx>>> {
    if !((1.0..=9_007_199_254_740_991.0).contains(&chain_id) && chain_id.fract() == 0.0) {
        return Err(Error::new(Status::InvalidArg, format!("chainId must be a positive safe integer, got {chain_id}")));
    }
    let policy = DecodePolicy { chain_id: chain_id as u64, max_size: max_size as usize };
    let slices: Vec<&[u8]> = raws.iter().map(|raw| &raw[..]).collect();
    Ok(decode_batch(&slices, &policy).into_iter().map(|result| to_js(result, policy.chain_id)).collect())
}

fn to_js(result: std::result::Result<RecoveredTx, TxError>, chain_id: u64) -> Either<DecodedTx, RejectedTx> {
    let admitted = result.and_then(|tx| {
        let authorizations = pool_authorizations(&tx, chain_id, MAX_POOL_AUTHORIZATIONS)?;
        let authorities = authorizations.iter().filter_map(|a| a.authority).map(|a| a.to_checksum(None)).collect();
        Ok(decoded(&tx, authorizations.len() as u32, authorities))
    });
    match admitted {
        Ok(decoded) => Either::A(decoded),
        Err(err) => Either::B(RejectedTx { ok: false, code: err.code().to_string(), message: err.to_string() }),
    }
}

fn decoded(tx: &RecoveredTx, authorization_count: u32, authorities: Vec<String>) -> DecodedTx {
    let envelope = &tx.envelope;
    let dynamic_fee = envelope.is_dynamic_fee();
    DecodedTx {
        ok: true,
        hash: tx.hash.to_string(),
        from: tx.sender.to_checksum(None),
        tx_type: u32::from(tx.tx_type()),
        chain_id: envelope.chain_id().unwrap_or_default() as f64,
        nonce: envelope.nonce() as f64,
        to: nullable(envelope.to().map(|to| to.to_checksum(None))),
        value: BigInt { sign_bit: false, words: envelope.value().as_limbs().to_vec() },
        gas_limit: BigInt::from(envelope.gas_limit()),
        gas_price: nullable(envelope.gas_price().map(BigInt::from)),
        max_fee_per_gas: nullable(dynamic_fee.then(|| BigInt::from(envelope.max_fee_per_gas()))),
        max_priority_fee_per_gas: nullable(envelope.max_priority_fee_per_gas().map(BigInt::from)),
        input_length: envelope.input().len() as u32,
        size: tx.encoded_len as u32,
        authorization_count,
        authorities,
    }
}
