import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_HTTP_BOUNDS, httpServerOptions, type HttpBounds } from '../../net/listener-bounds.ts';
import type { Dispatcher, SubscriberConnection } from './dispatch.ts';

export interface RpcServerOptions {
  host: string;
  port: number;
  /** Largest request body (HTTP) or message (WebSocket) in bytes. */
  maxBodyBytes: number;
  /** A WebSocket whose unsent replies exceed this is closed: a slow reader must not grow our memory. */
  maxWsBufferedBytes: number;
  /** Slow-sender and connection bounds; WebSocket connections count against maxConnections too. */
  bounds?: HttpBounds;
}

/** Wallets and the edge keep connections open: idle keep-alive lasts a minute (the edge's pool reuses them). */
export const RPC_HTTP_BOUNDS: HttpBounds = { ...DEFAULT_HTTP_BOUNDS, keepAliveTimeoutMs: 60_000, maxConnections: 1024 };

export const DEFAULT_RPC_SERVER_OPTIONS: Omit<RpcServerOptions, 'port'> = {
  host: '127.0.0.1',
  maxBodyBytes: 5 * 1024 * 1024,
  maxWsBufferedBytes: 16 * 1024 * 1024,
};

export interface RpcServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

/** JSON-RPC over HTTP POST and WebSocket on one port (node:http + ws). */
export async function startRpcServer(dispatcher: Dispatcher, options: RpcServerOptions): Promise<RpcServer> {
  const bounds = options.bounds ?? RPC_HTTP_BOUNDS;
  const server: Server = createServer(httpServerOptions(bounds), (req, res) => handleHttp(dispatcher, options, req, res));
  server.maxConnections = bounds.maxConnections;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  let nextConnectionId = 1;

  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(dispatcher, options, ws, nextConnectionId++));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    wsUrl: `ws://${options.host}:${port}`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleHttp(dispatcher: Dispatcher, options: RpcServerOptions, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' });
    res.end();
    return;
  }
  if (req.method !== 'POST') {
    reply(res, 405, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: use HTTP POST with a JSON-RPC body' } }));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > options.maxBodyBytes) {
      tooLarge = true;
      reply(res, 413, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32005, message: `request body exceeds ${options.maxBodyBytes} bytes` } }));
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return;
    const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    dispatcher.handle(body, {}).then(
      (text) => (text === null ? (res.writeHead(204), res.end()) : reply(res, 200, text)),
      () => reply(res, 500, INTERNAL_ERROR),
    );
  });
}

const INTERNAL_ERROR = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'internal error' } });

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function serveSocket(dispatcher: Dispatcher, options: RpcServerOptions, ws: WebSocket, id: number): void {
  const closeListeners: (() => void)[] = [];
  const connection: SubscriberConnection = {
    id,
    send(text) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > options.maxWsBufferedBytes) {
        ws.close(1008, 'subscriber too slow');
        return;
      }
      ws.send(text);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
    dispatcher.handle(text, { connection }).then(
      (reply) => {
        if (reply !== null) connection.send(reply);
      },
      // The dispatcher answers bad input itself; reaching here is our bug, still answered rather than thrown.
      () => connection.send(INTERNAL_ERROR),
    );
  });
  ws.on('close', () => {
    for (const listener of closeListeners.splice(0)) listener();
  });
  ws.on('error', () => ws.terminate());
}
