import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../node/encoding/hex.ts';
import { DrivenSchedule, devWallet, hostKey, L2_CHAIN_ID, startLinkedHosts, until, type TestHost } from './harness.ts';

const keys = [hostKey(0), hostKey(1)];
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
const schedule = new DrivenSchedule(addresses[0]!);
const hosts: TestHost[] = [];

beforeAll(async () => {
  hosts.push(...(await startLinkedHosts({ keys, schedule })));
});

afterAll(async () => {
  for (const t of hosts) await t.stop();
});

describe('rotation', () => {
  it('the old sequencer hands its acknowledged transactions to the new one, which includes them', async () => {
    const [old, next] = [hosts[0]!.host, hosts[1]!.host];
    const provider = new JsonRpcProvider(old.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const wallet = devWallet(8);
    // Nonce 1 before nonce 0: it waits in the old sequencer's pool, acknowledged.
    const fee = { to: devWallet(2).address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 } as const;
    const queued = await provider.broadcastTransaction(await wallet.signTransaction({ ...fee, nonce: 1 }));
    expect(old.pool.has(queued.hash as Hex)).toBe(true);

    // The schedule moves to the other host from the next block on.
    schedule.rotations.push({ from: old.heads.latest + 1n, sequencer: addresses[1]! });
    await until(() => next.pool.has(queued.hash as Hex), 'the hand-off');
    expect(old.isActive()).toBe(false);
    expect(next.isActive()).toBe(true);

    // The old host now refuses sends (-32003); the new one takes nonce 0 and includes both.
    const refused = await fetch(old.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [await wallet.signTransaction({ ...fee, nonce: 0 })] }) });
    expect(((await refused.json()) as any).error.code).toBe(-32003);
    const nextProvider = new JsonRpcProvider(next.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    await nextProvider.broadcastTransaction(await wallet.signTransaction({ ...fee, nonce: 0 }));
    const receipt = await nextProvider.waitForTransaction(queued.hash, 1, 10_000);
    expect(receipt!.status).toBe(1);
    // The old sequencer follows the new one's chain: same block, same hash.
    await until(() => old.heads.latest >= BigInt(receipt!.blockNumber), 'the old host to follow');
    expect(old.engine.getBlockByNumber(BigInt(receipt!.blockNumber))!.hash).toBe(receipt!.blockHash);
    provider.destroy();
    nextProvider.destroy();
  });
});
