import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batches, hosts, network, syncCursors } from '../../edge/db/schema.ts';
import { forgetRoutingTable } from '../../edge/rpc/table.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { epoch, status, validator } from './support/consensus-fixtures.ts';
import { BATCH_CHAIN, FakeL1, LOCKING_POOL } from './support/fake-l1.ts';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { call, db, rpc, seedRoutes } from './support/seed.ts';

// The immutable-answer cache keeps only what a batch on L1 covers (the edge's own L1 mirror), whatever hosts and
// the consensus status say is "finalized": a lie there must not pin an answer for a year.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const ROOT = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let net: FakeNetwork;
let a: FakeHost;
let b: FakeHost;

beforeEach(async () => {
  for (const table of [hosts, network, batches, syncCursors]) await db().delete(table);
  forgetRoutingTable();
  net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  b = net.host('http://b.hosts.test');
  a.height = 1_000_000;
  b.height = 1_000_000;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** How many times B (the follower serving reads) is asked `body` over two identical requests. */
async function forwardsOf(body: unknown): Promise<number> {
  const before = b.calls.length;
  await rpc(body);
  await pause(50);
  forgetRoutingTable();
  await rpc(body);
  return b.calls.length - before;
}

/** Asserts the second of two identical requests is answered without asking any host. */
async function expectCached(body: unknown): Promise<void> {
  await rpc(body);
  await vi.waitFor(async () => {
    const before = a.calls.length + b.calls.length;
    await rpc(body);
    expect(a.calls.length + b.calls.length).toBe(before);
  });
}

describe('what a host says is finalized', () => {
  it('caches nothing before the L1 mirror has seen a batch, even blocks by hash, however high "finalized" is', async () => {
    net.install();
    await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }], finalized: 999_999 });
    b.blocks.set(hash(1), { hash: hash(1), number: '0x5' });
    b.txs.set(hash(2), { hash: hash(2), blockNumber: '0x5', raw: '0x' });
    expect(await forwardsOf(call('eth_getBlockByNumber', ['0x5', false]))).toBe(2);
    expect(await forwardsOf(call('eth_getBlockByHash', [hash(1), false]))).toBe(2);
    expect(await forwardsOf(call('eth_getTransactionReceipt', [hash(2)]))).toBe(2);
  });

  it('caches blocks, transactions and receipts only up to the last block of the last batch on L1', async () => {
    net.install();
    await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }], finalized: 999_999, l1Covered: 20 });
    b.blocks.set(hash(3), { hash: hash(3), number: '0x15' });
    b.txs.set(hash(4), { hash: hash(4), blockNumber: '0x15', raw: '0x' });
    b.blocks.set(hash(5), { hash: hash(5), number: '0x14' });
    expect(await forwardsOf(call('eth_getBlockByNumber', ['0x15', false]))).toBe(2);
    expect(await forwardsOf(call('eth_getBlockByHash', [hash(3), false]))).toBe(2);
    expect(await forwardsOf(call('eth_getTransactionByHash', [hash(4)]))).toBe(2);
    await expectCached(call('eth_getBlockByNumber', ['0x14', false]));
    await expectCached(call('eth_getBlockByHash', [hash(5), false]));
  });

  it('end to end: a consensus status and hosts claiming a huge finalized height; the scheduler reads the batch from L1', async () => {
    const l1 = new FakeL1();
    l1.emit(BATCH_CHAIN, 'BatchAppended', [0, 1, 20, ROOT(1), ROOT(2), ROOT(3), B], 7);
    net.l1.set('http://127.0.0.1:8545', l1.answer);
    net
      .consensusApi('http://127.0.0.1:9004')
      .set('/v1/consensus/status', status({ activeSequencer: A, l2: { latest: 1_000_000, safe: 1_000_000, finalized: 1_000_000 } }))
      .set('/v1/consensus/validators', { items: [validator(A, a.url), validator(B, b.url)] })
      .set('/v1/consensus/epochs', { items: [epoch()], next: null })
      .set('/v1/consensus/rotations', { items: [], next: null })
      .set('/v1/consensus/proposals', { items: [], next: null });
    net.install();
    const report = await runScheduled({ ...env, LOCKING_POOL_ADDRESS: LOCKING_POOL, BATCH_CHAIN_ADDRESS: BATCH_CHAIN, L1_START_BLOCK: '1' }, Date.now());
    expect(report.l1).toMatchObject({ events: 1 });
    expect((await db().select().from(network))[0]?.l2Finalized).toBe(1_000_000);

    expect(await forwardsOf(call('eth_getBlockByNumber', ['0x15', false]))).toBe(2);
    expect(await forwardsOf(call('eth_getBlockByNumber', ['0xf423f', false]))).toBe(2);
    await expectCached(call('eth_getBlockByNumber', ['0x14', false]));
  });
});
