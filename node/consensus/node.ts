import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsensusApplication } from './abci/application.ts';
import { checkedRetainBlocks, evidenceMaxAgeOf } from './abci/retain.ts';
import { startAbciServer, type AbciServer } from './abci/server.ts';
import type { ValidatorObserver } from './abci/observer.ts';
import { startQueryServer, type QueryServer } from './query/server.ts';
import { loadOrCreateRandaoKey, StateStore } from './store/store.ts';

export interface ConsensusNodeOptions {
  /** The CometBFT home of this validator (config/priv_validator_key.json gives its address). */
  cometHome: string;
  /** Where the app keeps its state and randomness key. */
  dataDir: string;
  abciPort: number;
  queryPort: number;
  cometRpcUrl: string;
  observer: ValidatorObserver | null;
  /** Consensus heights to keep (null or absent: every block); at least the genesis evidence max age. */
  retainBlocks?: number | null;
  onError?: (error: Error) => void;
}

/** The app half of one validator: ABCI socket server + query API, embedded in the sequencer host's process. */
export interface ConsensusNode {
  readonly app: ConsensusApplication;
  readonly abci: AbciServer;
  readonly query: QueryServer;
  readonly cometAddress: string;
  stop(): Promise<void>;
}

export function cometAddressFromHome(cometHome: string): string {
  const key = JSON.parse(readFileSync(join(cometHome, 'config', 'priv_validator_key.json'), 'utf8')) as { address: string };
  return key.address.toUpperCase();
}

export async function startConsensusNode(options: ConsensusNodeOptions): Promise<ConsensusNode> {
  const cometAddress = cometAddressFromHome(options.cometHome);
  const retainBlocks = checkedRetainBlocks(options.retainBlocks ?? null, evidenceMaxAgeOf(options.cometHome));
  const app = new ConsensusApplication({
    retainBlocks,
    store: new StateStore(options.dataDir),
    local: { cometAddress, randaoKey: loadOrCreateRandaoKey(options.dataDir), observer: options.observer },
  });
  const abci = await startAbciServer({ port: options.abciPort, handler: app.handle, onError: options.onError });
  const query = await startQueryServer({ port: options.queryPort, view: () => app.view, cometRpcUrl: options.cometRpcUrl });
  return {
    app,
    abci,
    query,
    cometAddress,
    stop: async () => {
      await query.close();
      await abci.close();
    },
  };
}
