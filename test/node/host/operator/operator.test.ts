import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../../../node/host/operator/metrics.ts';
import { operatorApp, startOperatorServer, type OperatorServer } from '../../../../node/host/operator/server.ts';
import { httpStatus, rawExchange } from '../../../support/raw-socket.ts';

const TOKEN = 'operator-token-for-tests-0123456789';
let server: OperatorServer;
let paused = false;
const metrics = new Metrics();
const blocks = metrics.counter('l2_blocks_total', 'Blocks produced or applied');
metrics.gauge('l2_latest_block', 'Latest block number', () => 42n);

beforeAll(async () => {
  const app = operatorApp(
    {
      health: () => ({ ok: !paused, paused, latest: 42 }),
      metrics: () => metrics.render(),
      pause: () => (paused = true),
      resume: () => (paused = false),
      peers: () => [{ address: '0x' + '1'.repeat(40), connected: true }],
    },
    TOKEN,
  );
  server = await startOperatorServer(app, '127.0.0.1', 0);
});
afterAll(async () => server?.close());

const auth = { authorization: `Bearer ${TOKEN}` };

describe('operator API', () => {
  it('refuses every route without the right bearer token (401) and changes nothing', async () => {
    for (const [method, path] of [['GET', '/health'], ['GET', '/metrics'], ['POST', '/pause'], ['POST', '/resume'], ['GET', '/peers'], ['GET', '/nope']]) {
      const none = await fetch(`${server.url}${path}`, { method });
      expect(none.status, `${method} ${path}`).toBe(401);
      const wrong = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      const basic = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Basic ${TOKEN}` } });
      expect(basic.status).toBe(401);
    }
    expect(paused).toBe(false);
  });

  it('pauses and resumes; health turns 503 while paused', async () => {
    expect((await fetch(`${server.url}/health`, { headers: auth })).status).toBe(200);
    const p = await fetch(`${server.url}/pause`, { method: 'POST', headers: auth });
    expect(await p.json()).toEqual({ paused: true });
    const health = await fetch(`${server.url}/health`, { headers: auth });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, paused: true });
    await fetch(`${server.url}/resume`, { method: 'POST', headers: auth });
    expect(paused).toBe(false);
  });

  it('serves Prometheus text and the peer list; unknown routes are 404', async () => {
    blocks(3);
    blocks(1, { role: 'follower' });
    const res = await fetch(`${server.url}/metrics`, { headers: auth });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE l2_blocks_total counter\nl2_blocks_total 3\nl2_blocks_total{role="follower"} 1');
    expect(text).toContain('# TYPE l2_latest_block gauge\nl2_latest_block 42');
    expect(((await (await fetch(`${server.url}/peers`, { headers: auth })).json()) as any).items).toHaveLength(1);
    expect((await fetch(`${server.url}/pause`, { headers: auth })).status).toBe(404);
  });

  it('answers methods the Fetch standard forbids (TRACE, TRACK) with 405, closes on CONNECT, and keeps serving', async () => {
    // node:http hands CONNECT to a 'connect' listener, and closes the socket when there is none.
    const tunnel = await rawExchange(server.port, [`CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`]);
    expect(tunnel).toEqual({ text: '', closedByServer: true });
    const trace = await rawExchange(server.port, [`TRACE /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`]);
    expect(httpStatus(trace.text), trace.text).toBe(405);
    expect(trace.text).toContain('method TRACE is not allowed on the operator API');
    // Methods llhttp does not know (TRACK, lower case) are its 400 before any handler runs.
    for (const method of ['TRACK', 'trace']) {
      const answer = await rawExchange(server.port, [`${method} /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      expect(httpStatus(answer.text), `${method}: ${answer.text}`).toBe(400);
    }
    expect((await fetch(`${server.url}/health`, { headers: auth })).status).toBe(200);
  });

  it('answers a body above 64 KiB with 413 and a garbage method with an error, never a crash', async () => {
    const big = 'x'.repeat(70 * 1024);
    const tooLarge = await rawExchange(server.port, [`POST /pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n${big}`]);
    expect(httpStatus(tooLarge.text)).toBe(413);
    expect(paused).toBe(false);
    for (const method of ['PROPFIND', 'BREW', 'M-SEARCH']) {
      const answer = await rawExchange(server.port, [`${method} /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`]);
      expect(answer.closedByServer).toBe(true);
    }
    expect((await fetch(`${server.url}/health`, { headers: auth })).status).toBe(200);
  });

  it('refuses a short token at construction', () => {
    expect(() => operatorApp({} as never, 'short')).toThrow(/at least 16/);
  });
});
