import { exports } from 'cloudflare:workers';
import { Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { L2_CHAIN_ID, call, freshIp, rpc, seedRoutes } from './support/seed.ts';

// The immutable-answer cache (Cache API) and the per-IP budgets: RPC_LIMITER (Workers rate limiting binding,
// simulated by miniflare) for every request, TX_LIMITER (Durable Object token bucket) for transactions.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const wallet = new Wallet('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba');

let net: FakeNetwork;
let a: FakeHost;
let b: FakeHost;

beforeEach(async () => {
  net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  b = net.host('http://b.hosts.test');
  net.install();
  await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }], l1Covered: 50 });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asserts a call is eventually answered without asking any host (the cache write happens after the response). */
async function expectCached(body: unknown): Promise<unknown> {
  let answer: unknown;
  await vi.waitFor(async () => {
    const before = b.calls.length + a.calls.length;
    answer = await (await rpc(body)).json();
    expect(b.calls.length + a.calls.length).toBe(before);
  });
  return answer;
}

async function expectForwardedTwice(body: unknown): Promise<void> {
  const before = b.calls.length;
  await rpc(body);
  await pause(50);
  await rpc(body);
  expect(b.calls.length - before).toBe(2);
}

describe('immutable-answer cache', () => {
  it('serves a block by hash from the cache after the first answer', async () => {
    b.blocks.set(hash(1), { hash: hash(1), number: '0x30' });
    const first = await (await rpc(call('eth_getBlockByHash', [hash(1), false], 5))).json();
    expect(first).toEqual({ jsonrpc: '2.0', id: 5, result: { hash: hash(1), number: '0x30' } });
    expect(await expectCached(call('eth_getBlockByHash', [hash(1), false], 6))).toEqual({ jsonrpc: '2.0', id: 6, result: { hash: hash(1), number: '0x30' } });
  });

  it('does not cache an answer about something else than what was asked', async () => {
    b.blocks.set(hash(7), { hash: hash(8), number: '0x1' });
    await expectForwardedTwice(call('eth_getBlockByHash', [hash(7), false]));
  });

  it('does not cache "not found"', async () => {
    await expectForwardedTwice(call('eth_getBlockByHash', [hash(2), false]));
  });

  it('caches a receipt only once a batch on L1 covers its block', async () => {
    b.txs.set(hash(3), { hash: hash(3), blockNumber: '0x32', raw: '0x' });
    b.txs.set(hash(4), { hash: hash(4), blockNumber: '0x33', raw: '0x' });
    b.txs.set(hash(5), { hash: hash(5), blockNumber: null, raw: '0x' });
    await rpc(call('eth_getTransactionReceipt', [hash(3)]));
    await expectCached(call('eth_getTransactionReceipt', [hash(3)]));
    await expectForwardedTwice(call('eth_getTransactionReceipt', [hash(4)]));
    await expectForwardedTwice(call('eth_getTransactionByHash', [hash(5)]));
  });

  it('caches blocks by number up to the last block a batch on L1 covers, never tags', async () => {
    await rpc(call('eth_getBlockByNumber', ['0x10', false]));
    await expectCached(call('eth_getBlockByNumber', ['0x10', false]));
    await expectForwardedTwice(call('eth_getBlockByNumber', ['0x40', false]));
    await expectForwardedTwice(call('eth_getBlockByNumber', ['latest', false]));
  });

  it('answers the cached calls of a batch from the cache and forwards only the rest', async () => {
    b.blocks.set(hash(6), { hash: hash(6), number: '0x6' });
    await rpc(call('eth_getBlockByHash', [hash(6), true]));
    await expectCached(call('eth_getBlockByHash', [hash(6), true]));
    const before = b.calls.length;
    const answers = (await (await rpc([call('eth_getBlockByHash', [hash(6), true], 1), call('eth_blockNumber', [], 2)])).json()) as { id: number; result: unknown }[];
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 1, result: { hash: hash(6), number: '0x6' } },
      { jsonrpc: '2.0', id: 2, result: '0x64' },
    ]);
    expect(b.calls.slice(before).map((x) => x.method)).toEqual(['eth_blockNumber']);
  });
});

describe('per-IP request budget (RPC_LIMITER)', () => {
  it('answers 429 with Retry-After and -32005 past the limit, and only for that IP', async () => {
    const ip = freshIp();
    let first429 = -1;
    let refused: Response | undefined;
    // 40 a minute in tests (600 in wrangler.toml). The window is aligned to the clock: allow one roll-over mid-test.
    for (let i = 0; i < 81 && first429 < 0; i++) {
      const response = await rpc('{', { ip });
      if (response.status === 429) {
        first429 = i;
        refused = response;
      } else {
        expect(response.status).toBe(400);
        await response.body?.cancel();
      }
    }
    expect(first429).toBeGreaterThanOrEqual(40);
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused?.json()) as { id: null; error: { code: number; message: string } };
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(-32005);
    expect(body.error.message).toBe(`rate limit exceeded for ${ip}: retry in ${retryAfter} s`);
    expect((await rpc(call('eth_blockNumber'), { ip: freshIp() })).status).toBe(200);
  });
});

describe('per-IP transaction budget (TX_LIMITER)', () => {
  function tx(nonce: number): Promise<string> {
    return wallet.signTransaction({ type: 2, chainId: L2_CHAIN_ID, nonce, to: B, gasLimit: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
  }

  it('allows the burst (3 a minute in tests), then answers 429 with the wait until the next token', async () => {
    const ip = freshIp();
    for (let nonce = 0; nonce < 3; nonce++) expect((await rpc(call('eth_sendRawTransaction', [await tx(nonce)]), { ip })).status).toBe(200);
    const refused = await rpc(call('eth_sendRawTransaction', [await tx(3)]), { ip });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(((await refused.json()) as { error: unknown }).error).toEqual({
      code: -32005,
      message: `transaction rate limit exceeded for ${ip} (3/min): retry in ${retryAfter} s`,
    });
    expect(a.txs.size).toBe(3);
    // Reads from the same IP are not held back by the transaction budget.
    expect((await rpc(call('eth_blockNumber'), { ip })).status).toBe(200);
  });

  it('counts every transaction of a batch, and refuses a batch larger than the burst outright', async () => {
    const ip = freshIp();
    const batch = await Promise.all([0, 1, 2, 3].map(async (nonce) => call('eth_sendRawTransaction', [await tx(nonce)], nonce)));
    const refused = await rpc(batch, { ip });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(a.txs.size).toBe(0);
  });

  it('does not charge transactions refused by validation', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) await rpc(call('eth_sendRawTransaction', ['0xdeadbeef']), { ip });
    expect((await rpc(call('eth_sendRawTransaction', [await tx(0)]), { ip })).status).toBe(200);
  });
});

describe('browsers', () => {
  it('answers the CORS preflight of a dapp', async () => {
    const response = await exports.default.fetch('http://edge.test/', {
      method: 'OPTIONS',
      headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
