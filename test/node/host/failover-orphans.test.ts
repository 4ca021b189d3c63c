import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../node/encoding/hex.ts';
import { DrivenSchedule, devWallet, hostKey, OPERATOR_TOKEN, startLinkedHosts, until, type TestHost } from './harness.ts';

// Three hosts in the set, two running: nothing above genesis is ever safe (> 2/3 needs all three), so every block
// stays unsafe and a failover may orphan it.
const keys = [hostKey(0), hostKey(1), hostKey(2)];
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
const schedule = new DrivenSchedule(addresses[0]!);
const hosts: TestHost[] = [];

beforeAll(async () => {
  hosts.push(...(await startLinkedHosts({ keys, schedule, running: 2, config: { producer: { blockTimeMs: 50, emptyBlockIntervalMs: 0 } as never } })));
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
