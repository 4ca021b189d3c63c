import { ErrorCode, LimitExceededError, RpcError } from '../protocol/jsonrpc/errors.ts';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { readConfig, type Env } from './config/env.ts';
import { answerEnvelope } from './rpc/answer.ts';
import { errorResponse } from '../protocol/jsonrpc/envelope.ts';
import { clientKey } from './rpc/client-key.ts';
import { limitRequest, requestLimitError } from './limits/limit.ts';
import { acceptSocket } from './rpc/socket/index.ts';
import { loadRoutingTable } from './rpc/table.ts';
import { BodyTooLargeError, UnsupportedMediaTypeError, checkContentType, parseEnvelope, readBody, type Envelope } from './rpc/validate.ts';

/**
 * The JSON-RPC gateway wallets point at: `POST /` and `POST /rpc`, and a WebSocket on the same paths (a GET with
 * `Upgrade: websocket`, edge/rpc/socket/) whose messages go through the same checks and forwarding.
 */
export const gateway = new Hono<{ Bindings: Env }>();

// Dapps call the RPC from the browser.
gateway.use('/', cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['content-type'], maxAge: 86_400 }));
gateway.use('/rpc', cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['content-type'], maxAge: 86_400 }));
gateway.post('/', (c) => serve(c));
gateway.post('/rpc', (c) => serve(c));
gateway.get('/', (c) => acceptSocket(c));
gateway.get('/rpc', (c) => acceptSocket(c));

type GatewayContext = Context<{ Bindings: Env }>;

async function serve(c: GatewayContext): Promise<Response> {
  const config = readConfig(c.env);
  const client = clientKey(c.req.raw);

  // The budget check, the body and the routing table do not depend on each other: wait for all three at once.
  const [budget, parsed, table] = await Promise.all([
    limitRequest(c.env.RPC_LIMITER, client),
    readEnvelope(c.req.raw, config.maxBodyBytes, config.maxBatch),
    loadRoutingTable(c.env.DB, config.routingCacheMs),
  ]);
  if (!budget.ok) return refuse(c, 429, requestLimitError(client, budget.retryAfter), budget.retryAfter);
  if ('error' in parsed) {
    if (parsed.error instanceof BodyTooLargeError) return refuse(c, 413, new LimitExceededError(parsed.error.message));
    if (parsed.error instanceof UnsupportedMediaTypeError) return refuse(c, 415, new RpcError(ErrorCode.invalidRequest, parsed.error.message));
    if (parsed.error instanceof RpcError) return refuse(c, 400, parsed.error);
    throw parsed.error;
  }
  const { envelope } = parsed;
  const answered = await answerEnvelope(envelope, { env: c.env, config, client, table, waitUntil: (promise) => c.executionCtx.waitUntil(promise) });
  if ('refusal' in answered) return refuse(c, 429, answered.refusal, answered.retryAfter);
  const { answers } = answered;
  if (answers.length === 0) return c.body(null, 204);
  return c.json(envelope.batch ? answers : answers[0]);
}

async function readEnvelope(request: Request, maxBytes: number, maxBatch: number): Promise<{ envelope: Envelope } | { error: unknown }> {
  try {
    checkContentType(request.headers.get('content-type'));
    return { envelope: parseEnvelope(await readBody(request, maxBytes), maxBatch) };
  } catch (error) {
    return { error };
  }
}

/** Refuses the whole request: an HTTP status for proxies and a JSON-RPC error for wallets. */
function refuse(c: GatewayContext, status: 400 | 413 | 415 | 429, error: RpcError, retryAfter?: number): Response {
  if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
  return c.json(errorResponse(null, error), status);
}
