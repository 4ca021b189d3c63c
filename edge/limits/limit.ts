import { LimitExceededError, type RpcError } from '../../protocol/jsonrpc/errors.ts';
import { DurableObject } from 'cloudflare:workers';

// Two budgets per client (CF-Connecting-IP, keyed by client-key.ts: IPv6 by /64):
//  - every JSON-RPC request: the Workers rate limiting binding (RPC_LIMITER). Cheap and local to each Cloudflare
//    location, so approximate; right for reads, which hosts serve from replicas.
//  - transactions: a token bucket in a SQLite-backed Durable Object per IP (TX_LIMITER). One object serialises every
//    submission from that IP worldwide, so the limit is strict; worth the extra hop because each transaction costs
//    the single active sequencer work that no replica can absorb.

/** The RPC_LIMITER window, as configured in wrangler.toml ([[ratelimits]] simple.period). */
export const RPC_LIMIT_PERIOD_SECONDS = 60;

export interface LimitVerdict {
  ok: boolean;
  /** Seconds until the client may try again (0 when ok). */
  retryAfter: number;
}

/** One request against the per-IP budget. The binding's windows are fixed, so the wait is until the next one. */
export async function limitRequest(limiter: RateLimit, key: string, now = Date.now()): Promise<LimitVerdict> {
  const { success } = await limiter.limit({ key });
  if (success) return { ok: true, retryAfter: 0 };
  const elapsed = Math.floor(now / 1000) % RPC_LIMIT_PERIOD_SECONDS;
  return { ok: false, retryAfter: RPC_LIMIT_PERIOD_SECONDS - elapsed };
}

/** The refusal for a request over the per-IP budget (HTTP body or WebSocket message alike). */
export function requestLimitError(key: string, retryAfter: number): RpcError {
  return new LimitExceededError(`rate limit exceeded for ${key}: retry in ${retryAfter} s`);
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key: `perMinute` transactions a minute, bursting up to `perMinute`. One object (and its
 * storage) per client key that ever sent a transaction, so its storage is released once the bucket is full again
 * (at most a minute after the last take: an absent bucket reads as full): the objects left holding storage are only
 * the clients of the last minute, however many keys come and go.
 */
export class TxRateLimiter extends DurableObject {
  /** Takes `cost` tokens if there are enough; otherwise takes none and says how long until there will be. */
  async take(cost: number, perMinute: number): Promise<LimitVerdict> {
    const now = Date.now();
    const refillPerMs = perMinute / 60_000;
    const stored = (await this.ctx.storage.get<Bucket>('bucket')) ?? { tokens: perMinute, updatedAt: now };
    const tokens = Math.min(perMinute, stored.tokens + (now - stored.updatedAt) * refillPerMs);
    if (cost > perMinute) return { ok: false, retryAfter: 60 };
    if (tokens < cost) {
      return { ok: false, retryAfter: Math.max(1, Math.ceil((cost - tokens) / refillPerMs / 1000)) };
    }
    const left = tokens - cost;
    await this.ctx.storage.put<Bucket>('bucket', { tokens: left, updatedAt: now });
    await this.ctx.storage.setAlarm(now + Math.ceil((perMinute - left) / refillPerMs));
    return { ok: true, retryAfter: 0 };
  }

  /** The bucket has refilled: forget it (and the alarm), so this object keeps no storage. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

export async function limitTransactions(namespace: DurableObjectNamespace<TxRateLimiter>, key: string, cost: number, perMinute: number): Promise<LimitVerdict> {
  const stub = namespace.get(namespace.idFromName(key));
  return await stub.take(cost, perMinute);
}
