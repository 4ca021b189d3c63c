import { genesisFromLockingPool } from '../../../node/consensus/l1/genesis.ts';
import { L1Watcher } from '../../../node/consensus/l1/watcher.ts';
import { initLocalnet, type Localnet } from '../../../node/tools/localnet/localnet.ts';
import { MemoryObserver } from '../../../node/consensus/abci/observer.ts';
import { sequencerKeys } from '../../../node/tools/devnet/accounts.ts';
import type { L1Addresses } from '../../../node/tools/devnet/l1-bootstrap.ts';
import { freeNodePorts } from './support.ts';

/** Where the LockingPool of a test L1 (bootstrapL1) is. */
export interface TestLockingPool {
  url: string;
  addresses: L1Addresses;
}

/**
 * A localnet of `count` validators whose genesis set is LockingPool's active set (node i = devnet sequencer i).
 * Comet keys exist only after `cometbft init`, so genesis is built inside initLocalnet's callback from a snapshot
 * of LockingPool read just before.
 */
export async function lockingPoolLocalnet(
  pool: TestLockingPool,
  options: { dir: string; chainId: string; count: number; l2ChainId: number; params: Record<string, unknown> },
): Promise<Localnet> {
  const signers = Array.from({ length: options.count }, (_, index) => sequencerKeys(index).signer.address.toLowerCase());
  const snapshot = await genesisFromLockingPool({ url: pool.url, lockingPool: pool.addresses.lockingPool, cometKeyOf: () => ({ cometPubKey: 'placeholder' }) });
  return initLocalnet({
    dir: options.dir,
    chainId: options.chainId,
    ports: await freeNodePorts(options.count),
    appState: (keys) => ({
      l2ChainId: options.l2ChainId,
      l1StartBlock: snapshot.l1StartBlock,
      params: options.params,
      validators: snapshot.validators.map((validator) => ({ ...validator, cometPubKey: keys[signers.indexOf(validator.address)]!.cometPubKey })),
    }),
  });
}

/** One observer per validator, each fed LockingPool events by its own L1Watcher (polling every 200 ms). */
export function lockingPoolObservers(pool: TestLockingPool, count: number): { observers: MemoryObserver[]; watchers: L1Watcher[]; stop(): Promise<unknown> } {
  const watchers: L1Watcher[] = [];
  const observers = Array.from({ length: count }, () => {
    const observer = new MemoryObserver();
    const watcher = new L1Watcher({ url: pool.url, lockingPool: pool.addresses.lockingPool, fromBlock: pool.addresses.fromBlock });
    watcher.start(200);
    watchers.push(watcher);
    observer.l1Source = watcher;
    return observer;
  });
  return { observers, watchers, stop: () => Promise.all(watchers.map((watcher) => watcher.stop())) };
}
