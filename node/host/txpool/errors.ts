/**
 * Why the txpool refused a transaction. The messages are geth's txpool texts word for word: wallets (ethers, viem)
 * recognise them, and node/host/rpc/domain-errors.ts answers every one as JSON-RPC -32000 with this message, as geth does.
 */
export class PoolRejectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NonceTooLowError extends PoolRejectionError {
  constructor(next: bigint | number, got: bigint | number) {
    super(`nonce too low: next nonce ${next}, tx nonce ${got}`);
  }
}
export class NonceTooHighError extends PoolRejectionError {
  constructor(detail: string) {
    super(`nonce too high: ${detail}`);
  }
}
export class InsufficientFundsError extends PoolRejectionError {
  constructor(balance: bigint, cost: bigint) {
    super(`insufficient funds for gas * price + value: balance ${balance}, tx cost ${cost}`);
  }
}
export class IntrinsicGasTooLowError extends PoolRejectionError {
  constructor(gas: bigint, needed: bigint) {
    super(`intrinsic gas too low: gas ${gas}, minimum needed ${needed}`);
  }
}
export class AlreadyKnownError extends PoolRejectionError {
  constructor() {
    super('already known');
  }
}
export class ReplacementUnderpricedError extends PoolRejectionError {
  constructor() {
    super('replacement transaction underpriced');
  }
}
export class ExceedsBlockGasLimitError extends PoolRejectionError {
  constructor(gas: bigint, limit: bigint) {
    super(`exceeds block gas limit: gas ${gas}, block gas limit ${limit}`);
  }
}
export class OversizedDataError extends PoolRejectionError {
  constructor(size: number, max: number) {
    super(`oversized data: transaction size ${size}, limit ${max}`);
  }
}
export class FeeCapTooLowError extends PoolRejectionError {
  constructor(feeCap: bigint, baseFee: bigint) {
    super(`max fee per gas less than block base fee: maxFeePerGas ${feeCap}, baseFee ${baseFee}`);
  }
}
export class TipAboveFeeCapError extends PoolRejectionError {
  constructor() {
    super('max priority fee per gas higher than max fee per gas');
  }
}
export class PoolFullError extends PoolRejectionError {
  constructor() {
    super('txpool is full');
  }
}
export class AccountLimitError extends PoolRejectionError {
  constructor(limit: number) {
    super(`account limit exceeded: sender already has ${limit} transactions in the pool`);
  }
}
export class InvalidTransactionError extends PoolRejectionError {
  constructor(detail: string) {
    super(`invalid transaction: ${detail}`);
  }
}
export class UnprotectedTransactionError extends PoolRejectionError {
  constructor() {
    super('only replay-protected (EIP-155) transactions allowed over RPC');
  }
}
export class InvalidSenderError extends PoolRejectionError {
  constructor(detail: string) {
    super(`invalid sender: ${detail}`);
  }
}
export class UnsupportedTxTypeError extends PoolRejectionError {
  constructor(detail: string) {
    super(`transaction type not supported: ${detail}`);
  }
}

/** EIP-7702, geth's txpool.ErrInflightTxLimitReached: a delegated (or authorizing) account holds one in-flight tx. */
export class InflightTxLimitError extends PoolRejectionError {
  constructor() {
    super('in-flight transaction limit reached for delegated accounts');
  }
}
/** EIP-7702, geth's legacypool.ErrOutOfOrderTxFromDelegated. */
export class OutOfOrderFromDelegatedError extends PoolRejectionError {
  constructor() {
    super('gapped-nonce tx from delegated accounts');
  }
}
/** EIP-7702, geth's legacypool.ErrAuthorityReserved: an authorization names an account with in-flight transactions. */
export class AuthorityReservedError extends PoolRejectionError {
  constructor() {
    super('authority already reserved');
  }
}
/** EIP-7825 (Osaka), geth's core.ErrGasLimitTooHigh: the gas limit is above the per-transaction cap. */
export class GasLimitTooHighError extends PoolRejectionError {
  constructor(cap: bigint, gas: bigint) {
    super(`transaction gas limit too high (cap: ${cap}, tx: ${gas})`);
  }
}
