import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { batches, hosts, l1Events, network, proposals, sequencers, syncCursors, votes } from '../../edge/db/schema.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { epoch, status, validator } from './support/consensus-fixtures.ts';
import { BATCH_CHAIN, FakeL1, LOCKING_POOL } from './support/fake-l1.ts';
import { FakeNetwork } from './support/fake-network.ts';
import { db } from './support/seed.ts';

// The governance REST API over the D1 mirrors, filled the real way: a scheduler run against a fake consensus API
// and a fake L1 whose logs are encoded with the contracts' ABIs.

const SIGNER_1 = '0x00000000000000000000000000000000000000a1';
const SIGNER_2 = '0x00000000000000000000000000000000000000b2';
const SIGNER_2B = '0x00000000000000000000000000000000000000b3';
const OWNER_1 = '0x0000000000000000000000000000000000000f01';
const OWNER_2 = '0x0000000000000000000000000000000000000f02';
const RECIPIENT = '0x0000000000000000000000000000000000000e01';
const PUBKEY = `0x${'04'.repeat(64)}`;
const E18 = 10n ** 18n;
const ROOT = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

const l1 = new FakeL1();
const mirrorEnv = () => ({ ...env, LOCKING_POOL_ADDRESS: LOCKING_POOL, BATCH_CHAIN_ADDRESS: BATCH_CHAIN, L1_START_BLOCK: '1' });

function installNetwork(): FakeNetwork {
  const net = new FakeNetwork();
  const a = net.host('http://a.hosts.test');
  const consensus = net.consensusApi('http://127.0.0.1:9004');
  consensus
    .set('/v1/consensus/status', status())
    .set('/v1/consensus/validators', { items: [validator(SIGNER_1, a.url)] })
    .set('/v1/consensus/epochs', { items: [epoch({ number: 0, lastBlock: 0 }), epoch(), epoch({ number: 2, firstBlock: 1001, lastBlock: 2000 })], next: null })
    .set('/v1/consensus/rotations', { items: [{ epoch: 1, from: null, to: SIGNER_1, reason: 'genesis', l2StartBlock: 1, height: 1 }], next: null })
    .set('/v1/consensus/proposals', { items: [{ id: 0 }], next: null })
    .set('/v1/consensus/proposals/0', {
      id: 0,
      proposer: SIGNER_1,
      kind: 'whitelist',
      change: { add: [OWNER_2], remove: [] },
      status: 'voting',
      submittedHeight: 5,
      votingEndHeight: 50,
      effectiveHeight: 60,
      tally: { yes: 3 },
      votes: [
        { voter: SIGNER_1, option: 'yes', power: 1, height: 7 },
        { voter: SIGNER_2, option: 'no', power: 1, height: 8 },
        { voter: SIGNER_2B, option: 'yes', power: 2, height: 9 },
      ],
    });
  net.l1.set('http://127.0.0.1:8545', l1.answer);
  net.install();
  return net;
}

beforeAll(async () => {
  for (const table of [hosts, network, sequencers, l1Events, batches, syncCursors, proposals, votes]) await db().delete(table);
  l1.emit(LOCKING_POOL, 'WhitelistChanged', [OWNER_1, true], 3);
  l1.emit(LOCKING_POOL, 'Locked', [1, OWNER_1, SIGNER_1, 20_000n * E18, PUBKEY], 10);
  l1.emit(LOCKING_POOL, 'Locked', [2, OWNER_2, SIGNER_2, 30_000n * E18, PUBKEY], 11);
  l1.emit(LOCKING_POOL, 'Relocked', [1, 5_000n * E18, 0, 25_000n * E18], 12);
  l1.emit(LOCKING_POOL, 'RewardAccrued', [1, 1, 10, 100n * E18], 13);
  l1.emit(LOCKING_POOL, 'RewardsClaimed', [1, RECIPIENT, 40n * E18], 14);
  l1.emit(LOCKING_POOL, 'SignerChanged', [2, SIGNER_2, SIGNER_2B, PUBKEY], 15);
  l1.emit(LOCKING_POOL, 'UnlockInit', [2, OWNER_2, 30_000n * E18, 1_800_000_000, false], 16);
  l1.emit(BATCH_CHAIN, 'BatchAppended', [0, 1, 100, ROOT(1), ROOT(2), ROOT(3), RECIPIENT], 17);
  // Far beyond one eth_getLogs range: the mirror must walk there in bounded steps.
  l1.emit(BATCH_CHAIN, 'BatchAppended', [1, 101, 200, ROOT(4), ROOT(5), ROOT(6), RECIPIENT], 4_500);
  installNetwork();
  const report = await runScheduled(mirrorEnv(), 1_000_000);
  expect(report.l1).toEqual({ fromBlock: 1, toBlock: 4_500, head: 4_500, events: 10 });
  vi.restoreAllMocks();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await exports.default.fetch(`http://edge.test${path}`);
  return { status: response.status, body: await response.json() };
}

describe('L1 mirror', () => {
  it('reads the L1 in ranges of at most 2000 blocks', () => {
    expect(l1.ranges).toEqual([
      [1, 2000],
      [2001, 4000],
      [4001, 4500],
    ]);
  });

  it('projects LockingPool events into the registry, with wei arithmetic beyond 64 bits', async () => {
    const { body } = await get('/v1/sequencers');
    expect(body.next).toBeNull();
    expect(body.items).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ sequencerId: 1, signer: SIGNER_1, owner: OWNER_1, locked: (25_000n * E18).toString(), reward: (60n * E18).toString(), status: 'active' });
    expect(body.items[0].consensus).toMatchObject({ active: true, power: 20000, rpcUrl: 'http://a.hosts.test' });
    expect(body.items[1]).toMatchObject({ sequencerId: 2, signer: SIGNER_2B, status: 'unlocking', unlockClaimTime: 1_800_000_000, consensus: null });
  });

  it('is incremental: a run with nothing new stores nothing twice; new blocks are picked up', async () => {
    const net = installNetwork();
    const again = await runScheduled(mirrorEnv(), 1_060_000);
    expect(again.l1).toEqual({ fromBlock: 4_501, toBlock: 4_500, head: 4_500, events: 0 });
    l1.emit(LOCKING_POOL, 'Unlocked', [2, OWNER_2, 30_000n * E18], 4_600);
    l1.emit(LOCKING_POOL, 'Withdrawn', [1, OWNER_1, 2_000n * E18, 23_000n * E18, 1_900_000_000], 4_600);
    const third = await runScheduled(mirrorEnv(), 1_120_000);
    expect(third.l1).toEqual({ fromBlock: 4_501, toBlock: 4_600, head: 4_600, events: 2 });
    expect((await get(`/v1/sequencers/${SIGNER_2B}`)).body).toMatchObject({ status: 'unlocked', locked: '0' });
    // Part of a stake taken out: what stays locked.
    expect((await get(`/v1/sequencers/${SIGNER_1}`)).body).toMatchObject({ status: 'active', locked: (23_000n * E18).toString() });
    expect(await db().select().from(l1Events)).toHaveLength(12);
    expect(net.requests.length).toBeGreaterThan(0);
  });

  it('reports an unreachable L1 and still mirrors the consensus layer', async () => {
    const net = installNetwork();
    net.l1.clear();
    const report = await runScheduled(mirrorEnv(), 1_180_000);
    expect(report.l1).toEqual({ error: expect.stringMatching(/^L1RpcError: .*ECONNREFUSED/) });
    expect(report.consensus).toMatchObject({ hosts: 1 });
  });
});

describe('sequencers and stakes', () => {
  it('pages sequencers by id', async () => {
    const first = await get('/v1/sequencers?limit=1');
    expect(first.body.items.map((s: { sequencerId: number }) => s.sequencerId)).toEqual([1]);
    expect(first.body.next).toBe(2);
    const second = await get('/v1/sequencers?from=2&limit=1');
    expect(second.body.items.map((s: { sequencerId: number }) => s.sequencerId)).toEqual([2]);
    expect(second.body.next).toBeNull();
  });

  it('finds a sequencer by signer or by owner, in any letter case', async () => {
    expect((await get(`/v1/sequencers/${SIGNER_1}`)).body.sequencerId).toBe(1);
    expect((await get(`/v1/sequencers/${OWNER_2.toUpperCase().replace('0X', '0x')}`)).body.sequencerId).toBe(2);
  });

  it('answers 404 for an address that is no sequencer, 400 for one that is no address', async () => {
    expect(await get('/v1/sequencers/0x00000000000000000000000000000000000000ff')).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no sequencer has signer or owner 0x00000000000000000000000000000000000000ff' } },
    });
    expect(await get('/v1/sequencers/0x1234')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_address', message: '"0x1234" is not an address (0x followed by 40 hex digits)' } },
    });
  });

  it('gives an owner its stake and its history in chain order', async () => {
    const { body } = await get(`/v1/stakes/${OWNER_1}`);
    expect(body.locked).toBe((23_000n * E18).toString());
    expect(body.sequencers.map((s: { sequencerId: number }) => s.sequencerId)).toEqual([1]);
    expect(body.events.items.map((e: { name: string }) => e.name)).toEqual(['WhitelistChanged', 'Locked', 'Relocked', 'RewardAccrued', 'RewardsClaimed', 'Withdrawn']);
    const paged = await get(`/v1/stakes/${OWNER_1}?from=1&limit=2`);
    expect(paged.body.events.items.map((e: { name: string }) => e.name)).toEqual(['Locked', 'Relocked']);
    expect(paged.body.events.next).toBe(3);
  });

  it('gives an address with no stake an empty answer, and refuses a bad address', async () => {
    expect((await get('/v1/stakes/0x00000000000000000000000000000000000000ff')).body).toEqual({
      address: '0x00000000000000000000000000000000000000ff',
      locked: '0',
      sequencers: [],
      events: { items: [], next: null },
    });
    expect((await get('/v1/stakes/not-an-address')).status).toBe(400);
  });
});

describe('batches, epochs, rotations, proposals', () => {
  it('lists batches from L1 by index', async () => {
    const { body } = await get('/v1/batches?from=1');
    expect(body).toEqual({
      items: [{ batchIndex: 1, firstBlock: 101, lastBlock: 200, txRoot: ROOT(4), stateRoot: ROOT(5), dataHash: ROOT(6), relayer: RECIPIENT, l1Block: 4_500, l1TxHash: expect.stringMatching(/^0x/) }],
      next: null,
    });
  });

  it('lists epochs and rotations from the consensus layer', async () => {
    const epochs = await get('/v1/epochs?from=1&limit=1');
    expect(epochs.body.items.map((e: { number: number }) => e.number)).toEqual([1]);
    expect(epochs.body.next).toBe(2);
    expect((await get('/v1/rotations')).body).toEqual({ items: [{ epoch: 1, fromAddress: null, toAddress: SIGNER_1, reason: 'genesis', l2StartBlock: 1, height: 1 }], next: null });
  });

  it('shows a proposal with its vote count and pages its votes', async () => {
    const { body } = await get('/v1/proposals/0');
    expect(body).toMatchObject({ id: '0', kind: 'whitelist', status: 'voting', change: { add: [OWNER_2], remove: [] }, voteCount: 3 });
    expect((await get('/v1/proposals')).body.items.map((p: { id: string }) => p.id)).toEqual(['0']);
    const votes = await get('/v1/proposals/0/votes?limit=2');
    expect(votes.body.items.map((v: { voter: string }) => v.voter)).toEqual([SIGNER_1, SIGNER_2]);
    expect(votes.body.next).toBe(2);
    expect((await get('/v1/proposals/0/votes?from=2')).body).toEqual({ items: [{ voter: SIGNER_2B, option: 'yes', power: '2', height: 9 }], next: null });
  });

  it('answers 404 for an unknown proposal and 400 for an id that is not a number', async () => {
    expect((await get('/v1/proposals/9')).status).toBe(404);
    expect((await get('/v1/proposals/9/votes')).status).toBe(404);
    expect(await get('/v1/proposals/abc')).toEqual({ status: 400, body: { error: { code: 'invalid_id', message: 'proposal id must be a non-negative integer, got "abc"' } } });
  });
});

describe('pagination bounds', () => {
  it.each([
    ['limit=0', 'limit must be an integer from 1 to 100, got 0'],
    ['limit=101', 'limit must be an integer from 1 to 100, got 101'],
    ['limit=abc', 'limit must be an integer from 1 to 100, got "abc"'],
    ['from=-1', `from must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got "-1"`],
    ['from=1.5', `from must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got "1.5"`],
  ])('refuses %s with 400 and the reason', async (query, message) => {
    for (const path of ['/v1/sequencers', '/v1/epochs', '/v1/rotations', '/v1/proposals', '/v1/batches', '/v1/proposals/0/votes', `/v1/stakes/${OWNER_1}`]) {
      expect(await get(`${path}?${query}`)).toEqual({ status: 400, body: { error: { code: 'invalid_pagination', message } } });
    }
  });
});
