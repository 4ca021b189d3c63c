import type { RpcResponse } from '../../../protocol/jsonrpc/envelope.ts';
import type { Route } from '../route.ts';
import { UpstreamError } from '../upstream.ts';

// One outbound WebSocket from the edge to a sequencer host's JSON-RPC port (HTTP and WebSocket share it), the
// Workers way: fetch(url, { headers: { Upgrade: 'websocket' } }) and accept() on the response's socket. Calls
// carry the edge's own numeric ids; answers are matched by id, notifications handed to `onNotification`.

export interface HostSocketHandlers {
  /** An `eth_subscription` notification for the host's subscription id `subscription`. */
  onNotification(subscription: string, result: unknown): void;
  /** The connection ended (closed by the host, an error, a call timing out, or `close()`); called once. */
  onClosed(reason: string): void;
}

export class HostSocket {
  readonly route: Route;
  readonly #ws: WebSocket;
  readonly #timeoutMs: number;
  readonly #handlers: HostSocketHandlers;
  /** Calls awaiting the host's answer: each leaves on its answer, its timeout (which closes the socket) or the close. */
  readonly #calls = new Map<number, { resolve(answer: RpcResponse): void; reject(error: UpstreamError): void }>();
  #nextId = 1;
  #closed: string | null = null;

  private constructor(route: Route, ws: WebSocket, timeoutMs: number, handlers: HostSocketHandlers) {
    this.route = route;
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    this.#handlers = handlers;
    ws.addEventListener('message', (event) => this.#receive(event.data));
    ws.addEventListener('close', (event) => this.#finish(`${route.rpcUrl} closed the WebSocket (${event.code}${event.reason ? `: ${event.reason}` : ''})`));
    ws.addEventListener('error', (event) => this.#finish(`${route.rpcUrl} WebSocket error: ${(event as ErrorEvent).message ?? 'unknown'}`));
  }

  /** Opens the socket; throws UpstreamError when the host refuses, does not answer in time, or does not upgrade. */
  static async open(route: Route, timeoutMs: number, handlers: HostSocketHandlers): Promise<HostSocket> {
    let response: Response;
    try {
      response = await fetch(route.rpcUrl, { headers: { Upgrade: 'websocket' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new UpstreamError(route.rpcUrl, (error as Error).name === 'TimeoutError' ? `no WebSocket upgrade within ${timeoutMs} ms` : (error as Error).message);
    }
    const ws = response.webSocket;
    if (!ws) throw new UpstreamError(route.rpcUrl, `HTTP ${response.status} instead of a WebSocket upgrade`);
    ws.accept();
    return new HostSocket(route, ws, timeoutMs, handlers);
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** One call; rejects with UpstreamError if the socket ends or the host does not answer in time (which ends it). */
  call(method: string, params: unknown[]): Promise<RpcResponse> {
    if (this.#closed !== null) return Promise.reject(new UpstreamError(this.route.rpcUrl, this.#closed));
    const id = this.#nextId++;
    return new Promise<RpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => this.close(`no answer to ${method} within ${this.#timeoutMs} ms`), this.#timeoutMs);
      this.#calls.set(id, {
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Ends the connection from our side; pending calls fail and `onClosed` runs (the host's close frame may never come). */
  close(reason = 'closed by the edge'): void {
    if (this.#closed !== null) return;
    try {
      this.#ws.close(1000, reason.slice(0, 120));
    } catch {
      // Already closing: nothing more to do.
    }
    this.#finish(`${this.route.rpcUrl}: ${reason}`);
  }

  #finish(reason: string): void {
    if (this.#closed !== null) return;
    this.#closed = reason;
    for (const call of this.#calls.values()) call.reject(new UpstreamError(this.route.rpcUrl, reason));
    this.#calls.clear();
    this.#handlers.onClosed(reason);
  }

  #receive(data: unknown): void {
    let message: { id?: unknown; method?: unknown; params?: { subscription?: unknown; result?: unknown } };
    try {
      message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer));
    } catch {
      this.close('the host sent a message that is not JSON');
      return;
    }
    if (message?.method === 'eth_subscription' && typeof message.params?.subscription === 'string') {
      this.#handlers.onNotification(message.params.subscription, message.params.result);
      return;
    }
    const call = typeof message?.id === 'number' ? this.#calls.get(message.id) : undefined;
    if (!call) return;
    this.#calls.delete(message.id as number);
    call.resolve(message as RpcResponse);
  }
}
