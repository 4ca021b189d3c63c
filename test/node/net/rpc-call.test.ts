import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcCallError, rpcCall, RpcUnreachableError } from '../../../node/net/rpc-call.ts';

/** The JSON-RPC client node/ uses for its own calls, against a loopback server that answers each way there is. */
describe('rpcCall', () => {
  let server: Server;
  let url: string;
  const seen: unknown[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string; params: unknown };
      seen.push(request);
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      switch (request.method) {
        case 'ok':
          return reply(200, JSON.stringify({ jsonrpc: '2.0', id: request.id, result: request.params }));
        case 'null_result':
          return reply(200, JSON.stringify({ jsonrpc: '2.0', id: request.id, result: null }));
        case 'refused':
          return reply(200, JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32003, message: 'nonce too low', data: { nonce: 3 } } }));
        case 'html':
          return reply(502, '<html>bad gateway</html>');
        case 'empty':
          return reply(200, JSON.stringify({ jsonrpc: '2.0', id: request.id }));
        case 'slow':
          return setTimeout(() => reply(200, JSON.stringify({ jsonrpc: '2.0', id: request.id, result: 1 })), 2_000);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends one JSON-RPC 2.0 request and returns its result, null included', async () => {
    expect(await rpcCall(url, 'ok', ['0x1', true])).toEqual(['0x1', true]);
    expect(seen.at(-1)).toEqual({ jsonrpc: '2.0', id: 1, method: 'ok', params: ['0x1', true] });
    expect(await rpcCall(url, 'null_result')).toBeNull();
    expect(seen.at(-1)).toMatchObject({ params: [] });
  });

  it('an error answer is an RpcCallError with the code, reason and data', async () => {
    const error = await rpcCall(url, 'refused').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcCallError);
    expect(error).toMatchObject({ method: 'refused', code: -32003, reason: 'nonce too low', data: { nonce: 3 } });
  });

  it('no answer, a timeout, or a reply that is not JSON-RPC is an RpcUnreachableError saying which', async () => {
    await expect(rpcCall(url, 'html')).rejects.toMatchObject({ name: 'RpcUnreachableError', reason: 'HTTP 502, not a JSON-RPC answer' });
    await expect(rpcCall(url, 'empty')).rejects.toBeInstanceOf(RpcUnreachableError);
    await expect(rpcCall(url, 'slow', [], { timeoutMs: 100 })).rejects.toMatchObject({ name: 'RpcUnreachableError', reason: 'no answer within 100 ms' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(rpcCall(`http://127.0.0.1:${port}`, 'ok')).rejects.toMatchObject({ name: 'RpcUnreachableError', reason: 'ECONNREFUSED' });
  });
});
