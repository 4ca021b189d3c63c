import { Transaction } from 'ethers';
import { vi } from 'vitest';

// The edge's upstreams (sequencer hosts' JSON-RPC, the consensus query API, the L1 RPC) stubbed at the fetch
// boundary only: the Worker under test runs unchanged and calls the global fetch, which lands here.

type Json = Record<string, unknown>;
type RpcCall = { jsonrpc: '2.0'; id: unknown; method: string; params?: unknown[] };

/** A log as hosts answer eth_getLogs (the fields the edge looks at, plus an index to tell logs apart). */
export interface FakeLog {
  address: string;
  topics: string[];
  blockNumber: string;
  logIndex: string;
  data: string;
}

/** The hash fake hosts give block `n`. */
export function fakeBlockHash(n: number): string {
  return `0x${'b'.repeat(48)}${n.toString(16).padStart(16, '0')}`;
}

/** One eth_subscribe a fake host holds, on one of its WebSockets. */
export interface FakeSubscription {
  id: string;
  kind: string;
  options: unknown;
  socket: WebSocket;
}

let fakeSubscriptionCounter = 0;

/**
 * A sequencer host's JSON-RPC as far as the edge can tell: heights, a transaction pool, blocks by hash and number,
 * and logs. eth_getLogs behaves like node/host/rpc/methods/logs.ts: the range is clamped to the host's own height, and
 * it refuses (-32005) a range over 10,000 blocks or more than `maxLogResults` logs.
 *
 * It also answers a WebSocket upgrade on its JSON-RPC URL (as node/host/rpc/server.ts does on the same port): the
 * server end of a WebSocketPair that this fake drives. eth_subscribe answers with the host's own id, `push`
 * sends notifications on command, `kill` closes every socket and refuses new connections. The pair is made
 * inside the Worker's request (the edge's fetch lands here), and workerd lets only that request touch it, so
 * commands from the test are queued and sent by a timer running in that request.
 */
export class FakeHost {
  readonly url: string;
  height = 100;
  chainId: number;
  /** 'down': connection refused; 'http500': answers 500; 'slow': never answers; 'follower': refuses writes. */
  mode: 'up' | 'down' | 'http500' | 'slow' | 'follower' = 'up';
  readonly calls: RpcCall[] = [];
  readonly txs = new Map<string, { hash: string; blockNumber: string | null; raw: string }>();
  readonly blocks = new Map<string, Json>();
  /** The chain's logs; every host of a test may share one array and differ only in `height`. */
  logs: FakeLog[] = [];
  maxLogResults = 10_000;
  /** Every WebSocket the edge opened here (server ends), and the subscriptions live on them. */
  readonly sockets: WebSocket[] = [];
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly #outbox = new Map<WebSocket, (string | { close: string })[]>();

  constructor(url: string, chainId: number) {
    this.url = url;
    this.chainId = chainId;
  }

  answer(call: RpcCall): Json {
    this.calls.push(call);
    const ok = (result: unknown) => ({ jsonrpc: '2.0', id: call.id, result });
    const fail = (code: number, message: string) => ({ jsonrpc: '2.0', id: call.id, error: { code, message } });
    const params = call.params ?? [];
    switch (call.method) {
      case 'eth_chainId':
        return ok(`0x${this.chainId.toString(16)}`);
      case 'eth_blockNumber':
        return ok(`0x${this.height.toString(16)}`);
      case 'web3_clientVersion':
        return ok(`fake-host/${this.url}`);
      case 'eth_sendRawTransaction': {
        if (this.mode === 'follower') return fail(-32003, 'this host is not the active sequencer');
        const hash = Transaction.from(params[0] as string).hash as string;
        if (this.txs.has(hash)) return fail(-32000, 'already known');
        this.txs.set(hash, { hash, blockNumber: null, raw: params[0] as string });
        return ok(hash);
      }
      case 'eth_getTransactionByHash':
      case 'eth_getTransactionReceipt': {
        const tx = this.txs.get(params[0] as string);
        return ok(tx ? { hash: tx.hash, transactionHash: tx.hash, blockNumber: tx.blockNumber } : null);
      }
      case 'eth_getBlockByHash':
        return ok(this.blocks.get(params[0] as string) ?? null);
      case 'eth_getBlockByNumber': {
        const number = params[0] === 'latest' ? this.height : Number.parseInt(String(params[0]), 16);
        if (number > this.height) return ok(null);
        return ok({ number: `0x${number.toString(16)}`, hash: fakeBlockHash(number), servedBy: this.url });
      }
      case 'eth_getLogs':
        return this.#getLogs(call, (params[0] ?? {}) as Json);
      default:
        return ok(`${call.method} from ${this.url}`);
    }
  }

  /** Accepts a WebSocket upgrade: the client end goes back to the edge in a 101 response. */
  acceptSocket(): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    server.accept();
    this.sockets.push(server);
    this.#outbox.set(server, []);
    const timer = setInterval(() => {
      for (const item of this.#outbox.get(server)?.splice(0) ?? []) {
        if (typeof item === 'string') {
          server.send(item);
          continue;
        }
        clearInterval(timer);
        server.close(1001, item.close);
      }
    }, 5);
    server.addEventListener('close', () => clearInterval(timer));
    server.addEventListener('message', (event) => {
      const body = JSON.parse(event.data as string) as RpcCall | RpcCall[];
      const answers = ([] as RpcCall[]).concat(body).map((call) => this.#socketCall(call, server));
      server.send(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
    });
    server.addEventListener('close', () => this.#dropSocket(server));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends `result` to every subscription of `kind` (all sockets); returns how many got it. */
  push(kind: string, result: unknown): number {
    let sent = 0;
    for (const sub of this.subscriptions.values()) {
      if (sub.kind !== kind) continue;
      this.#outbox.get(sub.socket)?.push(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: sub.id, result } }));
      sent += 1;
    }
    return sent;
  }

  /** The host dies: its sockets close and it refuses connections (HTTP and WebSocket) from now on. */
  kill(): void {
    this.mode = 'down';
    for (const socket of this.sockets.splice(0)) {
      this.#dropSocket(socket);
      this.#outbox.get(socket)?.push({ close: 'host going away' });
    }
  }

  #socketCall(call: RpcCall, socket: WebSocket): Json {
    const params = call.params ?? [];
    if (call.method === 'eth_subscribe') {
      this.calls.push(call);
      fakeSubscriptionCounter += 1;
      const id = `0xf${fakeSubscriptionCounter.toString(16).padStart(8, '0')}`;
      this.subscriptions.set(id, { id, kind: params[0] as string, options: params[1], socket });
      return { jsonrpc: '2.0', id: call.id, result: id };
    }
    if (call.method === 'eth_unsubscribe') {
      this.calls.push(call);
      const sub = this.subscriptions.get(params[0] as string);
      const mine = sub?.socket === socket;
      if (mine) this.subscriptions.delete(params[0] as string);
      return { jsonrpc: '2.0', id: call.id, result: mine };
    }
    return this.answer(call);
  }

  #dropSocket(socket: WebSocket): void {
    for (const [id, sub] of this.subscriptions) if (sub.socket === socket) this.subscriptions.delete(id);
  }

  #getLogs(call: RpcCall, filter: Json): Json {
    const number = (ref: unknown) => (ref === undefined || ref === 'latest' ? this.height : ref === 'earliest' ? 0 : Number.parseInt(String(ref), 16));
    const from = number(filter.fromBlock);
    const to = number(filter.toBlock);
    const fail = (message: string) => ({ jsonrpc: '2.0', id: call.id, error: { code: -32005, message } });
    if (to - from + 1 > 10_000) return fail('query exceeds max block range 10000');
    const addresses = filter.address === undefined ? [] : ([] as string[]).concat(filter.address as string | string[]);
    const topics = (filter.topics ?? []) as (string | string[] | null)[];
    const matches = this.logs.filter((log) => {
      const n = Number.parseInt(log.blockNumber, 16);
      if (n < from || n > Math.min(to, this.height)) return false;
      if (addresses.length > 0 && !addresses.includes(log.address)) return false;
      return topics.every((wanted, i) => wanted === null || ([] as string[]).concat(wanted).includes(log.topics[i] as string));
    });
    if (matches.length > this.maxLogResults) return fail(`query returned more than ${this.maxLogResults} results`);
    return { jsonrpc: '2.0', id: call.id, result: matches };
  }
}

/** A JSON response, or a function of the request that builds one. */
type Route = object | ((url: URL, body: unknown) => object | Response);

/** The consensus query API of one host: fixed answers per path, replaceable by tests. */
export class FakeConsensus {
  readonly url: string;
  readonly routes = new Map<string, Route>();
  readonly posted: unknown[] = [];
  down = false;

  constructor(url: string) {
    this.url = url;
  }

  set(path: string, route: Route): this {
    this.routes.set(path, route);
    return this;
  }

  respond(url: URL, body: unknown): Response {
    if (url.pathname === '/v1/consensus/tx') this.posted.push(body);
    const route = this.routes.get(url.pathname);
    if (!route) return Response.json({ error: { code: 'not_found', message: `no route ${url.pathname}` } }, { status: 404 });
    const answer = typeof route === 'function' ? route(url, body) : route;
    return answer instanceof Response ? answer : Response.json(answer);
  }
}

/** Every upstream the Worker may call in one test, and the fetch stub that reaches them. */
export class FakeNetwork {
  readonly hosts = new Map<string, FakeHost>();
  readonly consensus = new Map<string, FakeConsensus>();
  readonly l1 = new Map<string, (call: RpcCall) => unknown>();
  readonly requests: string[] = [];

  host(url: string, chainId = 59902): FakeHost {
    const host = new FakeHost(url, chainId);
    this.hosts.set(new URL(url).origin, host);
    return host;
  }

  consensusApi(url: string): FakeConsensus {
    const api = new FakeConsensus(url);
    this.consensus.set(new URL(url).origin, api);
    return api;
  }

  install(): void {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init as RequestInit);
      const url = new URL(request.url);
      this.requests.push(`${request.method} ${url.origin}${url.pathname}`);
      const text = request.method === 'GET' ? '' : await request.text();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const host = this.hosts.get(url.origin);
      if (host && request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
        if (host.mode === 'down') throw new TypeError(`connect ECONNREFUSED ${url.host}`);
        if (host.mode === 'http500') return new Response('upstream exploded', { status: 500 });
        return host.acceptSocket();
      }
      if (host) return await this.#host(host, body, request.signal);
      const api = this.consensus.get(url.origin);
      if (api) {
        if (api.down) throw new TypeError(`connect ECONNREFUSED ${url.host}`);
        return api.respond(url, body);
      }
      const l1 = this.l1.get(url.origin);
      if (l1) {
        const calls = Array.isArray(body) ? (body as RpcCall[]) : [body as RpcCall];
        const answers = calls.map((call) => ({ jsonrpc: '2.0', id: call.id, result: l1(call) }));
        return Response.json(Array.isArray(body) ? answers : answers[0]);
      }
      throw new TypeError(`connect ECONNREFUSED ${url.host} (no fake upstream there)`);
    });
  }

  async #host(host: FakeHost, body: unknown, signal: AbortSignal): Promise<Response> {
    if (host.mode === 'down') throw new TypeError(`connect ECONNREFUSED ${new URL(host.url).host}`);
    if (host.mode === 'http500') return new Response('upstream exploded', { status: 500 });
    if (host.mode === 'slow') {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    }
    const calls = Array.isArray(body) ? (body as RpcCall[]) : [body as RpcCall];
    const answers = calls.map((call) => host.answer(call));
    return Response.json(Array.isArray(body) ? answers : answers[0]);
  }
}
