import { LimitExceededError, RpcError } from '../../protocol/jsonrpc/errors.ts';
import { database } from '../db/client.ts';
import type { EdgeConfig, Env } from '../config/env.ts';
import { RPC_CACHE_NAME, RpcCache, isCacheable, isImmutableAnswer } from './cache.ts';
import { FilterStore, answerFilterCalls, type FilterCall, type ReadHosts } from './filters/index.ts';
import { errorResponse, resultResponse, type RpcId, type RpcResponse } from '../../protocol/jsonrpc/envelope.ts';
import { limitTransactions } from '../limits/limit.ts';
import { forwardReads, forwardWrites, type ForwardOptions, type Outbound, type RoutingTable } from './route.ts';
import type { SubscriptionCall } from './subscription.ts';
import { routeEvents } from './table.ts';
import { isNotification, salvageId, validateCall, type Envelope, type MethodKind } from './validate.ts';

// One request's calls answered, whichever way they came: an HTTP body (gateway.ts) or one WebSocket message
// (socket/session.ts). Both share this path, so checks, routing and failover of writes are the same.

/** One call's place in the answer: answered here (at once, or as a `filter`/`subscription` call), or forwarded as `outbound`. */
interface Slot {
  id: RpcId;
  notification: boolean;
  answer?: RpcResponse;
  outbound?: Outbound;
  filter?: FilterCall;
  subscription?: SubscriptionCall;
  kind?: MethodKind;
}

/** Answers eth_subscribe / eth_unsubscribe calls in their order; only a WebSocket session has one. */
export type SubscriptionCalls = (calls: { id: RpcId; call: SubscriptionCall }[]) => Promise<RpcResponse[]>;

/** What answering one request (an HTTP body or a WebSocket message) needs besides its calls. */
export interface CallContext {
  env: Env;
  config: EdgeConfig;
  /** The client key budgets and filters are counted against (CF-Connecting-IP). */
  client: string;
  table: RoutingTable;
  waitUntil(promise: Promise<unknown>): void;
  /** Set on a WebSocket: its subscriptions. Over HTTP, subscription methods are refused by validation. */
  subscriptions?: SubscriptionCalls;
}

/** The answers to a request's calls (notifications left out, client order), or a refusal of the whole request. */
export type Answered = { answers: RpcResponse[] } | { refusal: RpcError; retryAfter: number };

/**
 * Validates, budgets and answers the calls of one parsed request: transactions to the active sequencer, reads to
 * followers (or the immutable-answer cache), filters at the edge, subscriptions through `context.subscriptions`.
 */
export async function answerEnvelope(envelope: Envelope, context: CallContext): Promise<Answered> {
  const { env, config, client, table } = context;
  const transport = context.subscriptions ? 'socket' : 'http';
  const slots = envelope.items.map((raw, index): Slot => {
    const notification = isNotification(raw);
    try {
      const call = validateCall(raw, table.l2ChainId, transport);
      const outbound: Outbound = { request: { ...call.request, id: index } };
      if (call.tx) outbound.txHash = call.tx.hash;
      const id = call.request.id ?? null;
      if (call.filter) return { id, notification, filter: call.filter, kind: call.kind };
      if (call.subscription) return { id, notification, subscription: call.subscription, kind: call.kind };
      return { id, notification, outbound, kind: call.kind };
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      return { id: salvageId(raw), notification, answer: errorResponse(salvageId(raw), error) };
    }
  });

  const writes = slots.filter((slot) => slot.kind === 'write');
  if (writes.length > 0) {
    const verdict = await limitTransactions(env.TX_LIMITER, client, writes.length, config.txLimitPerMinute);
    if (!verdict.ok) {
      const refusal = new LimitExceededError(`transaction rate limit exceeded for ${client} (${config.txLimitPerMinute}/min): retry in ${verdict.retryAfter} s`);
      return { refusal, retryAfter: verdict.retryAfter };
    }
  }

  const reads = slots.filter((slot) => slot.kind === 'read');
  // Opening the cache costs a round trip to the cache service: only when some call could be in it.
  const cacheable = reads.some((slot) => isCacheable((slot.outbound as Outbound).request, table.l1Covered));
  const cache = table.l2ChainId === null || !cacheable ? null : new RpcCache(await caches.open(RPC_CACHE_NAME), table.l2ChainId);
  if (cache) {
    await Promise.all(
      reads.map(async (slot) => {
        const request = (slot.outbound as Outbound).request;
        if (!isCacheable(request, table.l1Covered)) return;
        const result = await cache.get(request);
        if (result !== undefined) slot.answer = resultResponse(slot.id, result);
      }),
    );
  }

  const events = routeEvents(env.DB, { consensusUrls: config.consensusUrls, waitMs: config.failoverWaitMs, waitUntil: context.waitUntil });
  const options = { timeoutMs: config.upstreamTimeoutMs, events };
  const pendingReads = reads.filter((slot) => !slot.answer);
  const filterSlots = slots.filter((slot) => slot.kind === 'filter');
  const subscriptionSlots = slots.filter((slot) => slot.kind === 'subscription');
  const filterContext = { store: new FilterStore(database(env.DB)), client, read: readThrough(table, options), now: () => Date.now() };
  const [readAnswers, writeAnswers, filterAnswers, subscriptionAnswers] = await Promise.all([
    pendingReads.length > 0 ? forwardReads(pendingReads.map((slot) => slot.outbound as Outbound), table, options) : [],
    writes.length > 0 ? forwardWrites(writes.map((slot) => slot.outbound as Outbound), table, options) : [],
    filterSlots.length > 0 ? answerFilterCalls(filterSlots.map((slot) => ({ id: slot.id, call: slot.filter as FilterCall })), filterContext) : [],
    subscriptionSlots.length > 0 && context.subscriptions
      ? context.subscriptions(subscriptionSlots.map((slot) => ({ id: slot.id, call: slot.subscription as SubscriptionCall })))
      : [],
  ]);
  [...pendingReads, ...writes].forEach((slot, i) => {
    const answer = (i < pendingReads.length ? readAnswers[i] : writeAnswers[i - pendingReads.length]) as RpcResponse;
    slot.answer = { ...answer, id: slot.id };
  });
  filterSlots.forEach((slot, i) => {
    slot.answer = filterAnswers[i];
  });
  subscriptionSlots.forEach((slot, i) => {
    slot.answer = subscriptionAnswers[i];
  });

  if (cache) {
    for (const slot of pendingReads) {
      const request = (slot.outbound as Outbound).request;
      const answer = slot.answer as RpcResponse;
      if (isCacheable(request, table.l1Covered) && isImmutableAnswer(request, answer, table.l1Covered) && 'result' in answer) {
        context.waitUntil(cache.put(request, answer.result));
      }
    }
  }

  return { answers: slots.filter((slot) => !slot.notification).map((slot) => slot.answer as RpcResponse) };
}

/** Filters read hosts through the same routing as any read: a healthy follower, another host if it fails. */
function readThrough(table: RoutingTable, options: ForwardOptions): ReadHosts {
  return (calls) => forwardReads(calls.map((call, i) => ({ request: { jsonrpc: '2.0', id: i, ...call } })), table, options);
}
