import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { database } from '../db/client.ts';
import { readConfig, type Env } from '../env.ts';
import { RPC_CACHE_NAME, RpcCache, isCacheable, isImmutableAnswer } from './cache.ts';
import { FilterStore, answerFilterCalls, type FilterCall, type ReadHosts } from './filters/index.ts';
import { ErrorCode, RpcError, errorResponse, resultResponse, type RpcId, type RpcResponse } from './jsonrpc.ts';
import { clientKey, limitRequest, limitTransactions } from './limit.ts';
import { forwardReads, forwardWrites, type ForwardOptions, type Outbound, type RoutingTable } from './route.ts';
import { loadRoutingTable, routeEvents } from './table.ts';
import { BodyTooLargeError, parseEnvelope, readBody, salvageId, validateCall, type Envelope } from './validate.ts';

/** The JSON-RPC gateway wallets point at: `POST /` and `POST /rpc`. */
export const gateway = new Hono<{ Bindings: Env }>();

// Dapps call the RPC from the browser.
gateway.use('/', cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['content-type'], maxAge: 86_400 }));
gateway.use('/rpc', cors({ origin: '*', allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['content-type'], maxAge: 86_400 }));
gateway.post('/', (c) => serve(c));
gateway.post('/rpc', (c) => serve(c));

type GatewayContext = Context<{ Bindings: Env }>;

/** One call's place in the answer: answered here (at once, or as a `filter` call), or forwarded as `outbound`. */
interface Slot {
  id: RpcId;
  notification: boolean;
  answer?: RpcResponse;
  outbound?: Outbound;
  filter?: FilterCall;
  kind?: 'read' | 'write' | 'filter';
}

async function serve(c: GatewayContext): Promise<Response> {
  const config = readConfig(c.env);
  const client = clientKey(c.req.raw);

  // The budget check, the body and the routing table do not depend on each other: wait for all three at once.
  const [budget, parsed, table] = await Promise.all([
    limitRequest(c.env.RPC_LIMITER, client),
    readEnvelope(c.req.raw, config.maxBodyBytes, config.maxBatch),
    loadRoutingTable(c.env.DB, config.routingCacheMs),
  ]);
  if (!budget.ok) return refuse(c, 429, new RpcError(ErrorCode.limitExceeded, `rate limit exceeded for ${client}: retry in ${budget.retryAfter} s`), budget.retryAfter);
  if ('error' in parsed) {
    if (parsed.error instanceof BodyTooLargeError) return refuse(c, 413, new RpcError(ErrorCode.limitExceeded, parsed.error.message));
    if (parsed.error instanceof RpcError) return refuse(c, 400, parsed.error);
    throw parsed.error;
  }
  const { envelope } = parsed;

  const slots = envelope.items.map((raw, index): Slot => {
    const notification = typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !('id' in raw);
    try {
      const call = validateCall(raw, table.l2ChainId);
      const outbound: Outbound = { request: { ...call.request, id: index } };
      if (call.tx) outbound.txHash = call.tx.hash;
      if (call.filter) return { id: call.request.id ?? null, notification, filter: call.filter, kind: call.kind };
      return { id: call.request.id ?? null, notification, outbound, kind: call.kind };
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      return { id: salvageId(raw), notification, answer: errorResponse(salvageId(raw), error) };
    }
  });

  const writes = slots.filter((slot) => slot.kind === 'write');
  if (writes.length > 0) {
    const verdict = await limitTransactions(c.env.TX_LIMITER, client, writes.length, config.txLimitPerMinute);
    if (!verdict.ok) {
      const error = new RpcError(ErrorCode.limitExceeded, `transaction rate limit exceeded for ${client} (${config.txLimitPerMinute}/min): retry in ${verdict.retryAfter} s`);
      return refuse(c, 429, error, verdict.retryAfter);
    }
  }

  const reads = slots.filter((slot) => slot.kind === 'read');
  // Opening the cache costs a round trip to the cache service: only when some call could be in it.
  const cacheable = reads.some((slot) => isCacheable((slot.outbound as Outbound).request, table.finalized));
  const cache = table.l2ChainId === null || !cacheable ? null : new RpcCache(await caches.open(RPC_CACHE_NAME), table.l2ChainId);
  if (cache) {
    await Promise.all(
      reads.map(async (slot) => {
        const request = (slot.outbound as Outbound).request;
        if (!isCacheable(request, table.finalized)) return;
        const result = await cache.get(request);
        if (result !== undefined) slot.answer = resultResponse(slot.id, result);
      }),
    );
  }

  const events = routeEvents(c.env.DB, {
    consensusUrls: config.consensusUrls,
    waitMs: config.failoverWaitMs,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  });
  const options = { timeoutMs: config.upstreamTimeoutMs, events };
  const pendingReads = reads.filter((slot) => !slot.answer);
  const filterCalls = slots.filter((slot) => slot.kind === 'filter').map((slot) => ({ id: slot.id, call: slot.filter as FilterCall }));
  const filterContext = { store: new FilterStore(database(c.env.DB)), client, read: readThrough(table, options), now: () => Date.now() };
  const [readAnswers, writeAnswers, filterAnswers] = await Promise.all([
    pendingReads.length > 0 ? forwardReads(pendingReads.map((slot) => slot.outbound as Outbound), table, options) : [],
    writes.length > 0 ? forwardWrites(writes.map((slot) => slot.outbound as Outbound), table, options) : [],
    filterCalls.length > 0 ? answerFilterCalls(filterCalls, filterContext) : [],
  ]);
  [...pendingReads, ...writes].forEach((slot, i) => {
    const answer = (i < pendingReads.length ? readAnswers[i] : writeAnswers[i - pendingReads.length]) as RpcResponse;
    slot.answer = { ...answer, id: slot.id };
  });
  slots.filter((slot) => slot.kind === 'filter').forEach((slot, i) => {
    slot.answer = filterAnswers[i];
  });

  if (cache) {
    for (const slot of pendingReads) {
      const request = (slot.outbound as Outbound).request;
      const answer = slot.answer as RpcResponse;
      if (isCacheable(request, table.finalized) && isImmutableAnswer(request, answer, table.finalized) && 'result' in answer) {
        c.executionCtx.waitUntil(cache.put(request, answer.result));
      }
    }
  }

  const answers = slots.filter((slot) => !slot.notification).map((slot) => slot.answer as RpcResponse);
  if (answers.length === 0) return c.body(null, 204);
  return c.json(envelope.batch ? answers : answers[0]);
}

/** Filters read hosts through the same routing as any read: a healthy follower, another host if it fails. */
function readThrough(table: RoutingTable, options: ForwardOptions): ReadHosts {
  return (calls) => forwardReads(calls.map((call, i) => ({ request: { jsonrpc: '2.0', id: i, ...call } })), table, options);
}

async function readEnvelope(request: Request, maxBytes: number, maxBatch: number): Promise<{ envelope: Envelope } | { error: unknown }> {
  try {
    return { envelope: parseEnvelope(await readBody(request, maxBytes), maxBatch) };
  } catch (error) {
    return { error };
  }
}

/** Refuses the whole request: an HTTP status for proxies and a JSON-RPC error for wallets. */
function refuse(c: GatewayContext, status: 400 | 413 | 429, error: RpcError, retryAfter?: number): Response {
  if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
  return c.json(errorResponse(null, error), status);
}
