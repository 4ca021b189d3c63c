/**
 * JSON-RPC errors, one named class per reason (viem style): `code` per EIP-1474, a short `message` in the exact
 * words wallets match on (geth's txpool texts, which ethers and viem recognise), and optional `data`.
 */
import type { RpcErrorObject } from './envelope.ts';

/** The codes themselves: JSON-RPC 2.0 (-326xx) and EIP-1474 server errors (-320xx). */
export const ErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  invalidInput: -32000,
  resourceNotFound: -32001,
  resourceUnavailable: -32002,
  transactionRejected: -32003,
  methodNotSupported: -32004,
  limitExceeded: -32005,
} as const;

/** The base of the family; used as-is only to relay an error object another JSON-RPC server answered. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
  }
  toJSON(): RpcErrorObject {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

// JSON-RPC 2.0 protocol errors.
export class ParseError extends RpcError {
  constructor(detail = 'invalid JSON') {
    super(ErrorCode.parseError, `parse error: ${detail}`);
  }
}
export class InvalidRequestError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.invalidRequest, `invalid request: ${detail}`);
  }
}
export class MethodNotFoundError extends RpcError {
  constructor(method: string) {
    super(ErrorCode.methodNotFound, `the method ${method} does not exist/is not available`);
  }
}
export class InvalidParamsError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.invalidParams, `invalid params: ${detail}`);
  }
}
/** A raw transaction that does not decode or carries no valid signature (the edge checks before forwarding). */
export class InvalidRawTransactionError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.invalidParams, `invalid raw transaction: ${detail}`);
  }
}
export class InternalError extends RpcError {
  constructor(detail = 'internal error') {
    super(ErrorCode.internalError, detail);
  }
}

// EIP-1474 server errors.
export class ResourceNotFoundError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.resourceNotFound, detail);
  }
}
export class ResourceUnavailableError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.resourceUnavailable, detail);
  }
}
export class TransactionRejectedError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.transactionRejected, detail);
  }
}
export class MethodNotSupportedError extends RpcError {
  constructor(method: string) {
    super(ErrorCode.methodNotSupported, `method ${method} is not supported by this node`);
  }
}
export class LimitExceededError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.limitExceeded, detail);
  }
}

/** -32000, EIP-1474's "invalid input": the request was well formed but cannot be served as asked. */
export class InvalidInputError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(ErrorCode.invalidInput, message, data);
  }
}

/** A method the edge refuses by policy (-32601 with the reason, not the generic "does not exist"). */
export class MethodNotAllowedError extends RpcError {
  constructor(detail: string) {
    super(ErrorCode.methodNotFound, detail);
  }
}

/** Transaction admission failures: -32000 with geth's messages, which ethers/viem map to typed errors. */
export class TxPoolError extends InvalidInputError {}
export class NonceTooLowError extends TxPoolError {
  constructor(next: bigint | number, got: bigint | number) {
    super(`nonce too low: next nonce ${next}, tx nonce ${got}`);
  }
}
export class NonceTooHighError extends TxPoolError {
  constructor(detail: string) {
    super(`nonce too high: ${detail}`);
  }
}
export class InsufficientFundsError extends TxPoolError {
  constructor(balance: bigint, cost: bigint) {
    super(`insufficient funds for gas * price + value: balance ${balance}, tx cost ${cost}`);
  }
}
export class IntrinsicGasTooLowError extends TxPoolError {
  constructor(gas: bigint, needed: bigint) {
    super(`intrinsic gas too low: gas ${gas}, minimum needed ${needed}`);
  }
}
export class AlreadyKnownError extends TxPoolError {
  constructor() {
    super('already known');
  }
}
export class ReplacementUnderpricedError extends TxPoolError {
  constructor() {
    super('replacement transaction underpriced');
  }
}
export class ExceedsBlockGasLimitError extends TxPoolError {
  constructor(gas: bigint, limit: bigint) {
    super(`exceeds block gas limit: gas ${gas}, block gas limit ${limit}`);
  }
}
export class OversizedDataError extends TxPoolError {
  constructor(size: number, max: number) {
    super(`oversized data: transaction size ${size}, limit ${max}`);
  }
}
export class FeeCapTooLowError extends TxPoolError {
  constructor(feeCap: bigint, baseFee: bigint) {
    super(`max fee per gas less than block base fee: maxFeePerGas ${feeCap}, baseFee ${baseFee}`);
  }
}
export class TipAboveFeeCapError extends TxPoolError {
  constructor() {
    super('max priority fee per gas higher than max fee per gas');
  }
}
export class UnderpricedError extends TxPoolError {
  constructor(detail: string) {
    super(`transaction underpriced: ${detail}`);
  }
}
export class TxPoolFullError extends TxPoolError {
  constructor() {
    super('txpool is full');
  }
}
export class AccountLimitError extends TxPoolError {
  constructor(limit: number) {
    super(`account limit exceeded: sender already has ${limit} transactions in the pool`);
  }
}
export class InvalidTransactionError extends TxPoolError {
  constructor(detail: string) {
    super(`invalid transaction: ${detail}`);
  }
}
export class SequencerPausedError extends TransactionRejectedError {
  constructor() {
    super('sequencer is paused: transactions are not accepted right now');
  }
}
export class NotSequencerError extends TransactionRejectedError {
  constructor(active: string | null) {
    super(`this host is not the active sequencer${active ? `; send to ${active}` : ''}`);
  }
}

/** An eth_call / eth_estimateGas that reverted: code 3 with the revert data, as geth answers. */
export class ExecutionRevertedError extends RpcError {
  constructor(reason: string | null, data: string) {
    super(3, reason ? `execution reverted: ${reason}` : 'execution reverted', data);
  }
}
/** Execution failed for a reason other than a revert (out of gas, invalid opcode, ...). */
export class ExecutionFailedError extends InvalidInputError {}

/** Anything thrown that is not an RpcError becomes an internal error without leaking internals. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  return new InternalError();
}
