import { mkdtempSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, parseEther } from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { startL1Node, type L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { bootstrapL1, l1Contracts } from '../../../../node/tools/devnet/l1-bootstrap.ts';
import { readJournal, replayJournal, startJournalProxy, type JournalProxy } from '../../../../node/tools/devnet/l1-journal.ts';
import { devAccount } from '../../../../node/tools/devnet/accounts.ts';
import { freePort } from '../../../support/ports.ts';

const GENESIS = '2026-01-01T00:00:00.000Z';

describe('L1 journal: the devnet L1 survives a restart', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function node(): Promise<L1Node> {
    const l1 = await startL1Node({ port: await freePort(), initialDate: GENESIS });
    cleanups.push(() => l1.stop());
    return l1;
  }
  async function proxy(upstream: string, file: string): Promise<JournalProxy> {
    const p = await startJournalProxy({ port: await freePort(), upstream, file });
    cleanups.push(() => p.close());
    return p;
  }

  it('replays deployments, locks, transfers and mined blocks into identical blocks and state', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'l1-journal-')), 'l1.journal');
    const first = await node();
    const front = await proxy(first.url, file);
    const addresses = await bootstrapL1({ url: front.url, stakes: [20_000, 30_000], exitDelaySeconds: 60 });
    const provider = new JsonRpcProvider(front.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    cleanups.push(async () => provider.destroy());
    await provider.send('evm_mine', []);
    const payer = devAccount(5).connect(provider);
    await (await payer.sendTransaction({ to: devAccount(6).address, value: parseEther('1.5') })).wait();
    // A rejected call (nonce too low) is not journaled.
    await expect(provider.send('eth_sendTransaction', [{ from: payer.address, to: payer.address, nonce: '0x0' }])).rejects.toThrow();
    const head = await provider.getBlock('latest');
    const journal = readJournal(file);
    expect(journal.length).toBeGreaterThan(10);
    expect(journal.at(-1)?.block).toBe(head?.number);

    const second = await node();
    await replayJournal(second.url, journal);
    const replayed = new JsonRpcProvider(second.url, undefined, { staticNetwork: true });
    cleanups.push(async () => replayed.destroy());
    const replayedHead = await replayed.getBlock('latest');
    expect(replayedHead?.hash).toBe(head?.hash);
    expect(await replayed.getBalance(devAccount(6).address)).toBe(await provider.getBalance(devAccount(6).address));
    const { lockingPool } = l1Contracts(addresses, replayed);
    expect((await lockingPool.activeSequencers()).length).toBe(2);
  });

  it('ignores a torn last line and refuses a journal that does not match the chain', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'l1-journal-')), 'l1.journal');
    writeFileSync(file, `${JSON.stringify({ method: 'evm_mine', params: [], block: 1, timestamp: 1767225700 })}\n`);
    appendFileSync(file, '{"method":"evm_mi');
    const entries = readJournal(file);
    expect(entries).toHaveLength(1);
    const l1 = await node();
    await replayJournal(l1.url, entries);
    await expect(replayJournal(l1.url, [{ method: 'evm_mine', params: [], block: 7, timestamp: 1767225800 }])).rejects.toThrow(
      /diverged/,
    );
  });
});
