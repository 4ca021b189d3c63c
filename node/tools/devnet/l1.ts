import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startL1Node, type L1Node } from './edr-node.ts';
import { rpcCall } from '../../net/rpc-call.ts';
import { bootstrapL1, type L1Addresses } from './l1-bootstrap.ts';
import { readJournal, replayJournal, startJournalProxy } from './l1-journal.ts';

export type DevnetL1 = {
  /** The URL everyone uses: the journaling proxy in front of the EDR node. */
  url: string;
  addresses: L1Addresses;
  /** True when the chain was rebuilt from the journal of an earlier run. */
  resumed: boolean;
  stop(): Promise<void>;
};

export type DevnetL1Options = {
  dataDir: string;
  port: number;
  /** The EDR node's own port, behind the proxy. */
  innerPort: number;
  stakes: readonly number[];
  exitDelaySeconds: number;
  /** Mine an empty L1 block this often, so that L1 confirmations accrue without traffic. */
  blockIntervalMs: number;
};

type L1State = { genesisDate: string; addresses: L1Addresses };

/**
 * Starts the devnet's L1: a fresh EDR node whose chain is either bootstrapped (contracts deployed, stakes locked)
 * or, when `.devnet/l1.json` exists, rebuilt by replaying the journal of the previous run.
 */
export async function startDevnetL1(options: DevnetL1Options): Promise<DevnetL1> {
  const stateFile = join(options.dataDir, 'l1.json');
  const journalFile = join(options.dataDir, 'l1.journal');
  const previous = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as L1State) : undefined;
  const genesisDate = previous?.genesisDate ?? new Date().toISOString();

  const node: L1Node = await startL1Node({ port: options.innerPort, initialDate: genesisDate });
  try {
    if (previous) await replayJournal(node.url, readJournal(journalFile));
    const proxy = await startJournalProxy({ port: options.port, upstream: node.url, file: journalFile });
    const addresses =
      previous?.addresses ??
      (await bootstrapL1({ url: proxy.url, stakes: options.stakes, exitDelaySeconds: options.exitDelaySeconds }));
    if (!previous) writeFileSync(stateFile, `${JSON.stringify({ genesisDate, addresses } satisfies L1State, null, 2)}\n`);
    const ticker = setInterval(() => void mineEmptyBlock(proxy.url), options.blockIntervalMs);
    return {
      url: proxy.url,
      addresses,
      resumed: previous !== undefined,
      stop: async () => {
        clearInterval(ticker);
        await proxy.close();
        await node.stop();
      },
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

async function mineEmptyBlock(url: string): Promise<void> {
  try {
    await rpcCall(url, 'evm_mine');
  } catch {
    // The L1 is shutting down; the next tick (if any) tries again.
  }
}
