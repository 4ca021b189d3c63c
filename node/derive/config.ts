import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MAX_BATCH_RAW_BYTES } from '../host/batcher/batch-data.ts';
import type { Hex } from '../encoding/hex.ts';

/**
 * A verifier's configuration (node/derive/main.ts): the L1 endpoint, BatchChain, the L2 genesis and nothing else
 * of the sequencers. Everything else has a default.
 */
export interface VerifierConfig {
  /** Where the derived chain store lives. */
  dataDir: string;
  genesis: Record<string, unknown>;
  l1Url: string;
  batchChain: Hex;
  /** L1 block BatchChain was deployed at (scanning starts there; 0 scans from L1 genesis). */
  fromL1Block: number;
  /** Only L1 blocks this deep are derived from. */
  l1Confirmations: number;
  /** L1 blocks per eth_getLogs request. */
  logRangeBlocks: number;
  /** Largest appending-transaction input read from L1, bytes. */
  maxCalldataBytes: number;
  /** Largest decompressed batch, bytes (a brotli bomb is refused beyond it). */
  maxBatchRawBytes: number;
  /** A beacon node's REST base URL for blob-mode batches (GET /eth/v1/beacon/blob_sidecars/{block_id}); null: none. */
  beaconUrl: string | null;
  /** Largest blob_sidecars answer read, bytes. */
  maxBeaconResponseBytes: number;
  pollMs: number;
  rpc: { host: string; port: number };
  clientVersion: string;
}

export type VerifierConfigInput = Pick<VerifierConfig, 'dataDir' | 'genesis' | 'l1Url' | 'batchChain'> & Partial<Omit<VerifierConfig, 'rpc'>> & { rpc?: Partial<VerifierConfig['rpc']> };

export const DEFAULT_VERIFIER_CONFIG = {
  fromL1Block: 0,
  l1Confirmations: 0,
  logRangeBlocks: 2_000,
  maxCalldataBytes: 2 * 1024 * 1024,
  maxBatchRawBytes: MAX_BATCH_RAW_BYTES,
  beaconUrl: null,
  maxBeaconResponseBytes: 16 * 1024 * 1024,
  pollMs: 2_000,
  clientVersion: 'l2-sequencer-verifier/0.1.0',
} as const;

/** Fills defaults and checks every field, naming the one that is wrong. */
export function resolveVerifierConfig(input: VerifierConfigInput): VerifierConfig {
  const config: VerifierConfig = {
    ...DEFAULT_VERIFIER_CONFIG,
    ...input,
    rpc: { host: '127.0.0.1', port: 9500, ...input.rpc },
  };
  if (!/^0x[0-9a-fA-F]{40}$/.test(config.batchChain)) throw new Error('config.batchChain: expected the BatchChain address');
  if (!/^https?:\/\//.test(config.l1Url)) throw new Error('config.l1Url: expected an http(s) L1 JSON-RPC URL');
  if (config.beaconUrl !== null && !/^https?:\/\//.test(config.beaconUrl)) throw new Error('config.beaconUrl: expected an http(s) URL or null');
  for (const field of ['fromL1Block', 'l1Confirmations', 'logRangeBlocks', 'maxCalldataBytes', 'maxBatchRawBytes', 'maxBeaconResponseBytes', 'pollMs'] as const) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`config.${field}: a whole number, got ${JSON.stringify(value)}`);
  }
  if (config.logRangeBlocks < 1) throw new Error('config.logRangeBlocks: at least 1');
  if (!Number.isInteger(config.rpc.port) || config.rpc.port < 0 || config.rpc.port > 65_535) throw new Error('config.rpc.port: a TCP port');
  return config;
}

/** Reads a JSON config; `genesisFile` and a relative `dataDir` are resolved against the file's folder. */
export function loadVerifierConfig(path: string): VerifierConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as VerifierConfigInput & { genesisFile?: string };
  const base = resolve(path, '..');
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  if (raw.genesisFile) raw.genesis = JSON.parse(readFileSync(at(raw.genesisFile), 'utf8')) as Record<string, unknown>;
  if (!raw.dataDir || !raw.genesis || !raw.l1Url || !raw.batchChain) throw new Error(`${path}: dataDir, genesis (or genesisFile), l1Url and batchChain are required`);
  return resolveVerifierConfig({ ...raw, dataDir: at(raw.dataDir) });
}
