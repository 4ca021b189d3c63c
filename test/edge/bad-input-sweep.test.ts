import { exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { freshIp, seedRoutes } from './support/seed.ts';
import { SocketClient } from './support/socket-client.ts';

// Hostile input on every route of the edge (JSON-RPC gateway, WebSocket, governance REST, status): whatever
// arrives is answered 4xx with a reason (or, for JSON-RPC calls inside a valid envelope, a JSON-RPC error), never
// a 500, never a crash of the Worker.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';

let active: FakeHost;
let follower: FakeHost;

beforeEach(async () => {
  const net = new FakeNetwork();
  active = net.host('http://a.hosts.test');
  follower = net.host('http://b.hosts.test');
  net.install();
  await seedRoutes({ active: { address: A, url: active.url }, followers: [{ address: B, url: follower.url }], l1Covered: 50 });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const RPC_PATHS = ['/', '/rpc'];
const REST_PATHS = [
  '/v1/status',
  '/status',
  '/v1/sequencers',
  `/v1/sequencers/${A}`,
  '/v1/epochs',
  '/v1/rotations',
  '/v1/proposals',
  '/v1/proposals/0',
  '/v1/proposals/0/votes',
  `/v1/stakes/${A}`,
  '/v1/batches',
];

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const callWith = (params: string, method = 'eth_call') => `{"jsonrpc":"2.0","id":1,"method":"${method}","params":${params}}`;

/** A reason a client or operator can read: a JSON error message, or for other bodies some text. */
async function reasonOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } } | { error?: { message?: unknown } }[];
    const first = Array.isArray(body) ? body[0] : body;
    return String(first?.error?.message ?? '');
  } catch {
    return text;
  }
}

async function post(path: string, body: BodyInit, contentType: string | null = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': freshIp() };
  if (contentType !== null) headers['content-type'] = contentType;
  return await exports.default.fetch(`http://edge.test${path}`, { method: 'POST', headers, body });
}

/** Refused as a whole: a 4xx and a reason. */
async function expectRefused(response: Response, status?: number): Promise<string> {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  if (status !== undefined) expect(response.status).toBe(status);
  const reason = await reasonOf(response);
  expect(reason.length).toBeGreaterThan(0);
  return reason;
}

/** Inside a valid envelope: HTTP 200 with a JSON-RPC error per call, or a result. Never a 5xx. */
async function expectAnswered(response: Response): Promise<unknown> {
  expect(response.status).toBeLessThan(500);
  return await response.json();
}

describe('JSON-RPC gateway: refused envelopes', () => {
  const bodies: [string, string, number][] = [
    ['an empty body', '', 400],
    ['not JSON', 'hello', 400],
    ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"', 400],
    ['an empty batch', '[]', 400],
    ['a batch over the limit', `[${Array.from({ length: 101 }, () => '1').join(',')}]`, 400],
    ['an array nested 100,000 deep', deepArray(100_000), 400],
    ['an object nested 40,000 deep', deepObject(40_000), 400],
    ['a call nested 33 deep, one past the limit', callWith(deepArray(32)), 400],
    ['params nested 20,000 deep', callWith(deepArray(20_000)), 400],
    ['params holding an object nested 10,000 deep', callWith(`[${deepObject(10_000)}]`), 400],
    ['a body over the size limit', callWith(`["0x${'00'.repeat(140_000)}"]`), 413],
    ['invalid UTF-8', '\uFFFE\uD800', 400],
  ];
  for (const path of RPC_PATHS) {
    it.each(bodies)(`POST ${path}: %s`, async (_, body, status) => {
      await expectRefused(await post(path, body), status);
    });
  }

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['application/xml', 415],
    ['application/json; charset=utf-16', 415],
  ])('refuses content-type %s with %i and says which are accepted', async (contentType, status) => {
    const reason = await expectRefused(await post('/', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', contentType), status);
    expect(reason).toMatch(/application\/json/);
  });

  it('accepts application/json with a charset, and a request without a content-type (JSON assumed)', async () => {
    expect((await post('/', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', 'application/json; charset=utf-8')).status).toBe(200);
    // A byte body (unlike a string one) makes fetch send no content-type at all.
    const bytes = new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
    expect((await post('/', bytes, null)).status).toBe(200);
  });

  it('a body stream larger than the limit with no content-length is cut off with 413', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    await expectRefused(await post('/', stream), 413);
  });
});

describe('JSON-RPC gateway: bad calls inside a valid envelope', () => {
  const calls: [string, string][] = [
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"eth_chainId"'],
    ['no jsonrpc', '{"id":1,"method":"eth_chainId"}'],
    ['a method that is no string', '{"jsonrpc":"2.0","id":1,"method":7}'],
    ['an unknown method', '{"jsonrpc":"2.0","id":1,"method":"admin_peers"}'],
    ['an id of 1e400', '{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"}'],
    ['an object id', '{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}'],
    ['a huge block number', callWith(`["0x${'f'.repeat(200)}", false]`, 'eth_getBlockByNumber')],
    ['a block number of 1e308', callWith('[1e308, false]', 'eth_getBlockByNumber')],
    ['a huge number in a filter', callWith(`[{"fromBlock":"0x${'f'.repeat(100)}"}]`, 'eth_newFilter')],
    ['a negative filter id', callWith('["-0x1"]', 'eth_getFilterChanges')],
    ['a raw transaction that is not hex', callWith('["0xzz"]', 'eth_sendRawTransaction')],
    ['a raw transaction of garbage bytes', callWith(`["0x${'ab'.repeat(500)}"]`, 'eth_sendRawTransaction')],
    ['named params on a write', callWith('{"tx":"0x00"}', 'eth_sendRawTransaction')],
    ['__proto__ keys', '{"jsonrpc":"2.0","id":1,"method":"eth_getLogs","params":[{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}]}'],
    ['eth_subscribe over HTTP', callWith('["newHeads"]', 'eth_subscribe')],
    ['params nested 30 deep, within the limit', callWith(deepArray(30))],
    ['an object that is no request and has no id', '{"foo":"boo"}'],
  ];
  it.each(calls)('%s: an answer, never a 5xx', async (_, body) => {
    const answer = await expectAnswered(await post('/', body));
    expect(JSON.stringify(answer).length).toBeGreaterThan(0);
  });

  it('a batch of every bad call answers each with its own error, never a 5xx', async () => {
    const response = await post('/', `[${calls.map(([, body]) => body).join(',')}]`);
    const answers = (await expectAnswered(response)) as { error?: { message: string } }[];
    expect(answers.length).toBeGreaterThan(0);
  });

  it('the Worker is still answering after the sweep', async () => {
    for (const [, body] of calls) await post('/', body);
    const ok = (await (await post('/', '{"jsonrpc":"2.0","id":9,"method":"eth_chainId"}')).json()) as { result?: string };
    expect(ok.result).toBe('0xe9fe');
  });
});

describe('methods and paths', () => {
  for (const path of RPC_PATHS) {
    it.each(['PUT', 'DELETE', 'PATCH'])(`%s ${path} is 405 naming the methods that work`, async (method) => {
      const response = await exports.default.fetch(`http://edge.test${path}`, { method, body: '{}' });
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect(await expectRefused(response, 405)).toMatch(/use GET or POST$/);
    });
    it(`GET ${path} without a WebSocket upgrade is 426 with a reason`, async () => {
      await expectRefused(await exports.default.fetch(`http://edge.test${path}`), 426);
    });
  }
  for (const path of REST_PATHS) {
    it.each(['POST', 'PUT', 'DELETE'])(`%s ${path} is 405 naming GET`, async (method) => {
      const response = await exports.default.fetch(`http://edge.test${path}`, { method, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(response.headers.get('allow')).toBe('GET');
      expect(await expectRefused(response, 405)).toMatch(/use GET$/);
    });
  }
  it.each(['/nope', `/v1/${'x'.repeat(10_000)}`, '/v1/proposals/0/votes/extra', '/%00', '/v1/sequencers/%ff%fe'])('GET %s is refused with a reason', async (path) => {
    await expectRefused(await exports.default.fetch(`http://edge.test${path}`));
  });
});

describe('governance REST: bad parameters', () => {
  const lists = ['/v1/sequencers', '/v1/epochs', '/v1/rotations', '/v1/proposals', '/v1/proposals/0/votes', `/v1/stakes/${A}`, '/v1/batches'];
  const queries = ['from=-1', 'from=1e400', 'from=abc', 'from=99999999999999999999', 'from=0x10', 'limit=0', 'limit=101', 'limit=1.5', `limit=${'9'.repeat(400)}`, 'from=%00', 'from=1&from=x'];
  for (const path of lists) {
    it.each(queries)(`GET ${path}?%s is 400 with a reason, or a page`, async (query) => {
      const response = await exports.default.fetch(`http://edge.test${path}?${query}`);
      if (response.status === 200) return; // e.g. from=1&from=x reads the first from
      const reason = await expectRefused(response, path === '/v1/proposals/0/votes' ? undefined : 400);
      expect(reason).toMatch(/from|limit|proposal/);
    });
  }
  it.each(['0x1234', `0x${'g'.repeat(40)}`, `0x${'a'.repeat(41)}`, 'x'.repeat(5_000), '%00'])('an address of %s is 400 with a reason', async (bad) => {
    for (const path of ['/v1/sequencers/', '/v1/stakes/']) await expectRefused(await exports.default.fetch(`http://edge.test${path}${bad}`), 400);
  });
  it.each(['-1', '1e3', '0x1', '9'.repeat(400), 'abc'])('a proposal id of %s is 400 with a reason', async (bad) => {
    await expectRefused(await exports.default.fetch(`http://edge.test/v1/proposals/${bad}`), 400);
    await expectRefused(await exports.default.fetch(`http://edge.test/v1/proposals/${bad}/votes`), 400);
  });
});

describe('WebSocket: bad messages', () => {
  it('answers each bad message with a JSON-RPC error naming the reason, and keeps the connection', async () => {
    const socket = await SocketClient.open();
    const messages: [string, RegExp][] = [
      ['hello', /^parse error/],
      ['', /^parse error/],
      ['[]', /empty batch/],
      [deepArray(50_000), /nested 50000 levels deep/],
      [deepObject(20_000), /nested 20000 levels deep/],
      [callWith(deepArray(10_000)), /nested 10001 levels deep/],
      ['{"foo":"boo"}', /must be "2.0"/],
      ['{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"}', /"id" must be/],
      [`[${Array.from({ length: 101 }, () => '1').join(',')}]`, /exceeds the limit of 100/],
      [`"${'x'.repeat(300_000)}"`, /exceeds the limit of 262144 bytes/],
    ];
    for (const [message, reason] of messages) {
      const answer = await socket.sendAndWait(message, (m) => m.error !== undefined);
      expect(answer.error?.message).toMatch(reason);
    }
    expect((await socket.call('eth_chainId')).result).toBe('0xe9fe');
    socket.ws.close();
  });
});
