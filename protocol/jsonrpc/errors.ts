import type { RpcErrorObject } from './envelope.ts';

/**
 * JSON-RPC errors, one named class per reason (viem style), for the hosts and the edge alike: `code` per EIP-1474,
 * a short `message` in the words wallets match on, and optional `data`. Domain errors (the txpool's, the engine's)
 * are not here: node/host/rpc/domain-errors.ts maps them onto these codes.
 */

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
