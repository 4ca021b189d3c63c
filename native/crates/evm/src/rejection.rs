use revm::context::result::InvalidTransaction;

/// Why a transaction was left out of a block. The code is stable across the napi boundary (like seq-tx's
/// decode codes); the message is for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// The gas limit does not fit in what the block has left (geth: "gas limit reached").
    pub fn block_gas_exhausted(gas_limit: u64, remaining: u64) -> Self {
        Self::new("GasLimitExceedsBlock", format!("transaction gas limit {gas_limit} exceeds the block's remaining gas {remaining}"))
    }

    pub fn unsupported_type(tx_type: u8) -> Self {
        Self::new("UnsupportedType", format!("transaction type 0x{tx_type:02x} is not supported"))
    }

    pub fn from_invalid(error: &InvalidTransaction) -> Self {
        use InvalidTransaction as I;
        let code = match error {
            I::NonceTooLow { .. } => "NonceTooLow",
            I::NonceTooHigh { .. } => "NonceTooHigh",
            I::NonceOverflowInTransaction => "NonceMax",
            I::LackOfFundForMaxFee { .. } | I::OverflowPaymentInTransaction => "InsufficientFunds",
            I::CallGasCostMoreThanGasLimit { .. } | I::GasFloorMoreThanGasLimit { .. } => "IntrinsicGasTooLow",
            I::CallerGasLimitMoreThanBlock | I::TxGasLimitGreaterThanCap { .. } => "GasLimitExceedsBlock",
            I::GasPriceLessThanBasefee => "FeeCapBelowBaseFee",
            I::PriorityFeeGreaterThanMaxFee => "TipAboveFeeCap",
            I::RejectCallerWithCode => "SenderNotEoa",
            I::CreateInitCodeSizeLimit => "InitCodeTooLarge",
            I::InvalidChainId | I::MissingChainId => "WrongChainId",
            I::Eip2930NotSupported | I::Eip1559NotSupported | I::Eip4844NotSupported | I::Eip7702NotSupported | I::AuthorizationListNotSupported => {
                "UnsupportedType"
            }
            I::EmptyAuthorizationList => "EmptyAuthorizationList",
            _ => "InvalidTransaction",
        };
        Self::new(code, error.to_string())
    }
}
