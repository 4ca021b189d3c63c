import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsensusSchedule } from '../../../../node/host/sync/consensus-schedule.ts';

// The consensus query API's contract (docs/architecture/consensus.md), served from plain data the test changes.
const A = '0x' + 'aa'.repeat(20);
const B = '0x' + 'bb'.repeat(20);
const C = '0x' + 'cc'.repeat(20);
const epoch = (number: number, firstBlock: number, lastBlock: number, sequencer: string) => ({ number, firstBlock, lastBlock, sequencer: sequencer.toUpperCase().replace('0X', '0x'), seed: '0x00', reason: 'epoch', startedAtHeight: 1 });
let epochs = [epoch(0, 1, 100, A), epoch(1, 101, 200, B)];
let next: ReturnType<typeof epoch> | null = epoch(2, 201, 300, C);
let failing = false;
/** The `from` of every epochs request. */
const reads: number[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (failing) {
      res.statusCode = 503;
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'down' } }));
    } else if (u.pathname === '/v1/consensus/epochs') {
      const from = Number(u.searchParams.get('from') ?? 0);
      reads.push(from);
      const limit = Number(u.searchParams.get('limit') ?? 20);
      const items = epochs.slice(from, from + Math.min(limit, 1));
      res.end(JSON.stringify({ items, next: from + items.length < epochs.length ? from + items.length : null }));
    } else if (u.pathname === '/v1/consensus/status') {
      res.end(JSON.stringify({ epoch: epochs[epochs.length - 1], nextEpoch: next, l2: { latest: 120, safe: 117, finalized: 90 } }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'no' } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('consensus-backed schedule', () => {
  it('answers from every page of epochs plus the next one, lowercased', async () => {
    const schedule = new ConsensusSchedule(url);
    expect(schedule.sequencerFor(50n)).toBeNull(); // nothing loaded yet: unknown, and a refresh starts
    await schedule.refresh();
    expect(schedule.sequencerFor(1n)).toBe(A);
    expect(schedule.sequencerFor(150n)).toBe(B);
    expect(schedule.sequencerFor(250n)).toBe(C);
    expect(schedule.epochFor(250n)).toBe(2);
    expect(schedule.sequencerFor(301n)).toBeNull();
    expect(schedule.agreedSafe()).toBe(117n);
  });

  it('a failover that cuts an epoch short wins for the blocks it covers', async () => {
    const schedule = new ConsensusSchedule(url);
    epochs = [epoch(0, 1, 100, A), epoch(1, 101, 200, B), epoch(2, 131, 230, C)];
    next = null;
    await schedule.refresh();
    expect(schedule.sequencerFor(130n)).toBe(B);
    expect(schedule.sequencerFor(131n)).toBe(C);
    expect(schedule.sequencerFor(200n)).toBe(C);
  });

  it('reads only the newest epochs again on later refreshes, and still sees a failover that cut them', async () => {
    epochs = Array.from({ length: 40 }, (_, index) => epoch(index, index * 10 + 1, index * 10 + 10, index % 2 ? B : A));
    next = epoch(40, 401, 410, C);
    const schedule = new ConsensusSchedule(url);
    await schedule.refresh();
    expect(schedule.sequencerFor(405n)).toBe(C);
    reads.length = 0;
    // Epoch 39 cut at 395 by a failover; the new epoch 40 replaces the one elected before.
    epochs = [...epochs.slice(0, 39), epoch(39, 391, 395, B), epoch(40, 396, 405, A)];
    next = null;
    await schedule.refresh();
    expect(Math.min(...reads)).toBeGreaterThanOrEqual(38);
    expect(schedule.sequencerFor(5n)).toBe(A);
    expect(schedule.sequencerFor(395n)).toBe(B);
    expect(schedule.sequencerFor(396n)).toBe(A);
    expect(schedule.sequencerFor(406n)).toBeNull();
  });

  it('keeps the last good view while the API fails, and reports the failure', async () => {
    const schedule = new ConsensusSchedule(url);
    await schedule.refresh();
    failing = true;
    await schedule.refresh();
    expect(schedule.lastError).toMatch(/down|503/);
    expect(schedule.sequencerFor(1n)).toBe(A);
    failing = false;
    await schedule.refresh();
    expect(schedule.lastError).toBeNull();
  });
});
