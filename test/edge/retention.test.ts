import { env } from 'cloudflare:workers';
import { asc } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { batches, epochs, l1Events, rotationTriggers, rotations } from '../../edge/db/schema.ts';
import { pruneHistory, type RetentionLimits } from '../../edge/scheduler/retention.ts';
import { db } from './support/seed.ts';

// The scheduler's retention rules against the real D1 schema (migrations applied in workerd): each growing table is
// cut to its bound, oldest first, and what the gateway and the REST API still need stays.

const DAY = 24 * 3_600_000;
const limits: RetentionLimits = { batchHistory: 3, epochHistory: 2, triggerRetentionMs: 7 * DAY, pruneBatch: 100 };
const word = (byte: string) => `0x${byte.repeat(32)}`;

async function seedBatches(count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const l1Block = 100 + index;
    await db()
      .insert(batches)
      .values({ batchIndex: index, firstBlock: index * 10 + 1, lastBlock: index * 10 + 10, txRoot: word('aa'), stateRoot: word('bb'), dataHash: word('cc'), relayer: `0x${'0'.repeat(40)}`, l1Block, l1TxHash: word('dd') });
    await db().insert(l1Events).values({ blockNumber: l1Block, logIndex: 0, txHash: word('dd'), contract: 'BatchChain', name: 'BatchAppended', addresses: '', args: { index: String(index) } });
  }
}

beforeEach(async () => {
  for (const table of [batches, l1Events, epochs, rotations, rotationTriggers]) await db().delete(table);
});

describe('pruneHistory', () => {
  it('keeps the newest batches and the BatchChain events from their L1 blocks on, and every LockingPool event', async () => {
    await seedBatches(5);
    await db().insert(l1Events).values({ blockNumber: 1, logIndex: 0, txHash: word('ee'), contract: 'LockingPool', name: 'SequencerStaked', sequencerId: 1, addresses: '', args: {} });
    const report = await pruneHistory(env.DB, 0, limits);
    expect(report).toMatchObject({ batches: 2, batchEvents: 2 });
    expect((await db().select().from(batches).orderBy(asc(batches.batchIndex))).map((row) => row.batchIndex)).toEqual([2, 3, 4]);
    const events = await db().select().from(l1Events).orderBy(asc(l1Events.blockNumber));
    expect(events.map((row) => `${row.contract}@${row.blockNumber}`)).toEqual(['LockingPool@1', 'BatchChain@102', 'BatchChain@103', 'BatchChain@104']);
  });

  it('deletes nothing while a table is within its bound, nor BatchChain events before any batch is mirrored', async () => {
    await seedBatches(3);
    await db().delete(batches);
    expect(await pruneHistory(env.DB, 0, limits)).toEqual({ batches: 0, batchEvents: 0, epochs: 0, rotations: 0, triggers: 0 });
    expect(await db().select().from(l1Events)).toHaveLength(3);
  });

  it('drains a backlog over runs, at most pruneBatch rows per rule and run', async () => {
    await seedBatches(8);
    const first = await pruneHistory(env.DB, 0, { ...limits, pruneBatch: 2 });
    expect(first.batches).toBe(2);
    await pruneHistory(env.DB, 0, { ...limits, pruneBatch: 2 });
    await pruneHistory(env.DB, 0, { ...limits, pruneBatch: 2 });
    expect(await db().select().from(batches)).toHaveLength(3);
  });

  it('keeps the newest epochs and rotations', async () => {
    for (let number = 1; number <= 5; number++) {
      await db().insert(epochs).values({ number, firstBlock: number * 100, lastBlock: number * 100 + 99, sequencer: 'a', seed: '0x', reason: 'scheduled', startedAtHeight: number });
      await db().insert(rotations).values({ epoch: number, toAddress: 'a', reason: 'scheduled', l2StartBlock: number * 100, height: number });
    }
    expect(await pruneHistory(env.DB, 0, limits)).toMatchObject({ epochs: 3, rotations: 3 });
    expect((await db().select().from(epochs)).map((row) => row.number).sort()).toEqual([4, 5]);
    expect((await db().select().from(rotations)).map((row) => row.epoch).sort()).toEqual([4, 5]);
  });

  it('forgets settled rotation triggers after the retention period, never a pending one', async () => {
    const now = 100 * DAY;
    const trigger = (key: string, status: 'pending' | 'sent' | 'failed', updatedAt: number) => ({ key, epoch: 1, reason: 'liveness', status, leaseUntil: 0, observedL2Height: 1, updatedAt });
    await db()
      .insert(rotationTriggers)
      .values([trigger('old-sent', 'sent', now - 8 * DAY), trigger('old-failed', 'failed', now - 8 * DAY), trigger('old-pending', 'pending', now - 8 * DAY), trigger('recent-sent', 'sent', now - DAY)]);
    expect((await pruneHistory(env.DB, now, limits)).triggers).toBe(2);
    expect((await db().select().from(rotationTriggers)).map((row) => row.key).sort()).toEqual(['old-pending', 'recent-sent']);
  });
});
