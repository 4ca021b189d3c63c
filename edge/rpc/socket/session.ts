import { InternalError, LimitExceededError, RpcError } from '../../../protocol/jsonrpc/errors.ts';
import type { EdgeConfig, Env } from '../../config/env.ts';
import { answerEnvelope, type CallContext } from '../answer.ts';
import { newFilterId } from '../filters/store.ts';
import { errorResponse, resultResponse, type RpcId, type RpcResponse } from '../../../protocol/jsonrpc/envelope.ts';
import { limitRequest, requestLimitError } from '../../limits/limit.ts';
import { pickReadHost, type RouteEvents } from '../route.ts';
import { loadRoutingTable } from '../table.ts';
import { isNotification, parseEnvelope, salvageId, type Envelope } from '../validate.ts';
import { SubscriptionRelay, type HostPicker, type SubscribeCall } from './relay.ts';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION, type SubscriptionCall } from '../subscription.ts';

// One client's WebSocket at the edge. Every message is one JSON-RPC request (single or batch) and goes through
// what an HTTP body goes through (answer.ts): size, envelope, batch and per-IP budgets, allow list, parameters,
// chain id of raw transactions; plain calls are forwarded exactly as over HTTP (so writes fail over the same
// way). eth_subscribe / eth_unsubscribe go to a SubscriptionRelay.
//
// Two relays, each opened on first use: newHeads and logs on a healthy follower (like reads, which keeps that
// traffic off the active sequencer), newPendingTransactions on the active sequencer (only it has the pool; its
// relay follows rotations). A dapp that only watches blocks never touches the active host.
//
// Slow clients: a Worker cannot see how many bytes wait in a WebSocket's send buffer (no bufferedAmount), so it
// cannot close a client for reading slowly the way hosts do (node/host/rpc/server.ts: 16 MiB buffered). What it can
// bound is how much it sends: notifications draw on a byte bucket per connection (NOTIFY_BURST_BYTES, refilled at
// NOTIFY_BYTES_PER_SECOND); a connection that overdraws it is closed with 1008. That caps what one connection can
// make the edge queue per second, slow reader or not; the hosts' own bound applies to the edge's host sockets.

/** Notification bytes a connection may be sent at once, and per second after that. */
export const NOTIFY_BURST_BYTES = 16 * 1024 * 1024;
export const NOTIFY_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** How often a newPendingTransactions relay checks whether the active sequencer rotated away from its host. */
export const ROTATION_CHECK_MS = 2_000;

/** Close codes (RFC 6455 §7.4.1): policy violation; internal error; try again later. */
export const CloseCode = { policy: 1008, tooBig: 1009, internalError: 1011, tryAgainLater: 1013 } as const;

export interface SessionContext {
  env: Env;
  config: EdgeConfig;
  client: string;
  events: RouteEvents;
  waitUntil(promise: Promise<unknown>): void;
}

export class ClientSession {
  readonly #ws: WebSocket;
  readonly #context: SessionContext;
  readonly #followers: SubscriptionRelay;
  readonly #active: SubscriptionRelay;
  /** Live subscriptions plus those being subscribed: the per-connection bound counts both. */
  #subscriptions = 0;
  #tokens = NOTIFY_BURST_BYTES;
  #refilledAt = Date.now();
  #closed = false;

  constructor(ws: WebSocket, context: SessionContext) {
    this.#ws = ws;
    this.#context = context;
    const relay = (picker: HostPicker) =>
      new SubscriptionRelay({
        picker,
        timeoutMs: context.config.upstreamTimeoutMs,
        checkEveryMs: ROTATION_CHECK_MS,
        events: context.events,
        onNotification: (id, result) => this.#notify(id, result),
        onLost: (reason) => this.close(CloseCode.tryAgainLater, reason),
      });
    this.#followers = relay(followerPicker(context));
    this.#active = relay(activePicker(context));
    ws.addEventListener('message', (event) => this.#receive(event.data));
    ws.addEventListener('close', () => this.#end());
    ws.addEventListener('error', () => this.#end());
  }

  /** Closes the client's socket (code and reason as the client sees them) and every host socket behind it. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    try {
      // A close reason is at most 123 bytes.
      this.#ws.close(code, reason.length > 120 ? `${reason.slice(0, 117)}...` : reason);
    } catch {
      // Already closed by the client.
    }
    this.#end();
  }

  #end(): void {
    this.#closed = true;
    this.#followers.close();
    this.#active.close();
  }

  #send(message: unknown): void {
    if (this.#closed) return;
    this.#ws.send(JSON.stringify(message));
  }

  #receive(data: string | ArrayBuffer): void {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    const limit = this.#context.config.maxBodyBytes;
    if (text.length > limit || new TextEncoder().encode(text).byteLength > limit) {
      this.#send(errorResponse(null, new LimitExceededError(`message exceeds the limit of ${limit} bytes`)));
      return;
    }
    this.#answer(text).then(
      (reply) => {
        if (reply !== null) this.#send(reply);
      },
      (error: unknown) => {
        console.error(error);
        this.#send(errorResponse(null, new InternalError('internal error')));
      },
    );
  }

  async #answer(text: string): Promise<RpcResponse | RpcResponse[] | null> {
    const { env, config, client } = this.#context;
    const [budget, table] = await Promise.all([limitRequest(env.RPC_LIMITER, client), loadRoutingTable(env.DB, config.routingCacheMs)]);
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(text, config.maxBatch);
    } catch (error) {
      if (error instanceof RpcError) return errorResponse(null, error);
      throw error;
    }
    if (!budget.ok) return refuseAll(envelope, requestLimitError(client, budget.retryAfter));
    const context: CallContext = { ...this.#context, table, subscriptions: (calls) => this.#subscriptionCalls(calls) };
    const answered = await answerEnvelope(envelope, context);
    if ('refusal' in answered) return refuseAll(envelope, answered.refusal);
    if (answered.answers.length === 0) return null;
    return envelope.batch ? answered.answers : (answered.answers[0] as RpcResponse);
  }

  #subscriptionCalls(calls: { id: RpcId; call: SubscriptionCall }[]): Promise<RpcResponse[]> {
    return Promise.all(
      calls.map(async ({ id, call }) => {
        try {
          return resultResponse(id, call.method === 'eth_subscribe' ? await this.#subscribe(call) : await this.#unsubscribe(call.id));
        } catch (error) {
          if (!(error instanceof RpcError)) throw error;
          return errorResponse(id, error);
        }
      }),
    );
  }

  async #subscribe(call: SubscribeCall): Promise<string> {
    if (this.#subscriptions >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      throw new LimitExceededError(`at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`);
    }
    this.#subscriptions += 1;
    const id = newFilterId();
    try {
      await (call.kind === 'newPendingTransactions' ? this.#active : this.#followers).subscribe(id, call);
      return id;
    } catch (error) {
      this.#subscriptions -= 1;
      throw error;
    }
  }

  async #unsubscribe(id: string): Promise<boolean> {
    const relay = this.#followers.has(id) ? this.#followers : this.#active.has(id) ? this.#active : null;
    if (!relay || !(await relay.unsubscribe(id))) return false;
    this.#subscriptions -= 1;
    return true;
  }

  #notify(subscription: string, result: unknown): void {
    if (this.#closed) return;
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } });
    const now = Date.now();
    this.#tokens = Math.min(NOTIFY_BURST_BYTES, this.#tokens + ((now - this.#refilledAt) / 1000) * NOTIFY_BYTES_PER_SECOND);
    this.#refilledAt = now;
    this.#tokens -= text.length;
    if (this.#tokens < 0) {
      this.close(CloseCode.policy, `notifications exceed ${NOTIFY_BYTES_PER_SECOND} bytes/s for this connection: subscribe to less (narrower log filters)`);
      return;
    }
    this.#ws.send(text);
  }
}

/** Refuses every call of a message with its own id (a WebSocket client matches answers by id, not by request). */
function refuseAll(envelope: Envelope, error: RpcError): RpcResponse | RpcResponse[] | null {
  const answers = envelope.items
    .filter((raw) => !isNotification(raw))
    .map((raw) => errorResponse(salvageId(raw), error));
  if (answers.length === 0) return null;
  return envelope.batch ? answers : (answers[0] as RpcResponse);
}

/** newHeads and logs: a healthy follower, like reads (the active host when no follower is healthy). */
function followerPicker(context: SessionContext): HostPicker {
  return {
    async pick(tried) {
      return pickReadHost(await loadRoutingTable(context.env.DB, context.config.routingCacheMs), tried);
    },
  };
}

/** newPendingTransactions: the active sequencer; after it fails, whoever the consensus layer names next. */
function activePicker(context: SessionContext): HostPicker {
  const { env, config, events } = context;
  return {
    async pick(tried, failed) {
      const table = await loadRoutingTable(env.DB, config.routingCacheMs);
      if (table.active && !tried.has(table.active.address)) return table.active;
      const next = await events.reelect(failed?.address ?? table.active?.address ?? '');
      return next && !tried.has(next.address) ? next : null;
    },
    async moved(current) {
      const table = await loadRoutingTable(env.DB, config.routingCacheMs);
      return table.active !== null && table.active.address !== current.address;
    },
  };
}
