import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostPort, LOOPBACK } from '../../net/listen-address.ts';
import { DEFAULT_HTTP_BOUNDS, httpServerOptions, type HttpBounds } from '../../net/listener-bounds.ts';
import { answerQueryTarget, queryUrl, type CommittedView } from './routes.ts';

export interface QueryServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

function fail(response: ServerResponse, status: number, code: string, message: string): void {
  send(response, status, { error: { code, message } });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Forwards a signed app tx to the local CometBFT (broadcast_tx_sync): the answer is CheckTx's. */
async function broadcast(cometRpcUrl: string, txHex: string): Promise<{ hash: string; code: number; log: string }> {
  const response = await fetch(cometRpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(txHex.slice(2), 'hex').toString('base64') } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: { hash: string; code: number; log: string }; error?: { message: string; data?: string } };
  if (body.error) throw new Error(`CometBFT refused the tx: ${body.error.message}${body.error.data ? `: ${body.error.data}` : ''}`);
  return { hash: body.result!.hash, code: body.result!.code, log: body.result!.log };
}

/** The consensus query API over HTTP on loopback, from the app's committed state. */
export async function startQueryServer(options: { port: number; host?: string; view: () => CommittedView | null; cometRpcUrl: string | (() => string); bounds?: HttpBounds }): Promise<QueryServer> {
  const bounds = options.bounds ?? DEFAULT_HTTP_BOUNDS;
  const server: Server = createServer(httpServerOptions(bounds), (request, response) => {
    void (async () => {
      if (request.method === 'GET') {
        const result = answerQueryTarget(options.view(), request.url ?? '/');
        return send(response, result.status, result.body);
      }
      let url: URL;
      try {
        url = queryUrl(request.url ?? '/');
      } catch (error) {
        return fail(response, 400, 'bad_request', (error as Error).message);
      }
      if (request.method === 'POST' && url.pathname === '/v1/consensus/tx') {
        let tx: unknown;
        try {
          tx = (JSON.parse(await readBody(request)) as { tx?: unknown }).tx;
        } catch (error) {
          return fail(response, 400, 'bad_request', error instanceof RangeError ? error.message : 'body must be JSON: {"tx": "0x…"}');
        }
        if (typeof tx !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(tx)) return fail(response, 400, 'bad_request', 'tx must be 0x-prefixed hex of the signed app tx bytes');
        try {
          const rpc = typeof options.cometRpcUrl === 'function' ? options.cometRpcUrl() : options.cometRpcUrl;
          return send(response, 200, await broadcast(rpc, tx));
        } catch (error) {
          return fail(response, 502, 'comet_unavailable', (error as Error).message);
        }
      }
      if (url.pathname.startsWith('/v1/consensus/')) return fail(response, 405, 'method_not_allowed', `${request.method} is not allowed on ${url.pathname}`);
      return fail(response, 404, 'not_found', `no route ${url.pathname}`);
    })().catch((error: Error) => {
      if (response.headersSent) response.destroy();
      else fail(response, 500, 'internal', error.message);
    });
  });
  server.maxConnections = bounds.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? LOOPBACK, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${hostPort(options.host ?? LOOPBACK, port)}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
