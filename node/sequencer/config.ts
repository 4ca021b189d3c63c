import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Hex } from '../encoding/hex.ts';
import { resolveConfig, type HostConfig } from '../host/config.ts';

/**
 * One sequencer process (`node node/sequencer/main.ts <sequencer.json>`): the host, its consensus node (ABCI app +
 * query API) and CometBFT child, its MPC party. Everything it stores lives under `dataDir`:
 *   host/        chain store, mempool journal, seals, evidence, batcher state   (node/host)
 *   consensus/   the ABCI app's committed state and randomness key              (node/consensus)
 *   cometbft/    the CometBFT home (config, keys, block store)
 *   mpc/         the encrypted MPC key share
 * Keys may come from the environment instead of the file: SEQUENCER_NODE_KEY (the node key), MPC_SHARE_KEY (the
 * share encryption secret, always from the environment), L1_RELAYER_KEY (pays L1 gas).
 */
export interface SequencerConfig {
  dataDir: string;
  /** The sequencer's signer key on L1 = its node key: seals L2 blocks, signs peer, MPC and consensus messages. */
  nodeKey: Hex;
  /** The host's settings (node/host/config.ts) except what this process derives: dataDir, nodeKey, schedule. */
  host: Omit<HostConfig, 'dataDir' | 'nodeKey' | 'sequencer'>;
  consensus: {
    /** Default <dataDir>/cometbft. */
    home: string;
    /** Default <dataDir>/consensus. */
    appDir: string;
    abciPort: number;
    queryPort: number;
    cometRpcPort: number;
    /** Consensus heights CometBFT keeps (docs/pruning.md); null (default) keeps every block. */
    retainBlocks: number | null;
  };
  l1: {
    url: string;
    lockingPool: Hex;
    batchChain: Hex;
    /** First L1 block with LockingPool events (its deployment). */
    fromBlock: number;
    /** Pays gas for L1 calls the duties relay (rewards, slashing); the batcher has its own in host.batcher. */
    relayerKey: Hex;
    pollMs: number;
  };
  mpc: {
    /** Default <dataDir>/mpc. */
    dir: string;
  };
}

export type SequencerConfigInput = Omit<SequencerConfig, 'consensus' | 'mpc' | 'host' | 'l1'> & {
  consensus: Partial<SequencerConfig['consensus']> & Pick<SequencerConfig['consensus'], 'abciPort' | 'queryPort' | 'cometRpcPort'>;
  mpc?: Partial<SequencerConfig['mpc']>;
  host: Partial<SequencerConfig['host']> & Pick<SequencerConfig['host'], 'genesis'>;
  l1: Omit<SequencerConfig['l1'], 'pollMs'> & { pollMs?: number };
};

const KEY = /^0x[0-9a-fA-F]{64}$/;

/** Fills defaults, applies the environment's keys, and checks the whole config (host part included). */
export function resolveSequencerConfig(input: SequencerConfigInput, env: NodeJS.ProcessEnv = process.env): SequencerConfig {
  const dataDir = input.dataDir;
  const nodeKey = (env.SEQUENCER_NODE_KEY ?? input.nodeKey) as Hex;
  if (!nodeKey || !KEY.test(nodeKey)) throw new Error('sequencer config: nodeKey (or SEQUENCER_NODE_KEY) must be a 32-byte hex private key');
  const relayerKey = (env.L1_RELAYER_KEY ?? input.l1.relayerKey) as Hex;
  if (!relayerKey || !KEY.test(relayerKey)) throw new Error('sequencer config: l1.relayerKey (or L1_RELAYER_KEY) must be a 32-byte hex private key');
  for (const name of ['lockingPool', 'batchChain'] as const) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(input.l1[name])) throw new Error(`sequencer config: l1.${name} must be an address`);
  }
  const config: SequencerConfig = {
    dataDir,
    nodeKey,
    host: input.host as SequencerConfig['host'],
    consensus: {
      home: input.consensus.home ?? join(dataDir, 'cometbft'),
      appDir: input.consensus.appDir ?? join(dataDir, 'consensus'),
      abciPort: input.consensus.abciPort,
      queryPort: input.consensus.queryPort,
      cometRpcPort: input.consensus.cometRpcPort,
      retainBlocks: input.consensus.retainBlocks ?? null,
    },
    l1: { ...input.l1, relayerKey, pollMs: input.l1.pollMs ?? 300 },
    mpc: { dir: input.mpc?.dir ?? join(dataDir, 'mpc') },
  };
  // Validates the host part now, so a bad file fails before any process starts.
  hostConfigOf(config);
  return config;
}

/** The host's full config: its data under <dataDir>/host, its schedule from this sequencer's consensus node. */
export function hostConfigOf(config: SequencerConfig): HostConfig {
  const batcher = config.host.batcher;
  return resolveConfig({
    ...config.host,
    // The batch signer is always passed in (the MPC duties); `signer` here only documents it.
    batcher: batcher ? { ...batcher, l1Key: batcher.l1Key ?? config.l1.relayerKey, signer: { kind: 'mpc' } } : null,
    dataDir: join(config.dataDir, 'host'),
    nodeKey: config.nodeKey,
    sequencer: { mode: 'consensus', url: queryUrlOf(config) },
  });
}

export function queryUrlOf(config: SequencerConfig): string {
  return `http://127.0.0.1:${config.consensus.queryPort}`;
}

export function cometRpcUrlOf(config: SequencerConfig): string {
  return `http://127.0.0.1:${config.consensus.cometRpcPort}`;
}

/** Reads a JSON config; relative paths (dataDir, genesisFile) are resolved against the file's folder. */
export function loadSequencerConfig(path: string, env: NodeJS.ProcessEnv = process.env): SequencerConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as SequencerConfigInput & { host: { genesisFile?: string } };
  const base = resolve(path, '..');
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  if (!raw.dataDir) throw new Error(`${path}: dataDir is required`);
  raw.dataDir = at(raw.dataDir);
  if (raw.host?.genesisFile) {
    raw.host.genesis = JSON.parse(readFileSync(at(raw.host.genesisFile), 'utf8')) as Record<string, unknown>;
    delete raw.host.genesisFile;
  }
  if (!raw.host?.genesis) throw new Error(`${path}: host.genesis or host.genesisFile is required`);
  for (const key of ['home', 'appDir'] as const) if (raw.consensus?.[key]) raw.consensus[key] = at(raw.consensus[key]);
  if (raw.mpc?.dir) raw.mpc.dir = at(raw.mpc.dir);
  return resolveSequencerConfig(raw, env);
}
