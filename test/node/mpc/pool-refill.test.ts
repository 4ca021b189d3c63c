import { getAddress, keccak256, recoverAddress, toUtf8Bytes } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';

let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.close();
});

describe('presignature pool refill', () => {
  it('tops the pool back up after each signature, so the next one is a single round', async () => {
    cluster = await Cluster.create();
    const labels = ['X', 'Y', 'Z'];
    for (const l of labels) await cluster.start(l, { poolTarget: 1 });
    const c = cluster;
    const set = c.addresses(labels);
    const [key] = await Promise.all(labels.map((l) => c.get(l).party.keygen('refill', set, 3)));
    const sign = (session: string, text: string) =>
      Promise.all(labels.map((l) => c.get(l).party.sign(session, keccak256(toUtf8Bytes(text)), 'rewards', set)));

    const cold = await sign('r1', 'first');
    expect(cold.every((r) => !r.pooled)).toBe(true);
    await expect.poll(() => labels.map((l) => c.get(l).party.pooled(set)), { timeout: 30_000 }).toEqual([1, 1, 1]);
    const warm = await sign('r2', 'second');
    expect(warm.every((r) => r.pooled)).toBe(true);
    expect(recoverAddress(keccak256(toUtf8Bytes('second')), warm[0]?.signature as string)).toBe(getAddress(key?.address as string));
    // Consumed, then refilled again in the background.
    await expect.poll(() => labels.map((l) => c.get(l).party.pooled(set)), { timeout: 30_000 }).toEqual([1, 1, 1]);
  });
});
