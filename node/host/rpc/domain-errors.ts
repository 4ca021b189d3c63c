import { CallFailedError, CallRefusedError, StateUnavailableError } from '../engine/engine.ts';
import { PoolRejectionError } from '../txpool/errors.ts';
import { InvalidInputError, LimitExceededError, RpcError } from '../../../protocol/jsonrpc/errors.ts';

/**
 * The one place the host's domain errors become JSON-RPC errors. Codes follow geth: every txpool refusal is -32000
 * with the pool's own words (wallets match on them), a call refused to protect the host is -32005, a failed call or
 * state below the history window is -32000. Null for anything else: a host fault, answered as an internal error.
 */
export function rpcErrorOf(error: unknown): RpcError | null {
  if (error instanceof RpcError) return error;
  if (error instanceof PoolRejectionError) return new InvalidInputError(error.message);
  if (error instanceof CallRefusedError) return new LimitExceededError(error.message);
  if (error instanceof CallFailedError || error instanceof StateUnavailableError) return new InvalidInputError(error.message);
  return null;
}
