import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from '../../../protocol/consensus/types.ts';
import { genesisFromLockingPool } from '../../consensus/l1/genesis.ts';
import { devnetPorts, initLocalnet, openLocalnet, type Localnet } from './localnet.ts';

export interface DevnetConsensusOptions {
  /** Folder of the CometBFT homes and app data (the devnet uses .devnet/consensus). */
  dir: string;
  l1Url: string;
  lockingPool: string;
  /** Node i's sequencer signer: node i gets that sequencer's genesis power. */
  signers: Address[];
  /** The edge scheduler's address(es), allowed to send rotation-trigger. */
  schedulers: Address[];
  l2ChainId: number;
  chainId?: string;
  basePort?: number;
  params?: Record<string, unknown>;
}

/**
 * The devnet's consensus network: created once from the LockingPool set on L1 (genesis validators = the locked
 * sequencers, node i <-> signers[i]), reopened as it is on later runs so the chain resumes. Each host then calls
 * `startApp(i, observer)` and `startComet(i)` on the returned Localnet for its own node.
 */
export async function prepareDevnetConsensus(options: DevnetConsensusOptions): Promise<Localnet> {
  if (existsSync(join(options.dir, 'localnet.json'))) return openLocalnet(options.dir);
  const snapshot = await genesisFromLockingPool({ url: options.l1Url, lockingPool: options.lockingPool, cometKeyOf: () => ({ cometPubKey: '' }) });
  const ports = options.signers.map((_, index) => devnetPorts(index, options.basePort));
  return initLocalnet({
    dir: options.dir,
    chainId: options.chainId ?? 'l2-sequencer-devnet',
    ports,
    appState: (keys) => ({
      l2ChainId: options.l2ChainId,
      l1StartBlock: snapshot.l1StartBlock,
      params: { epochLength: 100, blockTimeMs: 1000, livenessTimeoutMs: 3000, l1Confirmations: 1, govVotingPeriod: 600, govExecutionDelay: 20, schedulers: options.schedulers, ...options.params },
      validators: snapshot.validators.flatMap((validator) => {
        const index = options.signers.indexOf(validator.address);
        if (index < 0) return [];
        const base = (options.basePort ?? 9000) + 10 * index;
        return [{ ...validator, cometPubKey: keys[index]!.cometPubKey, rpcUrl: `http://127.0.0.1:${base}`, peerUrl: `ws://127.0.0.1:${base + 2}` }];
      }),
    }),
  });
}
