import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.ts';
import { startChildHost, type ChildHost } from './child-host.ts';
import { hostKey, L2_CHAIN_ID, OPERATOR_TOKEN, testGenesis } from './harness.ts';

const SENDERS = Array.from({ length: 16 }, (_, i) => Wallet.fromPhrase('test test test test test test test test test test test junk', undefined).deriveChild(0).deriveChild(i + 20));
let dir: string;
let host: ChildHost | null = null;

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<any[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c }))) });
  return (await res.json()) as any[];
}

afterAll(async () => {
  await host?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('crash safety (child process, kill -9 under load)', () => {
  it('loses no receipted and no acknowledged transaction across kill -9 and restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-crash-'));
    const nodeKey = hostKey(0);
    const config = {
      dataDir: join(dir, 'data'),
      genesis: testGenesis(SENDERS.map((s) => s.address)),
      nodeKey,
      rpc: { port: await freePort() },
      operator: { port: await freePort(), token: OPERATOR_TOKEN },
      peer: { port: await freePort(), peers: [] },
      sequencer: { mode: 'static', address: new Wallet(nodeKey).address },
      // Blocks every 250 ms, so at any instant some acknowledged transactions live only in the pool and its journal.
      producer: { blockTimeMs: 250 },
    };
    // Pre-signed transfers, 40 per sender, in nonce order.
    const signed = await Promise.all(
      SENDERS.map((w) =>
        Promise.all(Array.from({ length: 40 }, (_, nonce) => w.signTransaction({ to: w.address, value: 1n, nonce, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 }))),
      ),
    );
    host = await startChildHost(dir, config);
    const acknowledged = new Set<string>();
    const receipted = new Map<string, string>();
    let killed = false;
    let loadDone = false;
    const load = (async () => {
      // Paced so the load spans several 250 ms blocks on any machine: the kill must find receipted transactions
      // and acknowledged ones that only the pool and its journal hold.
      for (let round = 0; round < 40 && !killed; round++, await new Promise((r) => setTimeout(r, 25))) {
        const calls = SENDERS.map((_, s) => ({ method: 'eth_sendRawTransaction', params: [signed[s]![round]] }));
        const replies = await rpcBatch(host!.rpc, calls).catch(() => []);
        for (const r of replies) if (r.result) acknowledged.add(r.result);
        const hashes = [...acknowledged].filter((h) => !receipted.has(h));
        const receipts = await rpcBatch(host!.rpc, hashes.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] }))).catch(() => []);
        for (const [i, r] of receipts.entries()) if (r.result) receipted.set(hashes[i]!, r.result.blockHash);
      }
      loadDone = true;
    })();
    // Kill in the middle of the load, once some transactions have receipts.
    while (!loadDone && (acknowledged.size < 16 * 15 || receipted.size === 0)) await new Promise((r) => setImmediate(r));
    killed = true;
    await host.kill9();
    await load;
    expect(receipted.size).toBeGreaterThan(0);
    expect(acknowledged.size).toBeLessThan(16 * 40);

    host = await startChildHost(dir, config);
    // Every receipt served before the crash is still there, in the same block.
    const hashes = [...receipted.keys()];
    const after = await rpcBatch(host.rpc, hashes.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
    expect(after.map((r) => r.result?.blockHash)).toEqual(hashes.map((h) => receipted.get(h)));
    // Every acknowledged transaction is either in a block or back in the pool (journal), and all get included.
    const pendingOrMined = await rpcBatch(host.rpc, [...acknowledged].map((h) => ({ method: 'eth_getTransactionByHash', params: [h] })));
    expect(pendingOrMined.filter((r) => !r.result)).toEqual([]);
    const deadline = Date.now() + 15_000;
    let missing = [...acknowledged];
    while (missing.length && Date.now() < deadline) {
      const replies = await rpcBatch(host.rpc, missing.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
      missing = missing.filter((_, i) => !replies[i].result);
      if (missing.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(missing).toEqual([]);
  });
});
