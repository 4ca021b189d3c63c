import { Transaction, Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { status } from './support/consensus-fixtures.ts';
import type { FakeConsensus, FakeHost } from './support/fake-network.ts';
import { A, B, C, threeHosts } from './support/three-hosts.ts';
import { L2_CHAIN_ID, freshIp, seedRoutes } from './support/seed.ts';
import { SocketClient } from './support/socket-client.ts';

// The edge's WebSocket: every message checked like an HTTP body, plain calls forwarded like HTTP ones,
// subscriptions relayed over host WebSockets under the edge's own ids, and moved to another host when theirs fails.

const TOKEN = '0x00000000000000000000000000000000000000e5';
const TRANSFER = `0x${'dd'.repeat(32)}`;
const wallet = new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');

function signed(nonce = 0, chainId = L2_CHAIN_ID): Promise<string> {
  return wallet.signTransaction({ type: 2, chainId, nonce, to: B, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2n ** 31n, maxPriorityFeePerGas: 1n });
}

let a: FakeHost;
let b: FakeHost;
let c: FakeHost;
let consensus: FakeConsensus;
let clients: SocketClient[];

beforeEach(async () => {
  ({ a, b, c, consensus } = await threeHosts());
  clients = [];
});
afterEach(() => {
  for (const client of clients) client.close();
  vi.restoreAllMocks();
});

async function connect(options: { ip?: string; path?: string } = {}): Promise<SocketClient> {
  const client = await SocketClient.open(options);
  clients.push(client);
  return client;
}

async function subscribe(client: SocketClient, params: unknown[]): Promise<string> {
  const answer = await client.call('eth_subscribe', params);
  expect(answer.error).toBeUndefined();
  return answer.result as string;
}

/** The fake host holding the one upstream subscription of `kind`. */
function holder(kind: string): FakeHost {
  const found = [a, b, c].filter((host) => [...host.subscriptions.values()].some((sub) => sub.kind === kind));
  expect(found).toHaveLength(1);
  return found[0] as FakeHost;
}

describe('WebSocket endpoint', () => {
  it('upgrades on / and /rpc; a GET without Upgrade gets 426', async () => {
    const client = await connect({ path: '/rpc' });
    expect((await client.call('eth_chainId')).result).toBe(`0x${L2_CHAIN_ID.toString(16)}`);
    const { exports } = await import('cloudflare:workers');
    const response = await exports.default.fetch('http://edge.test/');
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });

  it('answers plain calls like HTTP does: reads from a follower, a batch in order with the client ids', async () => {
    const client = await connect();
    expect(await client.call('eth_blockNumber')).toEqual({ jsonrpc: '2.0', id: 1, result: '0x64' });
    const batch = await client.sendAndWait(
      [
        { jsonrpc: '2.0', id: 'x', method: 'eth_blockNumber' },
        { jsonrpc: '2.0', method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: 'y', method: 'web3_clientVersion' },
      ],
      Array.isArray,
    );
    expect((batch as unknown as { id: unknown }[]).map((answer) => answer.id)).toEqual(['x', 'y']);
    expect(a.calls).toHaveLength(0);
    expect(b.calls.length + c.calls.length).toBe(4);
  });

  it('sends a raw transaction to the active host; one for another chain is refused and never forwarded', async () => {
    const client = await connect();
    const raw = await signed();
    expect((await client.call('eth_sendRawTransaction', [raw])).result).toBe(Transaction.from(raw).hash);
    expect(a.txs.has(Transaction.from(raw).hash as string)).toBe(true);
    const wrong = await client.call('eth_sendRawTransaction', [await signed(1, 1)]);
    expect(wrong.error?.code).toBe(-32000);
    expect(wrong.error?.message).toMatch(/wrong chain id/);
    expect(a.calls.filter((x) => x.method === 'eth_sendRawTransaction')).toHaveLength(1);
  });

  it('fails a write over to the newly elected sequencer, as over HTTP', async () => {
    const client = await connect();
    a.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const raw = await signed();
    expect((await client.call('eth_sendRawTransaction', [raw])).result).toBe(Transaction.from(raw).hash);
    expect(b.txs.size).toBe(1);
  });

  it('refuses what HTTP refuses, on the socket, with EIP-1474 codes and the call ids', async () => {
    const client = await connect();
    expect((await client.call('eth_sendTransaction', [{}])).error).toEqual({ code: -32601, message: 'method not found or not allowed at the edge: eth_sendTransaction' });
    expect((await client.call('debug_traceTransaction', [])).error?.code).toBe(-32601);
    expect((await client.call('eth_getBalance', ['0xnope'])).error).toBeUndefined(); // host-checked params pass through, as over HTTP
    const parse = await client.sendAndWait('{"jsonrpc":', (message) => message.id === null);
    expect(parse.error?.code).toBe(-32700);
    const big = await client.sendAndWait(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_call', params: [{ data: `0x${'00'.repeat(140_000)}` }] }), (m) => m.id === null);
    expect(big.error).toEqual({ code: -32005, message: 'message exceeds the limit of 262144 bytes' });
    const batch = Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_blockNumber' }));
    expect((await client.sendAndWait(batch, (m) => m.id === null)).error?.code).toBe(-32005);
  });

  it('spends the per-IP transaction budget per message and refuses each call with its own id when it is gone', async () => {
    const client = await connect();
    const raws = await Promise.all([0, 1, 2, 3].map((nonce) => signed(nonce)));
    const answers = (await client.sendAndWait(
      raws.map((raw, i) => ({ jsonrpc: '2.0', id: `tx${i}`, method: 'eth_sendRawTransaction', params: [raw] })),
      Array.isArray,
    )) as unknown as { id: string; error: { code: number; message: string } }[];
    expect(answers.map((answer) => answer.id)).toEqual(['tx0', 'tx1', 'tx2', 'tx3']);
    for (const answer of answers) expect(answer.error).toMatchObject({ code: -32005, message: expect.stringMatching(/transaction rate limit exceeded/) });
    expect(a.txs.size).toBe(0);
  });

  it('spends the per-IP request budget per message (shared with HTTP)', async () => {
    const client = await connect({ ip: freshIp() });
    const answers = [];
    for (let i = 0; i < 41; i++) answers.push(await client.call('eth_chainId'));
    expect(answers.slice(0, 40).every((answer) => answer.result !== undefined)).toBe(true);
    expect(answers[40]?.error?.code).toBe(-32005);
    expect(answers[40]?.error?.message).toMatch(/rate limit exceeded/);
  });
});

describe('subscriptions', () => {
  it('relays newHeads from a follower under the edge’s own id; unsubscribing ends it upstream too', async () => {
    const client = await connect();
    const id = await subscribe(client, ['newHeads']);
    expect(id).toMatch(/^0x[0-9a-f]{1,32}$/);
    const host = holder('newHeads');
    expect(host).not.toBe(a);
    const [upstream] = [...host.subscriptions.keys()];
    expect(upstream).not.toBe(id);

    const first = client.notification(id);
    host.push('newHeads', { number: '0x65' });
    expect(await first).toEqual({ number: '0x65' });
    const second = client.notification(id);
    host.push('newHeads', { number: '0x66' });
    expect(await second).toEqual({ number: '0x66' });

    expect((await client.call('eth_unsubscribe', [id])).result).toBe(true);
    expect(host.subscriptions.size).toBe(0);
    expect(host.push('newHeads', { number: '0x67' })).toBe(0);
    expect((await client.call('eth_unsubscribe', [id])).result).toBe(false);
    expect(client.notificationsFor(id)).toEqual([{ number: '0x65' }, { number: '0x66' }]);
  });

  it('relays logs with the checked criteria; newHeads and logs share one follower socket', async () => {
    const client = await connect();
    const heads = await subscribe(client, ['newHeads']);
    const logs = await subscribe(client, ['logs', { address: TOKEN.toUpperCase().replace('0X', '0x'), topics: [TRANSFER, null] }]);
    const host = holder('logs');
    expect(holder('newHeads')).toBe(host);
    expect(host.sockets).toHaveLength(1);
    const sub = [...host.subscriptions.values()].find((s) => s.kind === 'logs');
    expect(sub?.options).toEqual({ address: [TOKEN], topics: [[TRANSFER], null] });
    const log = { address: TOKEN, topics: [TRANSFER], blockNumber: '0x65', logIndex: '0x0', data: '0x' };
    const got = client.notification(logs);
    host.push('logs', log);
    expect(await got).toEqual(log);
    expect(client.notificationsFor(heads)).toEqual([]);
  });

  it('subscribes newPendingTransactions on the active host only (it alone has the pool)', async () => {
    const client = await connect();
    const id = await subscribe(client, ['newPendingTransactions']);
    expect(holder('newPendingTransactions')).toBe(a);
    const hash = `0x${'ab'.repeat(32)}`;
    const got = client.notification(id);
    a.push('newPendingTransactions', hash);
    expect(await got).toBe(hash);
  });

  it.each([
    [['bogus'], /unsupported subscription type "bogus"/],
    [[], /invalid params/],
    [['newHeads', { full: true }], /newHeads takes no options/],
    [['logs', { address: '0x1234' }], /filter\.address/],
    [['logs', { topics: ['0x12'] }], /filter\.topics\[0\]/],
    [['logs', { fromBlock: '0x1' }], /fromBlock\/toBlock are not allowed here/],
    [['logs', { blockHash: TRANSFER }], /blockHash is not allowed here/],
    [['logs', { colour: 'red' }], /unknown field colour/],
  ])('refuses eth_subscribe %j with -32602 and never asks a host', async (params, reason) => {
    const client = await connect();
    const answer = await client.call('eth_subscribe', params as unknown[]);
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.message).toMatch(reason);
    expect(a.sockets.length + b.sockets.length + c.sockets.length).toBe(0);
  });

  it('refuses eth_unsubscribe with a non-hex id (-32602) and answers false for an unknown one', async () => {
    const client = await connect();
    expect((await client.call('eth_unsubscribe', ['nope'])).error?.code).toBe(-32602);
    expect((await client.call('eth_unsubscribe', [])).error?.code).toBe(-32602);
    expect((await client.call('eth_unsubscribe', ['0x1234'])).result).toBe(false);
  });

  it('holds at most 100 subscriptions per connection (-32005), counting unsubscriptions', async () => {
    const client = await connect();
    const batch = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_subscribe', params: ['newHeads'] }));
    const answers = (await client.sendAndWait(batch, Array.isArray)) as unknown as { result: string }[];
    expect(new Set(answers.map((answer) => answer.result)).size).toBe(100);
    const over = await client.call('eth_subscribe', ['newHeads']);
    expect(over.error).toEqual({ code: -32005, message: 'at most 100 subscriptions per connection' });
    expect((await client.call('eth_unsubscribe', [answers[0]?.result])).result).toBe(true);
    expect((await client.call('eth_subscribe', ['logs'])).result).toMatch(/^0x/);
    // Another connection has its own bound.
    expect((await (await connect()).call('eth_subscribe', ['newHeads'])).result).toMatch(/^0x/);
  });

  it('answers -32002 when no host takes the subscription, and subscribes once one is back', async () => {
    const client = await connect();
    for (const host of [a, b, c]) host.mode = 'down';
    const answer = await client.call('eth_subscribe', ['newHeads']);
    expect(answer.error?.code).toBe(-32002);
    c.mode = 'up';
    const { eq } = await import('drizzle-orm');
    const { hosts } = await import('../../edge/db/schema.ts');
    const { db } = await import('./support/seed.ts');
    await db().update(hosts).set({ healthy: true }).where(eq(hosts.address, C));
    expect((await client.call('eth_subscribe', ['newHeads'])).result).toMatch(/^0x/);
    expect(holder('newHeads')).toBe(c);
  });

  it('closes a connection whose notifications overdraw its byte budget with 1008 (the Worker cannot see a slow reader)', async () => {
    const client = await connect();
    const id = await subscribe(client, ['logs']);
    const host = holder('logs');
    const data = `0x${'00'.repeat(256 * 1024)}`;
    const first = client.notification(id);
    for (let i = 0; i < 60; i++) host.push('logs', { address: TOKEN, topics: [], blockNumber: '0x65', logIndex: `0x${i.toString(16)}`, data });
    await first;
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/notifications exceed \d+ bytes\/s for this connection/);
    // Under the 16 MiB burst: about 32 notifications of 512 KiB went out before the close, not all 60.
    expect(client.notificationsFor(id).length).toBeGreaterThan(20);
    expect(client.notificationsFor(id).length).toBeLessThan(60);
    await vi.waitFor(() => expect(host.subscriptions.size).toBe(0), { timeout: 2_000, interval: 20 });
  });

  it('closes the host sockets when the client leaves', async () => {
    const client = await connect();
    await subscribe(client, ['newHeads']);
    const host = holder('newHeads');
    client.close();
    await vi.waitFor(() => expect(host.subscriptions.size).toBe(0), { timeout: 2_000, interval: 20 });
  });
});

describe('subscriptions across host failures', () => {
  it('re-subscribes on another follower when the host is killed; notifications resume under the same ids', async () => {
    const client = await connect();
    const heads = await subscribe(client, ['newHeads']);
    const logs = await subscribe(client, ['logs', { address: TOKEN }]);
    const first = holder('newHeads');
    const before = client.notification(heads);
    first.push('newHeads', { number: '0x65' });
    await before;

    first.kill();
    const second = first === b ? c : b;
    await vi.waitFor(() => expect(second.subscriptions.size).toBe(2), { timeout: 3_000, interval: 20 });
    expect([...second.subscriptions.values()].find((s) => s.kind === 'logs')?.options).toEqual({ address: [TOKEN] });

    const after = client.notification(heads);
    second.push('newHeads', { number: '0x66' });
    expect(await after).toEqual({ number: '0x66' });
    const log = client.notification(logs);
    second.push('logs', { address: TOKEN, topics: [], blockNumber: '0x66', logIndex: '0x0', data: '0x' });
    expect(await log).toMatchObject({ address: TOKEN });
    // The client's ids still work for unsubscribing, now against the new host.
    expect((await client.call('eth_unsubscribe', [heads])).result).toBe(true);
    expect([...second.subscriptions.values()].map((s) => s.kind)).toEqual(['logs']);
  });

  it('moves newPendingTransactions to the sequencer the consensus layer elects when the active host dies', async () => {
    const client = await connect();
    const id = await subscribe(client, ['newPendingTransactions']);
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    a.kill();
    await vi.waitFor(() => expect(b.subscriptions.size).toBe(1), { timeout: 4_000, interval: 20 });
    const hash = `0x${'cd'.repeat(32)}`;
    const got = client.notification(id);
    b.push('newPendingTransactions', hash);
    expect(await got).toBe(hash);
    expect(c.subscriptions.size).toBe(0);
  });

  it('follows a rotation of the active sequencer (the old host stays up but no longer has the pool)', async () => {
    const client = await connect();
    const id = await subscribe(client, ['newPendingTransactions']);
    await seedRoutes({ active: { address: C, url: c.url }, followers: [{ address: A, url: a.url }, { address: B, url: b.url }] });
    await vi.waitFor(() => expect(c.subscriptions.size).toBe(1), { timeout: 5_000, interval: 50 });
    expect(a.subscriptions.size).toBe(0);
    const got = client.notification(id);
    c.push('newPendingTransactions', `0x${'ef'.repeat(32)}`);
    expect(await got).toBe(`0x${'ef'.repeat(32)}`);
  });

  it('closes the client with 1013 and a reason when no host can take the subscriptions back', async () => {
    const client = await connect();
    await subscribe(client, ['newHeads']);
    for (const host of [b, c]) host.mode = 'down';
    a.mode = 'down';
    holder('newHeads').kill();
    const closed = await client.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/failed and no other sequencer host could take the subscriptions/);
  });
});
