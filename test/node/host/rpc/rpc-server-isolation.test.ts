import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_HTTP_BOUNDS, type HttpBounds } from '../../../../node/net/listener-bounds.ts';
import type { Dispatcher } from '../../../../node/host/rpc/dispatch.ts';
import { DEFAULT_RPC_SERVER_OPTIONS, startRpcServer, type RpcServer } from '../../../../node/host/rpc/server.ts';
import { httpStatus, rawExchange } from '../../../support/raw-socket.ts';

/** A dispatcher with a bug: every call rejects (the real one answers bad input itself, so only a bug gets here). */
const brokenDispatcher = { handle: () => Promise.reject(new TypeError('bug in a method handler')) } as unknown as Dispatcher;
const echoDispatcher = { handle: (body: string) => Promise.resolve(body) } as unknown as Dispatcher;

/** Short bounds, so the tests see slow senders cut off without waiting for the production ones. */
const TIGHT: HttpBounds = { ...DEFAULT_HTTP_BOUNDS, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300, checkIntervalMs: 50, maxConnections: 8 };

let server: RpcServer | undefined;
afterEach(async () => server?.close());

const start = async (dispatcher: Dispatcher, bounds?: HttpBounds) => (server = await startRpcServer(dispatcher, { ...DEFAULT_RPC_SERVER_OPTIONS, port: 0, bounds }));

function wsExchange(url: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(message));
    ws.on('message', (data) => {
      resolve(data.toString());
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('RPC listener isolation', () => {
  it('a dispatcher failure on the WebSocket path answers -32603 instead of an unhandled rejection', async () => {
    const rpc = await start(brokenDispatcher);
    const answer = JSON.parse(await wsExchange(rpc.wsUrl, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'));
    expect(answer).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'internal error' } });
    const http = await fetch(rpc.url, { method: 'POST', body: '{}' });
    expect(http.status).toBe(500);
  });

  it('cuts off a sender that trickles its headers, and one that trickles its body', async () => {
    const rpc = await start(echoDispatcher, TIGHT);
    const headerBytes = [...'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'];
    const trickledHeaders = await rawExchange(rpc.port, headerBytes, { gapMs: 100, waitMs: 5_000 });
    expect(trickledHeaders.closedByServer).toBe(true);
    expect([408, null]).toContain(httpStatus(trickledHeaders.text));
    const body = '{"jsonrpc":"2.0","id":1,"method":"x"}';
    const trickledBody = await rawExchange(rpc.port, [`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, ...body], { gapMs: 100, waitMs: 5_000 });
    expect(trickledBody.closedByServer).toBe(true);
    expect(trickledBody.text).not.toContain(body);
  });

  it('closes an idle connection that never sends a byte', async () => {
    const rpc = await start(echoDispatcher, TIGHT);
    expect((await rawExchange(rpc.port, [], { waitMs: 10_000 })).closedByServer).toBe(true);
  });

  it('closes connections beyond maxConnections on accept, WebSockets included, and serves again once they go', async () => {
    const rpc = await start(echoDispatcher, { ...TIGHT, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 60_000 });
    const sockets = await Promise.all(Array.from({ length: 7 }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(rpc.wsUrl);
      ws.on('open', () => resolve(ws));
      ws.on('error', reject);
    })));
    const eighth = await rawExchange(rpc.port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'], { waitMs: 2_000 });
    expect(httpStatus(eighth.text)).toBe(200);
    // Seven WebSockets plus one held-open raw connection fill the eight slots.
    const holder = rawExchange(rpc.port, [], { waitMs: 3_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await rawExchange(rpc.port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'], { waitMs: 2_000 });
    expect(refused).toEqual({ text: '', closedByServer: true });
    for (const ws of sockets) ws.terminate();
    await holder;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await rawExchange(rpc.port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'], { waitMs: 2_000 });
    expect(httpStatus(again.text)).toBe(200);
  });
});
