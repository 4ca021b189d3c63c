import type { BatchSigner } from '../batcher/batch-signer.ts';
import type { ConsensusClient } from '../consensus/client.ts';
import type { MpcParty } from '../mpc/party.ts';
import type { TxType } from '../consensus/txs.ts';
import type { ExecutionEngine } from '../chain/engine.ts';

/** What this process hands the MPC duties (node/sequencer/duties, written beside this composition). */
export interface DutyContextInput {
  address: string;
  nodeKey: string;
  mpc: MpcParty;
  consensus: ConsensusClient;
  queryUrl: string;
  submitTx: (type: TxType, payload: object) => Promise<{ hash: string; code: number; log: string }>;
  /** The host's own chain (sealedBlock, latestNumber): what every signer checks a batch against. */
  replica: Pick<ExecutionEngine, 'sealedBlock' | 'latestNumber'>;
  l1: { url: string; lockingPool: string; batchChain: string; relayerKey: string };
  log: (message: string) => void;
}

export interface RunningDuties {
  batchSigner: BatchSigner;
  stop(): Promise<void>;
}

type DutiesModule = { startDuties(context: DutyContextInput): RunningDuties | Promise<RunningDuties> };

/**
 * Loads node/sequencer/duties if this build has it. Until the duties land the module is absent and the caller
 * falls back (see compose.ts); any other load error is real and thrown.
 */
export async function loadDuties(): Promise<DutiesModule | null> {
  const path = './duties/index.ts';
  try {
    return (await import(path)) as DutiesModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('duties/index.ts')) return null;
    throw error;
  }
}
