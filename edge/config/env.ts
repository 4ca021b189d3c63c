import type { TxRateLimiter } from '../limits/limit.ts';

/** The Worker's bindings, as declared in the root wrangler.toml (vars are strings; see `readConfig`). */
export interface Env {
  DB: D1Database;
  /** Per-IP request budget for the JSON-RPC gateway (Workers rate limiting binding). */
  RPC_LIMITER: RateLimit;
  /** Strict per-IP budget for transaction submissions (SQLite-backed Durable Object per key). */
  TX_LIMITER: DurableObjectNamespace<TxRateLimiter>;
  CONSENSUS_URLS: string;
  L1_RPC_URL: string;
  LOCKING_POOL_ADDRESS: string;
  BATCH_CHAIN_ADDRESS: string;
  L1_START_BLOCK: string;
  L1_CONFIRMATIONS: string;
  RPC_MAX_BODY_BYTES: string;
  RPC_MAX_BATCH: string;
  TX_LIMIT_PER_MINUTE: string;
  UPSTREAM_TIMEOUT_MS: string;
  FAILOVER_WAIT_MS: string;
  ROUTING_CACHE_MS: string;
  HOST_MAX_LAG_BLOCKS: string;
  HOST_MAX_LEAD_BLOCKS: string;
  /** Secret (wrangler secret / .dev.vars): hex private key that signs rotation triggers. Unset: never triggers. */
  SCHEDULER_KEY?: string;
}

/** The bindings' string vars, parsed once per use and checked: a misconfigured edge fails loudly. */
export interface EdgeConfig {
  consensusUrls: string[];
  l1RpcUrl: string;
  lockingPool: string | null;
  batchChain: string | null;
  l1StartBlock: number;
  l1Confirmations: number;
  maxBodyBytes: number;
  maxBatch: number;
  txLimitPerMinute: number;
  /** How long a host may take to answer one forwarded request. */
  upstreamTimeoutMs: number;
  /** How long a write waits for the consensus layer to name a new sequencer after the active one failed. */
  failoverWaitMs: number;
  /** How long an isolate reuses the routing table it read from D1. */
  routingCacheMs: number;
  /** A host further below the median host height than this is not used for reads. */
  hostMaxLagBlocks: number;
  /** A host further above the median host height than this is flagged and not preferred for reads. */
  hostMaxLeadBlocks: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readConfig(env: Env): EdgeConfig {
  return {
    consensusUrls: list(env.CONSENSUS_URLS),
    l1RpcUrl: env.L1_RPC_URL ?? '',
    lockingPool: address(env.LOCKING_POOL_ADDRESS, 'LOCKING_POOL_ADDRESS'),
    batchChain: address(env.BATCH_CHAIN_ADDRESS, 'BATCH_CHAIN_ADDRESS'),
    l1StartBlock: count(env.L1_START_BLOCK, 'L1_START_BLOCK', 0),
    l1Confirmations: count(env.L1_CONFIRMATIONS, 'L1_CONFIRMATIONS', 0),
    maxBodyBytes: count(env.RPC_MAX_BODY_BYTES, 'RPC_MAX_BODY_BYTES', 262_144),
    maxBatch: count(env.RPC_MAX_BATCH, 'RPC_MAX_BATCH', 100),
    txLimitPerMinute: count(env.TX_LIMIT_PER_MINUTE, 'TX_LIMIT_PER_MINUTE', 120),
    upstreamTimeoutMs: count(env.UPSTREAM_TIMEOUT_MS, 'UPSTREAM_TIMEOUT_MS', 10_000),
    failoverWaitMs: count(env.FAILOVER_WAIT_MS, 'FAILOVER_WAIT_MS', 8_000),
    routingCacheMs: count(env.ROUTING_CACHE_MS, 'ROUTING_CACHE_MS', 1_000),
    hostMaxLagBlocks: count(env.HOST_MAX_LAG_BLOCKS, 'HOST_MAX_LAG_BLOCKS', 16),
    hostMaxLeadBlocks: count(env.HOST_MAX_LEAD_BLOCKS, 'HOST_MAX_LEAD_BLOCKS', 4),
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((url) => url.trim().replace(/\/+$/, ''))
    .filter((url) => url.length > 0);
}

function address(value: string | undefined, name: string): string | null {
  if (!value) return null;
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new ConfigError(`${name} is not an address: ${value}`);
  return value.toLowerCase();
}

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new ConfigError(`${name} is not a non-negative integer: ${value}`);
  return parsed;
}
