import type { Heads } from '../../engine/heads.ts';
import type { Hex } from '../../../encoding/hex.ts';
import type { RpcReceipt } from '../../engine/records.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { InvalidParamsError, RpcError } from '../../../../protocol/jsonrpc/errors.ts';
import { positional, uint64 } from '../../../../protocol/jsonrpc/params.ts';
import { bytes } from '../raw-bytes.ts';

/**
 * EIP-7966 `eth_sendRawTransactionSync(raw, timeoutMs?)`: admits the transaction exactly as eth_sendRawTransaction
 * does (same checks, same errors, returned at once) and answers with its receipt as soon as the block holding it is
 * stored, so a wallet on a 1 s chain needs one round trip instead of a send and a polling loop.
 */
export function sendSyncMethods(backend: RpcBackend): MethodTable {
  const { admission, pool, engine, heads, limits } = backend;
  return {
    eth_sendRawTransactionSync: async (params) => {
      const [raw, timeoutParam] = positional(params, 1, 2);
      const tx = bytes(raw, 'transaction');
      const timeoutMs = syncTimeoutMs(timeoutParam, limits.sendSyncDefaultTimeoutMs, limits.sendSyncMaxTimeoutMs);
      const hash = await admission.submit(tx);
      const pooled = pool.get(hash);
      // Queued behind a nonce gap: no block will take it until the gap is filled, so waiting is pointless.
      if (pooled && !pool.isPending(pooled)) throw new NotReadyError(hash);
      const receipt = await receiptWithin(hash, timeoutMs, heads, (txHash) => engine.getReceipt(txHash));
      if (!receipt) throw new SyncTimeoutError(hash, timeoutMs);
      return receipt;
    },
  };
}

/** EIP-7966 code 4: admitted, but no block held it within the wait; `data` is the hash to keep polling. */
export class SyncTimeoutError extends RpcError {
  constructor(hash: Hex, timeoutMs: number) {
    super(4, `the transaction was added to the pool but was not included within ${timeoutMs} ms`, hash);
  }
}

/** EIP-7966 code 5: admitted, but not executable yet (a nonce gap before it). */
export class NotReadyError extends RpcError {
  constructor(hash: Hex) {
    super(5, 'the transaction was added to the pool but cannot be included yet: a lower nonce of its sender is missing', hash);
  }
}

/**
 * The wait in ms: a JSON number (as the EIP's examples) or a hex quantity (as viem sends it). Per EIP-7966 an
 * absent, zero or too long wait means the node's default; a value that is not a count at all is refused.
 */
export function syncTimeoutMs(value: unknown, defaultMs: number, maxMs: number): number {
  if (value === undefined || value === null) return defaultMs;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidParamsError('timeout: expected a non-negative whole number of milliseconds');
    ms = value;
  } else {
    const asked = uint64(value, 'timeout');
    ms = asked > BigInt(maxMs) ? maxMs + 1 : Number(asked);
  }
  return ms > 0 && ms <= maxMs ? ms : defaultMs;
}

/** Resolves with the receipt once a stored block holds `hash`, or null after `timeoutMs`. */
function receiptWithin(hash: Hex, timeoutMs: number, heads: Heads, receiptOf: (hash: Hex) => RpcReceipt | null): Promise<RpcReceipt | null> {
  const now = receiptOf(hash);
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const finish = (receipt: RpcReceipt | null) => {
      clearTimeout(timer);
      stop();
      resolve(receipt);
    };
    const stop = heads.onChange((name) => {
      if (name !== 'latest') return;
      const receipt = receiptOf(hash);
      if (receipt) finish(receipt);
    });
    const timer = setTimeout(() => finish(null), timeoutMs);
  });
}
