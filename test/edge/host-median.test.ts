import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hosts, network, rotationTriggers, syncCursors } from '../../edge/db/schema.ts';
import { pickReadHost, type Route, type RoutingTable } from '../../edge/rpc/route.ts';
import { forgetRoutingTable } from '../../edge/rpc/table.ts';
import { medianHeight } from '../../edge/scheduler/health.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { epoch, status, validator } from './support/consensus-fixtures.ts';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { call, db, rpc } from './support/seed.ts';

// Hosts report their own heights; the scheduler judges them against the median, not the highest. One host lying
// high must not draw the reads (nor make honest hosts look lagging); one lying low is left out.

const A = '0x00000000000000000000000000000000000000a1' as const;
const B = '0x00000000000000000000000000000000000000b2' as const;
const C = '0x00000000000000000000000000000000000000c3' as const;
const D = '0x00000000000000000000000000000000000000d4' as const;

let net: FakeNetwork;
let a: FakeHost;
let b: FakeHost;
let high: FakeHost;
let low: FakeHost;

beforeEach(async () => {
  for (const table of [hosts, network, rotationTriggers, syncCursors]) await db().delete(table);
  forgetRoutingTable();
  net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  b = net.host('http://b.hosts.test');
  high = net.host('http://high.hosts.test');
  low = net.host('http://low.hosts.test');
  a.height = 100;
  b.height = 99;
  high.height = 1_000_000_000;
  low.height = 3;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The scheduler's view of `members` (A always active). */
async function schedule(members: [`0x${string}`, FakeHost][]) {
  net
    .consensusApi('http://127.0.0.1:9004')
    .set('/v1/consensus/status', status({ activeSequencer: A }))
    .set('/v1/consensus/validators', { items: members.map(([address, host]) => validator(address, host.url)) })
    .set('/v1/consensus/epochs', { items: [epoch()], next: null })
    .set('/v1/consensus/rotations', { items: [], next: null })
    .set('/v1/consensus/proposals', { items: [], next: null });
  net.install();
  return await runScheduled(env, Date.now());
}

/** How many of `n` reads each host served. */
async function spread(n: number): Promise<Record<string, number>> {
  const before = new Map([...net.hosts.values()].map((host) => [host, host.calls.length]));
  for (let i = 0; i < n; i++) expect((await rpc(call('eth_getBalance', [A, 'latest']))).status).toBe(200);
  return Object.fromEntries([...net.hosts.values()].map((host) => [new URL(host.url).hostname.split('.')[0], host.calls.length - (before.get(host) ?? 0)]));
}

describe('medianHeight', () => {
  it('is the lower middle, so one high liar among an even count cannot lift it', () => {
    expect(medianHeight([])).toBeNull();
    expect(medianHeight([7])).toBe(7);
    expect(medianHeight([100, 1_000_000_000])).toBe(100);
    expect(medianHeight([1_000_000_000, 99, 3, 100])).toBe(99);
    expect(medianHeight([100, 3, 1_000_000_000])).toBe(100);
  });
});

describe('the scheduler against hosts lying about their height', () => {
  it('with three hosts: the high liar is flagged and healthy, the low liar unhealthy, the honest active untouched', async () => {
    const report = await schedule([
      [A, a],
      [C, high],
      [D, low],
    ]);
    const byAddress = Object.fromEntries(report.health.map((host) => [host.address, host]));
    expect(byAddress[A]).toMatchObject({ healthy: true, aheadOfMedian: false, error: null });
    expect(byAddress[C]).toMatchObject({ healthy: true, aheadOfMedian: true, error: null });
    expect(byAddress[D]).toMatchObject({ healthy: false, aheadOfMedian: false, error: '97 blocks below the median host height 100 (limit 16)' });
    // The honest active sequencer does not look stalled or lagging: no liveness rotation is proposed.
    expect(report.due).toBeNull();

    // Reads go to the active host rather than to the follower that claims to be far ahead.
    expect(await spread(12)).toEqual({ a: 12, b: 0, high: 0, low: 0 });

    const page = (await (await exports.default.fetch('http://edge.test/v1/status')).json()) as { hosts: { address: string; healthy: boolean; aheadOfMedian: boolean }[] };
    expect(page.hosts.map((host) => [host.address, host.healthy, host.aheadOfMedian])).toEqual([
      [A, true, false],
      [C, true, true],
      [D, false, false],
    ]);
    const html = await (await exports.default.fetch('http://edge.test/status')).text();
    expect(html).toContain('ahead of the median height (not preferred)');
  });

  it('with four hosts: reads spread over the honest follower only; the liars get none', async () => {
    await schedule([
      [A, a],
      [B, b],
      [C, high],
      [D, low],
    ]);
    expect(await spread(12)).toEqual({ a: 0, b: 12, high: 0, low: 0 });
  });

  it('the flagged host is still read from when every other host is gone', async () => {
    await schedule([
      [A, a],
      [C, high],
      [D, low],
    ]);
    a.mode = 'down';
    const answer = (await (await rpc(call('eth_getBalance', [A, 'latest']))).json()) as { result?: string };
    expect(answer.result).toBe('eth_getBalance from http://high.hosts.test');
  });

  it('a height that is no safe integer is no height: unhealthy with the reason, left out of the median', async () => {
    high.height = 2 ** 80;
    low.height = Number.NaN;
    const report = await schedule([
      [A, a],
      [B, b],
      [C, high],
      [D, low],
    ]);
    const byAddress = Object.fromEntries(report.health.map((host) => [host.address, host]));
    expect(byAddress[C]).toMatchObject({ healthy: false, height: null, error: 'eth_blockNumber returned no usable height: "0x100000000000000000000"' });
    expect(byAddress[D]).toMatchObject({ healthy: false, height: null, error: 'eth_blockNumber returned no usable height: "0xNaN"' });
    expect([byAddress[A]?.healthy, byAddress[B]?.healthy]).toEqual([true, true]);
    expect(await spread(4)).toEqual({ a: 0, b: 4, high: 0, low: 0 });
  });

  it('an honest height spread within the margins flags nobody', async () => {
    b.height = 104;
    const report = await schedule([
      [A, a],
      [B, b],
    ]);
    expect(report.health.map((host) => [host.healthy, host.aheadOfMedian])).toEqual([
      [true, false],
      [true, false],
    ]);
  });
});

describe('pickReadHost', () => {
  const route = (address: string, aheadOfMedian = false): Route => ({ address, rpcUrl: `http://${address}`, healthy: true, aheadOfMedian });
  const table = (active: Route, followers: Route[]): RoutingTable => ({ active, followers, l2ChainId: 1, l1Covered: null });

  it('prefers an unflagged follower, then the unflagged active host, then flagged followers, then a flagged active host', () => {
    expect(pickReadHost(table(route(A), [route(B), route(C, true)]))?.address).toBe(B);
    expect(pickReadHost(table(route(A), [route(C, true)]))?.address).toBe(A);
    expect(pickReadHost(table(route(A, true), [route(C, true)]))?.address).toBe(C);
    expect(pickReadHost(table(route(A, true), []))?.address).toBe(A);
    expect(pickReadHost(table(route(A), [route(C, true)]), new Set([A]))?.address).toBe(C);
  });
});
