import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { limitTransactions } from '../../edge/limits/limit.ts';
import { freshIp } from './support/seed.ts';

// The transaction bucket is one Durable Object per client key: its storage must not outlive the client's last
// minute, or every key that ever sent a transaction would keep a stored object for good.

const PER_MINUTE = 3;
const stubOf = (key: string) => env.TX_LIMITER.get(env.TX_LIMITER.idFromName(key));

describe('TxRateLimiter storage', () => {
  it('schedules its release for when the bucket is full again, at most a minute after a take', async () => {
    const key = freshIp();
    const before = Date.now();
    expect(await limitTransactions(env.TX_LIMITER, key, 2, PER_MINUTE)).toEqual({ ok: true, retryAfter: 0 });
    const alarm = await runInDurableObject(stubOf(key), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    // Two of three tokens taken: full again after 40 s of refill.
    expect(alarm! - before).toBeGreaterThanOrEqual(40_000);
    expect(alarm! - Date.now()).toBeLessThanOrEqual(40_000);
  });

  it('keeps no storage once its alarm has run, and then answers like a fresh bucket', async () => {
    const key = freshIp();
    for (let n = 0; n < PER_MINUTE; n++) expect((await limitTransactions(env.TX_LIMITER, key, 1, PER_MINUTE)).ok).toBe(true);
    expect((await limitTransactions(env.TX_LIMITER, key, 1, PER_MINUTE)).ok).toBe(false);
    expect(await runDurableObjectAlarm(stubOf(key))).toBe(true);
    const stored = await runInDurableObject(stubOf(key), async (_, state) => ({ keys: [...(await state.storage.list()).keys()], alarm: await state.storage.getAlarm() }));
    expect(stored).toEqual({ keys: [], alarm: null });
    expect((await limitTransactions(env.TX_LIMITER, key, PER_MINUTE, PER_MINUTE)).ok).toBe(true);
  });

  it('a refused take changes nothing: no storage, no alarm, for a key that never got a token', async () => {
    const key = freshIp();
    expect((await limitTransactions(env.TX_LIMITER, key, PER_MINUTE + 1, PER_MINUTE)).ok).toBe(false);
    const stored = await runInDurableObject(stubOf(key), async (_, state) => ({ keys: [...(await state.storage.list()).keys()], alarm: await state.storage.getAlarm() }));
    expect(stored).toEqual({ keys: [], alarm: null });
  });
});
