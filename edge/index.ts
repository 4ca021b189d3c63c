import { InternalError, } from '../protocol/jsonrpc/errors.ts';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ConfigError, type Env } from './config/env.ts';
import { governance } from './governance/routes.ts';
import { gateway } from './gateway.ts';
import { errorResponse } from '../protocol/jsonrpc/envelope.ts';
import { runScheduled } from './scheduler/index.ts';
import { status } from './status/routes.tsx';

export { TxRateLimiter } from './limits/limit.ts';

/** The edge: the JSON-RPC gateway, the governance REST API and the status endpoints, plus the cron scheduler. */
const app = new Hono<{ Bindings: Env }>();

app.route('/', gateway);
app.route('/', governance);
app.route('/', status);

/** The methods some route (not middleware, which matches every method) answers on `path`. */
function allowedMethods(path: string): string[] {
  return ['GET', 'POST'].filter((method) => app.router.match(method, path)[0].some(([[, route]]) => route.method === method));
}

app.notFound((c) => {
  const allowed = allowedMethods(c.req.path);
  if (allowed.length > 0) {
    return c.json({ error: { code: 'method_not_allowed', message: `${c.req.method} ${c.req.path} is not supported: use ${allowed.join(' or ')}` } }, 405, { Allow: allowed.join(', ') });
  }
  return c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
});
app.onError((error, c) => {
  if (error instanceof HTTPException) return error.getResponse();
  console.error(error);
  const message = error instanceof ConfigError ? error.message : 'internal error';
  if (c.req.method === 'POST' && (c.req.path === '/' || c.req.path === '/rpc')) {
    return c.json(errorResponse(null, new InternalError(message)), 500);
  }
  return c.json({ error: { code: 'internal', message } }, 500);
});

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
