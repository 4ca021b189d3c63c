import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { Wallet, getBytes, toUtf8String, verifyMessage } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '../../protocol/consensus/canonical.ts';
import { epochs, hosts, network, proposals, rotationTriggers, rotations, syncCursors, votes } from '../../edge/db/schema.ts';
import worker from '../../edge/index.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { epoch, status, validator } from './support/consensus-fixtures.ts';
import { FakeNetwork, type FakeConsensus, type FakeHost } from './support/fake-network.ts';
import { db } from './support/seed.ts';

// The cron run against a fake consensus query API and fake hosts (stubbed at fetch): what it mirrors into D1, how
// it judges health, and when it sends the signed rotation trigger, exactly once per (epoch, reason).

const SCHEDULER_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6';
const scheduler = new Wallet(SCHEDULER_KEY);
const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';

let net: FakeNetwork;
let consensus: FakeConsensus;
let a: FakeHost;
let b: FakeHost;
let txCode: number;

function withKey() {
  return { ...env, SCHEDULER_KEY };
}

beforeEach(async () => {
  await db().delete(hosts);
  await db().delete(network);
  await db().delete(rotationTriggers);
  await db().delete(syncCursors);
  net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  b = net.host('http://b.hosts.test');
  consensus = net.consensusApi('http://127.0.0.1:9004');
  txCode = 0;
  consensus
    .set('/v1/consensus/status', status())
    .set('/v1/consensus/validators', { items: [validator(A, a.url), validator(B, b.url)] })
    .set('/v1/consensus/epochs', { items: [epoch({ number: 0, lastBlock: 0 }), epoch()], next: null })
    .set('/v1/consensus/rotations', { items: [{ epoch: 1, from: null, to: A, reason: 'genesis', l2StartBlock: 1, height: 1 }], next: null })
    .set('/v1/consensus/proposals', { items: [{ id: 0, proposer: B, kind: 'params', change: { epochLength: 500 }, status: 'voting', submittedHeight: 5, votingEndHeight: 50, effectiveHeight: 60, tally: {} }], next: null })
    .set('/v1/consensus/proposals/0', { id: 0, proposer: B, kind: 'params', change: { epochLength: 500 }, status: 'voting', submittedHeight: 5, votingEndHeight: 50, effectiveHeight: 60, tally: { yes: 20000 }, votes: [{ voter: A, option: 'yes', power: 20000, height: 7 }] })
    .set('/v1/consensus/tx', () => ({ hash: 'ABCD', code: txCode, log: txCode === 0 ? '' : 'refused' }));
  net.install();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('mirroring', () => {
  it('writes the status, the routing table, epochs, rotations, proposals and votes to D1', async () => {
    const report = await runScheduled(env, 1_000_000);
    expect(report.consensus).toMatchObject({ source: 'http://127.0.0.1:9004', hosts: 2, epochs: 2, rotations: 1, proposals: 1 });
    const [state] = await db().select().from(network);
    expect(state).toMatchObject({ chainId: 'l2-consensus-test', activeSequencer: A, l2Finalized: 50, epoch: 1, mpcThreshold: 3, syncedAt: 1_000_000 });
    const rows = await db().select().from(hosts);
    expect(rows.map((row) => [row.address, row.isActive, row.healthy, row.l2Height])).toEqual([
      [A, true, true, 100],
      [B, false, true, 100],
    ]);
    expect(await db().select().from(epochs)).toHaveLength(2);
    expect(await db().select().from(rotations)).toEqual([{ epoch: 1, fromAddress: null, toAddress: A, reason: 'genesis', l2StartBlock: 1, height: 1 }]);
    expect((await db().select().from(proposals))[0]).toMatchObject({ id: '0', status: 'voting', tally: { yes: 20000 } });
    expect(await db().select().from(votes)).toEqual([{ proposalId: '0', voter: A, option: 'yes', power: '20000', height: 7 }]);
  });

  it('drops hosts the consensus layer no longer lists and follows a change of active sequencer', async () => {
    await runScheduled(env, 1_000_000);
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    consensus.set('/v1/consensus/validators', { items: [validator(B, b.url)] });
    await runScheduled(env, 1_060_000);
    expect((await db().select().from(hosts)).map((row) => [row.address, row.isActive])).toEqual([[B, true]]);
  });

  it('re-reads proposals still open, so a status change lands in D1', async () => {
    await runScheduled(env, 1_000_000);
    consensus.set('/v1/consensus/proposals', { items: [], next: null });
    consensus.set('/v1/consensus/proposals/0', { id: 0, proposer: B, kind: 'params', change: {}, status: 'passed', submittedHeight: 5, votingEndHeight: 50, effectiveHeight: 60, tally: { yes: 1 }, votes: [] });
    await runScheduled(env, 1_060_000);
    expect((await db().select().from(proposals))[0]?.status).toBe('passed');
  });

  it('keeps the last mirror and reports the failure when no consensus API answers', async () => {
    await runScheduled(env, 1_000_000);
    consensus.down = true;
    const report = await runScheduled(env, 1_060_000);
    expect(report.consensus).toEqual({ error: expect.stringMatching(/ConsensusUnavailableError: no consensus query API answered: http:\/\/127\.0\.0\.1:9004: .*ECONNREFUSED/) });
    expect(report.trigger).toEqual({ error: 'no consensus status this run: rotation not evaluated' });
    expect((await db().select().from(network))[0]?.syncedAt).toBe(1_000_000);
    // Health is still probed from the routing table it has.
    expect(report.health).toHaveLength(2);
  });

  it('runs from the scheduled() export (the cron entry point)', async () => {
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: 2_000_000, cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await db().select().from(network))[0]?.syncedAt).toBe(2_000_000);
  });
});

describe('health', () => {
  it('marks an unreachable host and a host lagging behind as unhealthy, with the reason', async () => {
    b.mode = 'down';
    const report = await runScheduled(env, 1_000_000);
    expect(report.health.find((h) => h.address === B)).toMatchObject({ healthy: false, answered: false, error: expect.stringMatching(/ECONNREFUSED/) });
    b.mode = 'up';
    b.height = 50;
    a.height = 100;
    // Lag is measured from the median height (host-median.test.ts): a third host makes the majority's height clear.
    const c = net.host('http://c.hosts.test');
    consensus.set('/v1/consensus/validators', { items: [validator(A, a.url), validator(B, b.url), validator('0x00000000000000000000000000000000000000c3', c.url)] });
    const second = await runScheduled(env, 1_060_000);
    expect(second.health.find((h) => h.address === B)).toMatchObject({ healthy: false, error: '50 blocks below the median host height 100 (limit 16)' });
    const [row] = await db().select().from(hosts).where(eq(hosts.address, B));
    expect(row?.lastError).toBe('50 blocks below the median host height 100 (limit 16)');
  });

  it('marks an active host whose height has not moved for longer than the liveness timeout as unhealthy', async () => {
    await runScheduled(env, 1_000_000);
    const report = await runScheduled(env, 1_000_000 + 10_001);
    expect(report.health.find((h) => h.address === A)).toMatchObject({ healthy: false, stalledMs: 10_001 });
    // A follower at the same height is not judged by liveness: it only follows.
    expect(report.health.find((h) => h.address === B)?.healthy).toBe(true);
  });
});

describe('rotation trigger', () => {
  function postedTx(index = 0) {
    const { tx } = consensus.posted[index] as { tx: string };
    return JSON.parse(toUtf8String(getBytes(tx))) as { body: { chainId: string; type: string; from: string; nonce: number; payload: { epoch: number; reason: string } }; signature: string };
  }

  it('sends nothing while the epoch runs and the active host is healthy', async () => {
    const report = await runScheduled(withKey(), 1_000_000);
    expect(report.due).toBeNull();
    expect(report.trigger).toEqual({ sent: false, why: 'not-due' });
    expect(consensus.posted).toHaveLength(0);
  });

  it('proposes a liveness rotation, signed EIP-191 over the canonical body, in the consensus tx format', async () => {
    a.mode = 'down';
    const report = await runScheduled(withKey(), 1_000_000);
    expect(report.trigger).toMatchObject({ sent: true, key: '1:liveness', accepted: true, code: 0 });
    const { body, signature } = postedTx();
    expect(body).toMatchObject({ chainId: 'l2-consensus-test', type: 'rotation-trigger', from: scheduler.address.toLowerCase(), nonce: 0 });
    expect(body.payload.epoch).toBe(1);
    expect(body.payload.reason).toMatch(/^liveness: active sequencer 0x0+a1: .*ECONNREFUSED.* \(observed L2 height 100 at 1970-01-01T00:16:40\.000Z\)$/);
    expect(verifyMessage(canonicalJson(body), signature).toLowerCase()).toBe(body.from);
    const [row] = await db().select().from(rotationTriggers);
    expect(row).toMatchObject({ key: '1:liveness', status: 'sent', attempts: 1, txHash: 'ABCD' });
  });

  it('proposes an epoch rotation when the epoch has ended without a next one', async () => {
    consensus.set('/v1/consensus/status', status({ l2: { latest: 1000, safe: 990, finalized: 900 } }));
    const report = await runScheduled(withKey(), 1_000_000);
    expect(report.due).toMatchObject({ reason: 'epoch', epoch: 1, observedL2Height: 1000 });
    expect(postedTx().body.payload.reason).toMatch(/^epoch: epoch 1 ended at L2 block 1000 and no next epoch is elected/);
  });

  it('does not propose an epoch rotation once the next epoch is elected', async () => {
    consensus.set('/v1/consensus/status', status({ l2: { latest: 1000, safe: 990, finalized: 900 }, nextEpoch: epoch({ number: 2, firstBlock: 1001, lastBlock: 2000 }) }));
    expect((await runScheduled(withKey(), 1_000_000)).due).toBeNull();
  });

  it('sends each (epoch, reason) once, however many runs overlap', async () => {
    a.mode = 'down';
    const reports = await Promise.all([1, 2, 3, 4].map(() => runScheduled(withKey(), 1_000_000)));
    expect(reports.filter((r) => 'sent' in r.trigger && r.trigger.sent)).toHaveLength(1);
    expect(reports.filter((r) => 'why' in r.trigger && r.trigger.why === 'lease-held')).toHaveLength(3);
    expect(consensus.posted).toHaveLength(1);
    // A later run for the same epoch and reason does not send again either.
    await runScheduled(withKey(), 1_120_000);
    expect(consensus.posted).toHaveLength(1);
  });

  it('retries after a refusal, but not before the back-off', async () => {
    a.mode = 'down';
    txCode = 6;
    await runScheduled(withKey(), 1_000_000);
    expect((await db().select().from(rotationTriggers))[0]).toMatchObject({ status: 'rejected', code: 6, log: 'refused' });
    await runScheduled(withKey(), 1_030_000);
    expect(consensus.posted).toHaveLength(1);
    txCode = 0;
    await runScheduled(withKey(), 1_061_000);
    expect(consensus.posted).toHaveLength(2);
    expect((await db().select().from(rotationTriggers))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('resends once with the nonce the consensus layer expects, then keeps counting from it', async () => {
    a.mode = 'down';
    const from = scheduler.address.toLowerCase();
    consensus.set(`/v1/consensus/accounts/${from}`, { address: from, nonce: 7 });
    consensus.set('/v1/consensus/tx', (_url, body) => {
      const nonce = JSON.parse(toUtf8String(getBytes((body as { tx: string }).tx))).body.nonce as number;
      return nonce === 7 ? { hash: 'EF01', code: 0, log: '' } : { hash: 'EF00', code: 4, log: `nonce ${nonce} is not the next nonce of ${from} (7)` };
    });
    const report = await runScheduled(withKey(), 1_000_000);
    expect(report.trigger).toMatchObject({ sent: true, accepted: true, txHash: 'EF01' });
    expect(consensus.posted.map((_, i) => postedTx(i).body.nonce)).toEqual([0, 7]);
    // The next trigger (another epoch) starts at 8.
    consensus.set('/v1/consensus/status', status({ epoch: epoch({ number: 2 }) }));
    await runScheduled(withKey(), 1_060_000);
    expect(postedTx(2).body.nonce).toBe(8);
  });

  it('does not trigger without a scheduler key', async () => {
    a.mode = 'down';
    const report = await runScheduled(env, 1_000_000);
    expect(report.trigger).toEqual({ sent: false, why: 'no-key' });
    expect(consensus.posted).toHaveLength(0);
  });
});
