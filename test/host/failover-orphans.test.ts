import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../node/chain/hex.ts';
import type { PeerEndpoint } from '../../node/replication/peer-network.ts';
import type { SequencerSchedule } from '../../node/replication/schedule.ts';
import { freePort } from '../support/ports.ts';
import { devWallet, hostKey, OPERATOR_TOKEN, startTestHost, until, type TestHost } from './harness.ts';

/** The consensus layer's failover rule, driven by the test: from `from` on, `sequencer` is elected. */
class FailoverSchedule implements SequencerSchedule {
  readonly source = 'config' as const;
  rotations: { from: bigint; sequencer: Hex }[];
  constructor(first: Hex) {
    this.rotations = [{ from: 0n, sequencer: first }];
  }
  sequencerFor(number: bigint): Hex {
    return [...this.rotations].reverse().find((r) => number >= r.from)!.sequencer;
  }
  epochFor(): number {
    return this.rotations.length - 1;
  }
  async refresh(): Promise<void> {}
}

// Three hosts in the set, two running: nothing above genesis is ever safe (> 2/3 needs all three), so every block
// stays unsafe and a failover may orphan it.
const keys = [hostKey(0), hostKey(1), hostKey(2)];
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
const schedule = new FailoverSchedule(addresses[0]!);
const hosts: TestHost[] = [];

beforeAll(async () => {
  const ports = await Promise.all(keys.map(() => freePort()));
  const peers: PeerEndpoint[] = addresses.map((address, i) => ({ address, url: `ws://127.0.0.1:${ports[i]}` }));
  for (let i = 0; i < 2; i++) hosts.push(await startTestHost({ nodeKey: keys[i], peer: { port: ports[i]!, peers }, schedule, producer: { blockTimeMs: 50, emptyBlockIntervalMs: 0 } as never }));
  await until(() => hosts[0]!.host.network.connectedPeers().length === 1, 'the peer link');
});

afterAll(async () => {
  for (const t of hosts) await t.stop();
});

describe('failover over unsafe blocks', () => {
  it('a block the old sequencer sealed above the cut is orphaned: never built upon; with a native rewind its transaction is included again', async () => {
    const [old, next] = [hosts[0]!.host, hosts[1]!.host];
    const provider = new JsonRpcProvider(old.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const receipt = (await (await devWallet(9).connect(provider).sendTransaction({ to: devWallet(2).address, value: 7n })).wait())!;
    const orphan = BigInt(receipt.blockNumber);
    await until(() => next.heads.latest >= orphan, 'the follower to apply it');
    expect(next.heads.safe).toBeLessThan(orphan);

    // Failover: the consensus layer cuts the old epoch at the safe head; the new sequencer starts right after it.
    schedule.rotations.push({ from: orphan, sequencer: addresses[1]! });
    if (!next.engine.rewindTo) {
      // Without a native rewind the hosts refuse to build on the orphan and say so.
      await until(async () => next.isActive() && (await healthOf(next)).forkedAt === Number(orphan), 'the fork to be reported');
      const latest = next.heads.latest;
      await new Promise((r) => setTimeout(r, 300));
      expect(next.heads.latest).toBe(latest);
      const health = await healthOf(next);
      expect(health).toMatchObject({ ok: false, forkedAt: Number(orphan) });
    } else {
      // With it, the new sequencer rewinds, re-pools the orphaned transaction and includes it again.
      const nextProvider = new JsonRpcProvider(next.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
      const again = await until(async () => {
        const r = await nextProvider.getTransactionReceipt(receipt.hash);
        return r && r.blockHash !== receipt.blockHash ? r : null;
      }, 'the transaction in the agreed chain');
      expect(again!.status).toBe(1);
      await until(() => old.engine.getReceipt(receipt.hash as Hex)?.blockHash === again!.blockHash, 'the old sequencer to rewind and follow');
      nextProvider.destroy();
    }
    provider.destroy();
  });
});

async function healthOf(host: TestHost['host']): Promise<any> {
  const res = await fetch(`${host.operatorUrl}/health`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  return await res.json();
}
