import { ResourceUnavailableError, RpcError } from '../../../protocol/jsonrpc/errors.ts';
import type { Route, RouteEvents } from '../route.ts';
import { UpstreamError } from '../upstream.ts';
import { HostSocket } from './host-socket.ts';
import { subscribeParams, type SubscriptionCall } from '../subscription.ts';

// One client connection's subscriptions of one kind of host, relayed over one WebSocket to that host. The client
// only ever sees the edge's subscription ids; the relay maps them to the host's. When the host's socket ends (the
// host was killed, it stopped answering, or the active sequencer rotated away from it) the relay connects to the
// next host its picker names and subscribes every live subscription again, under the same client ids.
//
// What a client loses in that gap: notifications the hosts produced between the old socket ending and the new
// subscription being answered (for newHeads, typically the blocks of one failover: the active host's failure to a
// successor takes ~1-2 s). They are not replayed: a client that must see every block or log reads the gap with
// eth_getBlockByNumber / eth_getLogs from the last number it saw.

export type SubscribeCall = Extract<SubscriptionCall, { method: 'eth_subscribe' }>;

/** Which host a relay uses: the policy differs for followers (reads) and the active sequencer (its pool). */
export interface HostPicker {
  /** The host to (re)connect to, never one in `tried`; `failed` is the host whose socket just ended, if any. */
  pick(tried: ReadonlySet<string>, failed: Route | null): Promise<Route | null>;
  /** Whether `current` is no longer the right host (the active sequencer rotated); absent: any live host will do. */
  moved?(current: Route): Promise<boolean>;
}

export interface RelayOptions {
  picker: HostPicker;
  timeoutMs: number;
  /** How often a picker with `moved` is asked whether the relay should follow a rotation. */
  checkEveryMs: number;
  events: Pick<RouteEvents, 'hostFailed'>;
  onNotification(subscription: string, result: unknown): void;
  /** The host failed and no other host could take the subscriptions back. */
  onLost(reason: string): void;
}

interface Live {
  call: SubscribeCall;
  /** The host's id for it on the current socket; null while (re)subscribing. */
  upstreamId: string | null;
}

export class SubscriptionRelay {
  readonly #options: RelayOptions;
  /** At most MAX_SUBSCRIPTIONS_PER_CONNECTION (the session counts before subscribing); gone with the connection. */
  readonly #live = new Map<string, Live>();
  readonly #byUpstream = new Map<string, string>();
  #socket: Promise<HostSocket | null> | null = null;
  #current: HostSocket | null = null;
  #check: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  constructor(options: RelayOptions) {
    this.#options = options;
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** The host now serving this relay's subscriptions, if connected. */
  get host(): Route | null {
    return this.#current?.route ?? null;
  }

  /** Subscribes on the host under the client's id `id`; throws RpcError with the host's refusal or -32002. */
  async subscribe(id: string, call: SubscribeCall): Promise<void> {
    const socket = await this.#connected();
    if (!socket) throw new ResourceUnavailableError('no sequencer host is reachable for subscriptions; retry shortly');
    let answer;
    try {
      answer = await socket.call('eth_subscribe', subscribeParams(call));
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      throw new ResourceUnavailableError(`the sequencer host failed while subscribing (${error.message}); retry`);
    }
    if ('error' in answer) throw new RpcError(answer.error.code, answer.error.message, answer.error.data);
    if (typeof answer.result !== 'string') throw new ResourceUnavailableError('a sequencer host answered eth_subscribe without an id; retry');
    if (this.#closed) return;
    this.#live.set(id, { call, upstreamId: answer.result });
    this.#byUpstream.set(answer.result, id);
    this.#watchRotation();
  }

  /** True if `id` was live here; the host is told too (its answer changes nothing for the client). */
  async unsubscribe(id: string): Promise<boolean> {
    const live = this.#live.get(id);
    if (!live) return false;
    this.#live.delete(id);
    if (live.upstreamId === null) return true;
    this.#byUpstream.delete(live.upstreamId);
    if (this.#current && !this.#current.closed) await this.#current.call('eth_unsubscribe', [live.upstreamId]).catch(() => undefined);
    return true;
  }

  /** The client left: end the host socket without reconnecting. */
  close(): void {
    this.#closed = true;
    if (this.#check) clearInterval(this.#check);
    this.#current?.close('the client closed its connection');
  }

  #connected(): Promise<HostSocket | null> {
    return this.#socket ?? this.#start(null);
  }

  #start(failed: Route | null): Promise<HostSocket | null> {
    const attempt = this.#connect(failed).then((socket) => {
      if (this.#closed) {
        socket?.close('the client closed its connection');
        return null;
      }
      this.#current = socket;
      if (!socket) {
        this.#socket = null;
        if (failed && this.#live.size > 0) this.#options.onLost(`${failed.rpcUrl} failed and no other sequencer host could take the subscriptions`);
      }
      return socket;
    });
    this.#socket = attempt;
    return attempt;
  }

  async #connect(failed: Route | null): Promise<HostSocket | null> {
    const tried = new Set<string>(failed ? [failed.address] : []);
    for (;;) {
      if (this.#closed) return null;
      const route = await this.#options.picker.pick(tried, failed);
      if (!route) return null;
      tried.add(route.address);
      let socket: HostSocket | null = null;
      try {
        socket = await HostSocket.open(route, this.#options.timeoutMs, {
          onNotification: (upstreamId, result) => this.#notify(upstreamId, result),
          onClosed: (reason) => {
            if (socket !== null && socket === this.#current) this.#lost(socket, reason);
          },
        });
        await this.#resubscribe(socket);
        return socket;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        this.#options.events.hostFailed(route, error.message);
        socket?.close('re-subscribing failed');
      }
    }
  }

  /** Subscribes every live subscription on a new socket; any refusal counts as that host failing. */
  async #resubscribe(socket: HostSocket): Promise<void> {
    this.#byUpstream.clear();
    for (const live of this.#live.values()) live.upstreamId = null;
    await Promise.all(
      [...this.#live].map(async ([id, live]) => {
        const answer = await socket.call('eth_subscribe', subscribeParams(live.call));
        if ('error' in answer || typeof answer.result !== 'string') {
          throw new UpstreamError(socket.route.rpcUrl, `re-subscribing ${live.call.kind} was refused: ${JSON.stringify('error' in answer ? answer.error : answer.result)}`);
        }
        if (this.#live.get(id) !== live) {
          // Unsubscribed by the client meanwhile.
          await socket.call('eth_unsubscribe', [answer.result]).catch(() => undefined);
          return;
        }
        live.upstreamId = answer.result;
        this.#byUpstream.set(answer.result, id);
      }),
    );
  }

  #lost(socket: HostSocket, reason: string): void {
    this.#current = null;
    if (this.#closed) return;
    console.warn(`subscription relay: ${reason}; moving ${this.#live.size} subscriptions to another host`);
    if (this.#live.size === 0) {
      this.#socket = null;
      return;
    }
    void this.#start(socket.route);
  }

  #notify(upstreamId: string, result: unknown): void {
    const id = this.#byUpstream.get(upstreamId);
    if (id !== undefined && !this.#closed) this.#options.onNotification(id, result);
  }

  /** Only relays whose right host can change under them (the active sequencer's pool) check, and only while used. */
  #watchRotation(): void {
    const { picker, checkEveryMs } = this.#options;
    if (this.#check || !picker.moved) return;
    this.#check = setInterval(() => {
      const current = this.#current;
      if (!current || current.closed) return;
      picker.moved?.(current.route).then(
        (moved) => {
          if (moved && current === this.#current) current.close('the active sequencer rotated to another host');
        },
        () => undefined,
      );
    }, checkEveryMs);
  }
}
