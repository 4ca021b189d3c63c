import { env } from 'cloudflare:workers';
import { eq, ne } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { filters, hosts } from '../../edge/db/schema.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { FakeNetwork, fakeBlockHash, type FakeHost, type FakeLog } from './support/fake-network.ts';
import { call, db, freshIp, rpc, seedRoutes } from './support/seed.ts';

// JSON-RPC filters kept by the edge in D1, polled through the read routing against fake hosts (stubbed at fetch)
// whose heights the tests move: each log or block handed out once, bounded ranges, bounds of the criteria,
// expiry, the per-client bound, and every refusal.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const C = '0x00000000000000000000000000000000000000c3';
const TOKEN = '0x000000000000000000000000000000000000f00d';
const OTHER = '0x000000000000000000000000000000000000beef';
const TRANSFER = `0x${'dd'.repeat(32)}`;
const APPROVAL = `0x${'8c'.repeat(32)}`;
const topic = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

let net: FakeNetwork;
let a: FakeHost;
let b: FakeHost;
let c: FakeHost;
let chain: FakeLog[];
/** Every call any host answered, in the order they came. */
let upstreamCalls: { method: string; params?: unknown[] }[];
let clockOffset: number;

beforeEach(async () => {
  net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  b = net.host('http://b.hosts.test');
  c = net.host('http://c.hosts.test');
  chain = [];
  upstreamCalls = [];
  for (const host of [a, b, c]) {
    host.logs = chain;
    const answer = host.answer.bind(host);
    host.answer = (x) => {
      upstreamCalls.push(x);
      return answer(x);
    };
  }
  net.install();
  await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }, { address: C, url: c.url }] });
  await db().delete(filters);
  clockOffset = 0;
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function setHeight(height: number, hosts: FakeHost[] = [a, b, c]): void {
  for (const host of hosts) host.height = height;
}

/** Adds a log to the shared chain and returns it as hosts will answer it. */
function emit(block: number, address = TOKEN, topics = [TRANSFER, topic(block)]): FakeLog {
  const log = { address, topics, blockNumber: `0x${block.toString(16)}`, logIndex: `0x${chain.length.toString(16)}`, data: '0x' };
  chain.push(log);
  return log;
}

type Answer = { result?: unknown; error?: { code: number; message: string } };

async function ask(method: string, params: unknown[] = [], ip?: string): Promise<Answer> {
  return (await (await rpc(call(method, params), ip ? { ip } : {})).json()) as Answer;
}

async function result<T = unknown>(method: string, params: unknown[] = [], ip?: string): Promise<T> {
  const answer = await ask(method, params, ip);
  if (answer.error) throw new Error(`${method} failed: ${answer.error.code} ${answer.error.message}`);
  return answer.result as T;
}

/** Leaves one follower healthy, so the gateway reads from it. */
async function readsOnlyFrom(address: string): Promise<void> {
  await db().update(hosts).set({ healthy: false }).where(ne(hosts.address, address));
  await db().update(hosts).set({ healthy: true }).where(eq(hosts.address, address));
}

function getLogsCalls(): { fromBlock?: string; toBlock?: string; address?: string[]; topics?: unknown[] }[] {
  return upstreamCalls.filter((x) => x.method === 'eth_getLogs').map((x) => (x.params as [never])[0]);
}

describe('log filters', () => {
  it('hands out each matching log once across polls while the head moves, starting after the head at creation', async () => {
    emit(100);
    const id = await result<string>('eth_newFilter', [{ address: TOKEN }]);
    expect(id).toMatch(/^0x[1-9a-f][0-9a-f]{0,31}$/);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    const first = [emit(101), emit(103)];
    emit(103, OTHER);
    setHeight(103);
    expect(await result('eth_getFilterChanges', [id])).toEqual(first);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    const second = emit(105);
    setHeight(106);
    expect(await result('eth_getFilterChanges', [id])).toEqual([second]);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
  });

  it('never skips the blocks a lagging follower has not got yet, nor repeats them on another host', async () => {
    const id = await result<string>('eth_newFilter', [{}]);
    const logs = [101, 102, 103, 104, 105, 106].map((n) => emit(n));
    setHeight(106, [a, c]);
    setHeight(102, [b]);
    // B answers for the range 101..1100 with what it has (up to 102): only that much is handed out.
    await readsOnlyFrom(B);
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(0, 2));
    await readsOnlyFrom(C);
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(2));
    await readsOnlyFrom(B);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    const late = emit(107);
    setHeight(107, [b]);
    expect(await result('eth_getFilterChanges', [id])).toEqual([late]);
  });

  it('hands out a range to only one of two concurrent polls', async () => {
    const id = await result<string>('eth_newFilter', [{}]);
    const logs = [emit(101), emit(102)];
    setHeight(102);
    const polls = await Promise.all([result<unknown[]>('eth_getFilterChanges', [id]), result<unknown[]>('eth_getFilterChanges', [id])]);
    expect(polls.flat()).toEqual(logs);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
  });

  it('covers at most 1,000 blocks per poll and hands out the rest with the next polls', async () => {
    const id = await result<string>('eth_newFilter', [{ address: [TOKEN] }]);
    const logs = [101, 1100, 1101, 2100, 2101, 2600].map((n) => emit(n));
    setHeight(2600);
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(0, 2));
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(2, 4));
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(4));
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    expect(getLogsCalls().map(({ fromBlock, toBlock }) => [fromBlock, toBlock])).toEqual([
      ['0x65', '0x44c'],
      ['0x44d', '0x834'],
      ['0x835', '0xc1c'],
      ['0xa29', '0xe10'],
    ]);
  });

  it('narrows the range when a host refuses it for too many logs', async () => {
    for (const host of [a, b, c]) host.maxLogResults = 2;
    const id = await result<string>('eth_newFilter', [{}]);
    const logs = [101, 150, 400].map((n) => emit(n));
    setHeight(1200);
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(0, 2));
    expect(await result('eth_getFilterChanges', [id])).toEqual(logs.slice(2));
    expect(getLogsCalls().map(({ fromBlock, toBlock }) => [fromBlock, toBlock])).toEqual([
      ['0x65', '0x44c'],
      ['0x65', '0xc8'],
      ['0xc9', '0x4b0'],
    ]);
  });

  it('passes the host refusal on (and keeps its place) when even the narrowest range has too many logs', async () => {
    for (const host of [a, b, c]) host.maxLogResults = 2;
    const id = await result<string>('eth_newFilter', [{}]);
    for (const n of [101, 101, 101]) emit(n);
    setHeight(101);
    expect((await ask('eth_getFilterChanges', [id])).error).toEqual({ code: -32005, message: 'query returned more than 2 results' });
    for (const host of [a, b, c]) host.maxLogResults = 10;
    expect(await result<unknown[]>('eth_getFilterChanges', [id])).toHaveLength(3);
  });

  it('respects fromBlock and toBlock, and stops asking hosts once past toBlock', async () => {
    const id = await result<string>('eth_newFilter', [{ fromBlock: '0x69', toBlock: '0x6e', address: TOKEN }]);
    const inside = [emit(105), emit(110)];
    for (const n of [102, 104, 111]) emit(n);
    setHeight(104);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    setHeight(120);
    expect(await result('eth_getFilterChanges', [id])).toEqual(inside);
    const asked = getLogsCalls().length;
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    expect(getLogsCalls()).toHaveLength(asked);
    expect(getLogsCalls().at(-1)).toMatchObject({ fromBlock: '0x69', toBlock: '0x6e' });
  });

  it('sends the criteria on checked and normalised: lowercase addresses, topic positions with null and OR-arrays', async () => {
    const upper = '0x000000000000000000000000000000000000F00D';
    const id = await result<string>('eth_newFilter', [{ address: upper, topics: [TRANSFER, null, [topic(1), topic(2)], []] }]);
    setHeight(101);
    const match = emit(101, TOKEN, [TRANSFER, topic(9), topic(2)]);
    emit(101, TOKEN, [TRANSFER, topic(9), topic(3)]);
    emit(101, TOKEN, [APPROVAL, topic(9), topic(1)]);
    expect(await result('eth_getFilterChanges', [id])).toEqual([match]);
    expect(getLogsCalls()[0]).toEqual({ address: [TOKEN], topics: [[TRANSFER], null, [topic(1), topic(2)], null], fromBlock: '0x65', toBlock: '0x44c' });
  });

  it('eth_getFilterLogs answers every log matching the criteria as eth_getLogs would, and does not move the cursor', async () => {
    const early = [emit(90), emit(95)];
    emit(96, OTHER);
    const id = await result<string>('eth_newFilter', [{ fromBlock: '0x5a', address: TOKEN }]);
    const later = emit(101);
    setHeight(101);
    expect(await result('eth_getFilterLogs', [id])).toEqual([...early, later]);
    expect(getLogsCalls().at(-1)).toEqual({ fromBlock: '0x5a', address: [TOKEN] });
    expect(await result('eth_getFilterChanges', [id])).toEqual([later]);
  });
});

describe('block filters', () => {
  it('hands out the hashes of new blocks once, in order', async () => {
    const id = await result<string>('eth_newBlockFilter');
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    setHeight(103);
    expect(await result('eth_getFilterChanges', [id])).toEqual([101, 102, 103].map(fakeBlockHash));
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    setHeight(104);
    expect(await result('eth_getFilterChanges', [id])).toEqual([fakeBlockHash(104)]);
  });

  it('covers at most 1,000 blocks per poll, asking hosts in batches of at most 100', async () => {
    const id = await result<string>('eth_newBlockFilter');
    setHeight(1600);
    const upstream = () => net.requests.filter((request) => request.includes('.hosts.test')).length;
    const before = upstream();
    expect(await result('eth_getFilterChanges', [id])).toEqual(Array.from({ length: 1000 }, (_, i) => fakeBlockHash(101 + i)));
    // eth_blockNumber, then 1,000 eth_getBlockByNumber in 10 batches.
    expect(upstream() - before).toBe(11);
    expect(await result('eth_getFilterChanges', [id])).toEqual(Array.from({ length: 500 }, (_, i) => fakeBlockHash(1101 + i)));
    expect(upstream() - before).toBe(17);
    expect(upstreamCalls.filter((x) => x.method === 'eth_getBlockByNumber')).toHaveLength(1500);
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
  });

  it('hands out only the unbroken run of blocks the answering host has', async () => {
    const id = await result<string>('eth_newBlockFilter');
    setHeight(105);
    const answer = b.answer.bind(b);
    // Host B reports head 105 but has only up to 102 (as a lagging host answering the second step would).
    b.answer = (x) => (x.method === 'eth_getBlockByNumber' && Number.parseInt(String(x.params?.[0]), 16) > 102 ? { jsonrpc: '2.0', id: x.id, result: null } : answer(x));
    await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }] });
    expect(await result('eth_getFilterChanges', [id])).toEqual([101, 102].map(fakeBlockHash));
    b.answer = answer;
    expect(await result('eth_getFilterChanges', [id])).toEqual([103, 104, 105].map(fakeBlockHash));
  });

  it('refuses eth_getFilterLogs for a block filter', async () => {
    const id = await result<string>('eth_newBlockFilter');
    expect((await ask('eth_getFilterLogs', [id])).error).toEqual({ code: -32602, message: `invalid params: ${id} is a block filter; eth_getFilterLogs takes a log filter` });
  });
});

describe('lifetime', () => {
  it('uninstalls: true once, then false, and the id is gone', async () => {
    const id = await result<string>('eth_newFilter', [{}]);
    expect(await result('eth_uninstallFilter', [id])).toBe(true);
    expect(await result('eth_uninstallFilter', [id])).toBe(false);
    expect((await ask('eth_getFilterChanges', [id])).error).toEqual({ code: -32000, message: 'filter not found' });
  });

  it('answers "filter not found" (-32000) for an unknown id', async () => {
    for (const method of ['eth_getFilterChanges', 'eth_getFilterLogs']) {
      expect((await ask(method, ['0x1234abcd'])).error).toEqual({ code: -32000, message: 'filter not found' });
    }
    expect(await result('eth_uninstallFilter', ['0x1234abcd'])).toBe(false);
  });

  it('expires a filter 5 minutes after its last poll: refused, then deleted', async () => {
    const id = await result<string>('eth_newBlockFilter');
    clockOffset += 4 * 60_000;
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    clockOffset += 4 * 60_000;
    expect(await result('eth_getFilterChanges', [id])).toEqual([]);
    clockOffset += 5 * 60_000 + 1;
    expect((await ask('eth_getFilterChanges', [id])).error).toEqual({ code: -32000, message: 'filter not found' });
    expect(await db().select().from(filters)).toEqual([]);
  });

  it('eth_getFilterLogs does not keep a filter alive (as in geth)', async () => {
    const id = await result<string>('eth_newFilter', [{}]);
    clockOffset += 4 * 60_000;
    expect(await result('eth_getFilterLogs', [id])).toEqual([]);
    clockOffset += 60_001;
    expect((await ask('eth_getFilterLogs', [id])).error).toEqual({ code: -32000, message: 'filter not found' });
    expect(await result('eth_uninstallFilter', [id])).toBe(false);
  });

  it('the cron run deletes expired filters and leaves live ones', async () => {
    const old = await result<string>('eth_newBlockFilter');
    clockOffset += 3 * 60_000;
    const live = await result<string>('eth_newBlockFilter');
    const report = await runScheduled(env, Date.now() + 2 * 60_000 + 1);
    expect(report.filters).toEqual({ expired: 1 });
    expect((await db().select({ id: filters.id }).from(filters)).map((row) => row.id)).toEqual([live]);
    expect(old).not.toBe(live);
  });
});

describe('bounds and refusals', () => {
  it('bounds live filters per client IP at 100 with -32005, atomically within a batch', async () => {
    const ip = freshIp();
    await result('eth_newBlockFilter', [], ip);
    const response = await rpc(
      Array.from({ length: 100 }, (_, i) => call(i % 2 ? 'eth_newBlockFilter' : 'eth_newFilter', i % 2 ? [] : [{}], i)),
      { ip },
    );
    const answers = (await response.json()) as Answer[];
    const ids = answers.filter((x) => typeof x.result === 'string').map((x) => x.result);
    const refused = answers.filter((x) => x.error);
    expect(new Set(ids).size).toBe(99);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.error?.code).toBe(-32005);
    expect(refused[0]?.error?.message).toMatch(new RegExp(`^too many filters: ${ip.replaceAll('.', '\\.')} already has 100 live filters`));
    expect((await ask('eth_newFilter', [{}], ip)).error?.code).toBe(-32005);
    expect(typeof (await result('eth_newFilter', [{}], freshIp()))).toBe('string');
    await result('eth_uninstallFilter', [ids[0]], ip);
    expect(typeof (await result('eth_newFilter', [{}], ip))).toBe('string');
    // Expired filters do not count.
    clockOffset += 5 * 60_000 + 1;
    expect(typeof (await result('eth_newBlockFilter', [], ip))).toBe('string');
  });

  const hash = `0x${'12'.repeat(32)}`;
  it.each([
    ['no params', 'eth_newFilter', [], /^invalid params: missing value for required argument 0$/],
    ['two params', 'eth_newFilter', [{}, {}], /^invalid params: too many arguments, want at most 1$/],
    ['criteria that are not an object', 'eth_newFilter', ['0x1'], /^invalid params: filter: expected a filter object$/],
    ['an unknown field', 'eth_newFilter', [{ adress: TOKEN }], /^invalid params: filter: unknown field adress$/],
    ['a short address', 'eth_newFilter', [{ address: '0x1234' }], /^invalid params: filter\.address: expected a 20-byte hex address$/],
    ['a bad address in a list', 'eth_newFilter', [{ address: [TOKEN, 'nope'] }], /^invalid params: filter\.address\[1\]: expected a 20-byte hex address$/],
    ['topics that are not a list', 'eth_newFilter', [{ topics: TRANSFER }], /^invalid params: filter\.topics: expected an array$/],
    ['five topic positions', 'eth_newFilter', [{ topics: [null, null, null, null, TRANSFER] }], /^invalid params: filter\.topics: at most 4 topic positions$/],
    ['a short topic', 'eth_newFilter', [{ topics: [null, '0x1234'] }], /^invalid params: filter\.topics\[1\]: expected a 32-byte hex hash$/],
    ['a bad topic in an OR-list', 'eth_newFilter', [{ topics: [[TRANSFER, 7]] }], /^invalid params: filter\.topics\[0\]\[1\]: expected a 32-byte hex hash$/],
    ['a blockHash', 'eth_newFilter', [{ blockHash: hash }], /^invalid params: filter\.blockHash is not allowed in a filter/],
    ['a block hash as fromBlock', 'eth_newFilter', [{ fromBlock: { blockHash: hash } }], /^invalid params: filter\.fromBlock: a block hash is not allowed in a filter/],
    ['fromBlock "pending"', 'eth_newFilter', [{ fromBlock: 'pending' }], /^invalid params: filter\.fromBlock: pending logs are not supported$/],
    ['toBlock "safe"', 'eth_newFilter', [{ toBlock: 'safe' }], /^invalid params: filter\.toBlock: "safe" is not supported in a filter/],
    ['a word as fromBlock', 'eth_newFilter', [{ fromBlock: 'yesterday' }], /^invalid params: filter\.fromBlock: not a hex quantity$/],
    ['a leading zero', 'eth_newFilter', [{ toBlock: '0x0a' }], /^invalid params: filter\.toBlock: hex number with leading zero digits$/],
    ['a decimal number', 'eth_newFilter', [{ fromBlock: 10 }], /^invalid params: filter\.fromBlock: expected a block number, tag or \{blockHash\}$/],
    ['a block number past 2^53', 'eth_newFilter', [{ fromBlock: '0x20000000000000' }], /^invalid params: filter\.fromBlock: block number 9007199254740992 is too large$/],
    ['fromBlock after toBlock', 'eth_newFilter', [{ fromBlock: '0x10', toBlock: '0xa' }], /^invalid params: invalid block range: fromBlock 16 is after toBlock 10$/],
    ['a param to eth_newBlockFilter', 'eth_newBlockFilter', [{}], /^invalid params: too many arguments, want at most 0$/],
    ['a number as filter id', 'eth_getFilterChanges', [5], /^invalid params: filter id: expected a hex string/],
    ['no filter id', 'eth_uninstallFilter', [], /^invalid params: missing value for required argument 0$/],
    ['a filter id that is not hex', 'eth_getFilterLogs', ['filter-1'], /^invalid params: filter id: expected a hex string/],
  ])('refuses %s with -32602 and the reason, before any host or D1 sees it', async (_name, method, params, message) => {
    const error = (await ask(method, params)).error;
    expect(error?.code).toBe(-32602);
    expect(error?.message).toMatch(message);
    expect(upstreamCalls).toHaveLength(0);
    expect(await db().select().from(filters)).toEqual([]);
  });

  it('refuses named params like any other method', async () => {
    const response = await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_newFilter', params: { address: TOKEN } });
    expect(((await response.json()) as Answer).error).toEqual({ code: -32602, message: 'invalid params: eth_newFilter takes positional (array) params' });
  });

  it('answers -32002 and installs nothing when no host can give the head', async () => {
    for (const host of [a, b, c]) host.mode = 'down';
    const error = (await ask('eth_newFilter', [{}])).error;
    expect(error?.code).toBe(-32002);
    expect(await db().select().from(filters)).toEqual([]);
  });
});
