import { Hono } from 'hono';
import { ConfigError, type Env } from './env.ts';
import { gateway } from './rpc/gateway.ts';
import { ErrorCode, RpcError, errorResponse } from './rpc/jsonrpc.ts';

export { TxRateLimiter } from './rpc/limit.ts';

const app = new Hono<{ Bindings: Env }>();

app.route('/', gateway);

app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
app.onError((error, c) => {
  console.error(error);
  const message = error instanceof ConfigError ? error.message : 'internal error';
  if (c.req.method === 'POST' && (c.req.path === '/' || c.req.path === '/rpc')) {
    return c.json(errorResponse(null, new RpcError(ErrorCode.internalError, message)), 500);
  }
  return c.json({ error: { code: 'internal', message } }, 500);
});

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
