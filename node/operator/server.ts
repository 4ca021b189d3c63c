import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';

/** What the operator API reads and controls; the host implements it. */
export interface OperatorControl {
  health(): { ok: boolean } & Record<string, unknown>;
  metrics(): string;
  pause(): void;
  resume(): void;
  peers(): unknown[];
}

/**
 * The operator API on its own port: every route needs `Authorization: Bearer <token>` (401 otherwise).
 * GET /health (200 ok / 503 degraded), GET /metrics (Prometheus text), POST /pause, POST /resume, GET /peers.
 */
export function operatorApp(control: OperatorControl, token: string): Hono {
  if (token.length < 16) throw new Error('operator token must be at least 16 characters');
  const expected = Buffer.from(`Bearer ${token}`);
  const app = new Hono();
  app.use('*', async (c, next) => {
    const given = Buffer.from(c.req.header('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('www-authenticate', 'Bearer');
      return c.json({ error: { code: 401, message: 'missing or wrong bearer token' } }, 401);
    }
    await next();
  });
  app.get('/health', (c) => {
    const health = control.health();
    return c.json(health, health.ok ? 200 : 503);
  });
  app.get('/metrics', (c) => c.body(control.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
  app.post('/pause', (c) => {
    control.pause();
    return c.json({ paused: true });
  });
  app.post('/resume', (c) => {
    control.resume();
    return c.json({ paused: false });
  });
  app.get('/peers', (c) => c.json({ items: control.peers() }));
  app.notFound((c) => c.json({ error: { code: 404, message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => c.json({ error: { code: 500, message: error.message } }, 500));
  return app;
}

export interface OperatorServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves a Hono app with node:http on loopback. */
export async function startOperatorServer(app: Hono, host: string, port: number): Promise<OperatorServer> {
  const server: Server = createServer((req, res) => void bridge(app, host, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function bridge(app: Hono, host: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) {
      res.writeHead(413).end();
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && chunks.length > 0;
  const body = hasBody ? new Uint8Array(Buffer.concat(chunks)) : null;
  const response = await app.fetch(new Request(`http://${host}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, body }));
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out);
  res.end(Buffer.from(await response.arrayBuffer()));
}
