import { join } from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { verifyBlob } from '../l1/blob-sidecar.ts';
import { nativeMerkle } from '../host/batcher/merkle.ts';
import type { ExecutionEngine } from '../host/engine/engine.ts';
import { Heads } from '../host/engine/heads.ts';
import { startRpcServer, type RpcServer } from '../host/rpc/server.ts';
import type { VerifierConfig } from './config.ts';
import { BeaconBlobFetcher } from './blob-source.ts';
import { Deriver, type MismatchReport } from './deriver.ts';
import { L1BatchReader } from './l1-batches.ts';
import { readOnlyDispatcher } from './read-only-rpc.ts';

export interface VerifierDeps {
  openEngine(dir: string, genesis: Record<string, unknown>): ExecutionEngine;
  log?: (message: string) => void;
}

export interface Verifier {
  readonly rpcUrl: string;
  readonly engine: ExecutionEngine;
  readonly heads: Heads;
  readonly deriver: Deriver;
  /** Logs dropped from L1 as malformed. */
  readonly droppedLogs: number;
  /** The mismatch derivation stopped at, or null. */
  mismatch(): MismatchReport | null;
  /** Runs one derivation pass now (the loop also runs every pollMs). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A node that needs only L1: no peers, no consensus, no keys. It derives the L2 from BatchChain's batches
 * (node/derive/deriver.ts) and serves the read-only wallet JSON-RPC over what matched.
 */
export async function startVerifier(config: VerifierConfig, deps: VerifierDeps): Promise<Verifier> {
  const log = deps.log ?? ((message: string) => console.log(`[verifier] ${message}`));
  const engine = deps.openEngine(join(config.dataDir, 'chain'), config.genesis);
  const heads = new Heads(engine.latestNumber());
  const provider = new JsonRpcProvider(config.l1Url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  let droppedLogs = 0;
  const reader = new L1BatchReader(provider, {
    batchChain: config.batchChain,
    fromL1Block: config.fromL1Block,
    confirmations: config.l1Confirmations,
    logRangeBlocks: config.logRangeBlocks,
    maxCalldataBytes: config.maxCalldataBytes,
    blobs: config.beaconUrl ? new BeaconBlobFetcher({ beaconUrl: config.beaconUrl, provider, maxResponseBytes: config.maxBeaconResponseBytes, verifyProof: verifyBlob }) : null,
    onDroppedLog: () => droppedLogs++,
  });
  const deriver = new Deriver({ engine, heads, source: reader, merkle: nativeMerkle, maxBatchRawBytes: config.maxBatchRawBytes, log });
  let rpc: RpcServer;
  try {
    rpc = await startRpcServer(readOnlyDispatcher({ engine, heads, batches: () => deriver.derived(), clientVersion: config.clientVersion, now: () => Date.now() }), {
      host: config.rpc.host,
      port: config.rpc.port,
      maxBodyBytes: 5 * 1024 * 1024,
      maxWsBufferedBytes: 16 * 1024 * 1024,
    });
  } catch (error) {
    provider.destroy();
    engine.close?.();
    throw error;
  }

  let running: Promise<void> | null = null;
  const poll = (): Promise<void> => {
    running ??= deriver
      .step()
      .then(() => undefined)
      // An L1 endpoint that is down or answers nonsense: said once per pass, tried again next pass.
      .catch((error: unknown) => log(`derivation pass failed, retrying: ${(error as Error).message}`))
      .finally(() => (running = null));
    return running;
  };
  let timer: NodeJS.Timeout | null = null;
  const loop = () => {
    timer = setTimeout(() => void poll().finally(() => timer && loop()), config.pollMs);
  };
  loop();

  return {
    rpcUrl: rpc.url,
    engine,
    heads,
    deriver,
    get droppedLogs() {
      return droppedLogs;
    },
    mismatch: () => deriver.mismatch,
    poll,
    stop: async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      await rpc.close();
      provider.destroy();
      engine.close?.();
    },
  };
}
