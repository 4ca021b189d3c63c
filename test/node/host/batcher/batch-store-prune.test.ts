import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchStore, type BatchRecord, type BatchStatus } from '../../../../node/host/batcher/batch-store.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';

const ROOT = `0x${'11'.repeat(32)}` as Hex;

function record(index: number, status: BatchStatus, l1BlockNumber: number | null): BatchRecord {
  return { index, firstBlock: index * 10 + 1, lastBlock: index * 10 + 10, txCount: 1, txRoot: ROOT, stateRoot: ROOT, dataHash: ROOT, signature: null, status, l1TxHash: null, l1BlockNumber };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-prune-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function storeWith(records: BatchRecord[]): Promise<BatchStore> {
  const store = await BatchStore.open(dir);
  for (const batch of records) {
    await store.putData(batch.index, new Uint8Array([batch.index]));
    await store.put(batch);
  }
  return store;
}

const dataFiles = async () => (await readdir(join(dir, 'data'))).sort();

describe('batch data pruning', () => {
  it('deletes the data of batches final on L1 for the margin, oldest first; headers stay; never past a non-final batch', async () => {
    // Appended at L1 blocks 100, 110, 120 (final), 130 (only submitted), 140 (final: cannot be skipped to).
    const store = await storeWith([record(0, 'finalized', 100), record(1, 'finalized', 110), record(2, 'finalized', 120), record(3, 'submitted', 130), record(4, 'finalized', 140)]);
    expect(await store.pruneData(115, 10)).toBe(1);
    expect(await dataFiles()).toEqual(['1.br', '2.br', '3.br', '4.br']);
    expect(await store.data(0)).toBeNull();
    expect(store.get(0)).toMatchObject({ index: 0, status: 'finalized', dataHash: ROOT });
    expect(await store.pruneData(1_000, 10)).toBe(2);
    expect(await dataFiles()).toEqual(['3.br', '4.br']);
    expect(await store.data(4)).toEqual(new Uint8Array([4]));
  });

  it('a reopened store resumes from the oldest kept data file, and a batch without data (imported) is no error', async () => {
    const store = await storeWith([record(0, 'finalized', 100), record(1, 'finalized', 110)]);
    await store.put({ ...record(2, 'finalized', 120), imported: true });
    await store.pruneData(111, 10);
    const reopened = await BatchStore.open(dir);
    expect(await reopened.pruneData(1_000, 10)).toBe(1);
    expect(await dataFiles()).toEqual([]);
    expect(reopened.all()).toHaveLength(3);
  });
});
