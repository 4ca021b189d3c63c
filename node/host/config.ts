import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_CALL_LIMITS, type CallLimits } from './engine/engine.ts';
import type { Hex } from '../encoding/hex.ts';
import { DEFAULT_BATCHER_CONFIG, type BatcherConfig } from './batcher/batcher.ts';
import { parsePruneConfig, type PruneConfig } from './pruning.ts';
import { DEFAULT_PRODUCER_CONFIG } from './producer/producer.ts';
import { DEFAULT_POOL_CONFIG, type PoolConfig } from './txpool/pool.ts';
import { DEFAULT_RPC_LIMITS, type RpcLimits } from './rpc/backend.ts';
import type { PeerEndpoint, PeerLimits } from '../p2p/peer-network.ts';

/**
 * A host's configuration (JSON file; `node node/host/main.ts <config.json>`). Ports follow the README: JSON-RPC
 * 9000 + 10i, operator 9001 + 10i, peer 9002 + 10i; everything binds 127.0.0.1. Port 0 picks a free port.
 */
export interface HostConfig {
  /** Where the chain store, journal, seals and batcher state live. */
  dataDir: string;
  /** Genesis JSON (geth/hardhat style: chainId, alloc, gasLimit, baseFeePerGas, timestamp). */
  genesis: Record<string, unknown>;
  /** This host's node key: seals blocks and signs peer messages. Its address is the sequencer identity. */
  nodeKey: Hex;
  /** `calls`: how eth_call / eth_estimateGas run (threads, queue, gasCap, timeoutMs; node/host/engine/engine.ts). */
  rpc: { port: number; limits: RpcLimits; maxTxSize: number; suggestedPriorityFee: bigint; calls: CallLimits };
  operator: { port: number; token: string };
  /**
   * The peer port. `limits` overrides the per-connection and per-peer bounds (peer-network.ts DEFAULT_PEER_LIMITS);
   * `serveBlocksPerSecond` bounds the blocks this host serves each peer's `get` requests.
   */
  peer: { port: number; peers: PeerEndpoint[]; limits?: Partial<PeerLimits>; serveBlocksPerSecond?: number };
  /**
   * Who may produce each block: `static` names one sequencer (until the consensus layer serves elections);
   * `consensus` reads the consensus query API at `url`.
   */
  sequencer: { mode: 'static'; address: Hex } | { mode: 'consensus'; url: string };
  /** Host weights for the safe head (equal until the consensus layer supplies stake): address -> weight. */
  weights?: Record<string, string | number>;
  /** `gasLimit`: the target the gas limit moves toward by one allowed step a block (0 or absent: keep the parent's). */
  producer: { blockTimeMs: number; maxBlockTxs: number; maxBlockBytes: number; emptyBlockIntervalMs: number; gasLimit?: bigint | number };
  pool: PoolConfig;
  /** Batches to L1; absent disables batching (e.g. an RPC-only replica). */
  batcher: null | (BatcherConfig & {
    l1Url: string;
    batchChain: Hex;
    /** The relayer's L1 key (pays gas for appendBatch). */
    l1Key: Hex;
    /** `local-key` is ONE key standing in for the MPC address: tests and devnet only. */
    signer: { kind: 'local-key'; key: Hex } | { kind: 'mpc' };
  });
  clientVersion: string;
  /** Archive (default) or pruned block history (node/host/pruning.ts, docs/pruning.md). */
  prune: PruneConfig;
}

const HOST = '127.0.0.1';
export const BIND_HOST = HOST;

/** Fills defaults and checks a partial config (from JSON or a test). */
export function resolveConfig(input: Partial<HostConfig> & Pick<HostConfig, 'dataDir' | 'genesis' | 'nodeKey'>): HostConfig {
  if (!/^0x[0-9a-fA-F]{64}$/.test(input.nodeKey)) throw new Error('config.nodeKey: expected a 32-byte hex private key');
  const rpc = input.rpc ?? ({} as Partial<HostConfig['rpc']>);
  const producer = input.producer ?? ({} as Partial<HostConfig['producer']>);
  const config: HostConfig = {
    dataDir: input.dataDir,
    genesis: input.genesis,
    nodeKey: input.nodeKey,
    rpc: {
      port: rpc.port ?? 9000,
      limits: { ...DEFAULT_RPC_LIMITS, ...rpc.limits },
      maxTxSize: rpc.maxTxSize ?? 128 * 1024,
      suggestedPriorityFee: BigInt(rpc.suggestedPriorityFee ?? 1_000_000n),
      calls: callLimits(rpc.calls),
    },
    operator: input.operator ?? { port: 9001, token: '' },
    peer: input.peer ?? { port: 9002, peers: [] },
    sequencer: input.sequencer ?? { mode: 'static', address: '0x' as Hex },
    producer: { ...DEFAULT_PRODUCER_CONFIG, ...producer },
    pool: { ...DEFAULT_POOL_CONFIG, ...input.pool, priceBumpPercent: BigInt(input.pool?.priceBumpPercent ?? DEFAULT_POOL_CONFIG.priceBumpPercent) },
    batcher: input.batcher ? { ...DEFAULT_BATCHER_CONFIG, ...input.batcher } : null,
    clientVersion: input.clientVersion ?? 'l2-sequencer/0.1.0',
    prune: parsePruneConfig(input.prune),
  };
  if (input.weights) config.weights = input.weights;
  if (config.operator.token.length < 16) throw new Error('config.operator.token: at least 16 characters');
  if (config.sequencer.mode === 'static' && !/^0x[0-9a-fA-F]{40}$/.test(config.sequencer.address)) {
    throw new Error('config.sequencer.address: expected the static sequencer address');
  }
  if (config.producer.blockTimeMs < 10) throw new Error('config.producer.blockTimeMs: at least 10 ms');
  return config;
}

/** `rpc.calls` from JSON (gasCap as a number or decimal string) over the defaults, checked. */
function callLimits(input: Partial<CallLimits> | undefined): CallLimits {
  const limits = { ...DEFAULT_CALL_LIMITS, ...input, gasCap: wholeNumber(input?.gasCap ?? DEFAULT_CALL_LIMITS.gasCap, 'config.rpc.calls.gasCap') };
  if (!Number.isInteger(limits.threads) || limits.threads < 1 || limits.threads > 64) throw new Error('config.rpc.calls.threads: an integer from 1 to 64');
  if (!Number.isInteger(limits.queue) || limits.queue < 0 || limits.queue > 100_000) throw new Error('config.rpc.calls.queue: an integer from 0 to 100000');
  if (limits.gasCap < 21_000n || limits.gasCap > 2n ** 63n) throw new Error('config.rpc.calls.gasCap: from 21000 to 2^63');
  if (!Number.isInteger(limits.timeoutMs) || limits.timeoutMs < 0 || limits.timeoutMs > 2 ** 31) throw new Error('config.rpc.calls.timeoutMs: a whole number of ms (0: no limit)');
  return limits;
}

function wholeNumber(value: unknown, what: string): bigint {
  try {
    return BigInt(value as bigint | number | string);
  } catch {
    throw new Error(`${what}: expected a whole number, got ${JSON.stringify(String(value))}`);
  }
}

/** Reads a JSON config file; relative dataDir is resolved against the file's folder. */
export function loadConfigFile(path: string): HostConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<HostConfig> & { genesisFile?: string };
  const base = resolve(path, '..');
  if (raw.genesisFile) raw.genesis = JSON.parse(readFileSync(isAbsolute(raw.genesisFile) ? raw.genesisFile : join(base, raw.genesisFile), 'utf8'));
  if (!raw.dataDir || !raw.genesis || !raw.nodeKey) throw new Error(`${path}: dataDir, genesis (or genesisFile) and nodeKey are required`);
  return resolveConfig({ ...raw, dataDir: isAbsolute(raw.dataDir) ? raw.dataDir : join(base, raw.dataDir) } as HostConfig);
}
