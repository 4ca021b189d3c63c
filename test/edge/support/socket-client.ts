import { exports } from 'cloudflare:workers';
import { freshIp } from './seed.ts';

// A dapp's WebSocket to the Worker under test: the upgrade goes through the Worker's own fetch handler (as every
// edge test calls it), the client end of the socket is driven here.

type Message = { jsonrpc: '2.0'; id?: unknown; result?: unknown; error?: { code: number; message: string }; method?: string; params?: { subscription: string; result: unknown } };

export interface Closed {
  code: number;
  reason: string;
}

export class SocketClient {
  readonly ws: WebSocket;
  /** Every message received, in order. */
  readonly messages: Message[] = [];
  readonly closed: Promise<Closed>;
  #nextId = 1;
  #waiters: { test: (message: Message) => boolean; resolve: (message: Message) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(event.data as string) as Message;
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  static async open(options: { ip?: string; path?: string } = {}): Promise<SocketClient> {
    const response = await exports.default.fetch(`http://edge.test${options.path ?? '/'}`, {
      headers: { Upgrade: 'websocket', 'cf-connecting-ip': options.ip ?? freshIp() },
    });
    if (response.status !== 101 || !response.webSocket) throw new Error(`no WebSocket upgrade: HTTP ${response.status} ${await response.text()}`);
    response.webSocket.accept();
    return new SocketClient(response.webSocket);
  }

  /** Sends raw text (or a JSON value) and waits for the first message `test` accepts. */
  sendAndWait(body: unknown, test: (message: Message) => boolean): Promise<Message> {
    const answer = this.next(test);
    this.ws.send(typeof body === 'string' ? body : JSON.stringify(body));
    return answer;
  }

  /** One call; resolves with its answer (result or error). */
  call(method: string, params: unknown[] = []): Promise<Message> {
    const id = this.#nextId++;
    return this.sendAndWait({ jsonrpc: '2.0', id, method, params }, (message) => message.id === id);
  }

  /** The next message `test` accepts (one already received counts only if it arrives later). */
  next(test: (message: Message) => boolean, timeoutMs = 3_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** The next notification for the client's subscription `id`. */
  notification(id: string, timeoutMs?: number): Promise<unknown> {
    return this.next((message) => message.method === 'eth_subscription' && message.params?.subscription === id, timeoutMs).then((message) => message.params?.result);
  }

  notificationsFor(id: string): unknown[] {
    return this.messages.filter((message) => message.method === 'eth_subscription' && message.params?.subscription === id).map((message) => message.params?.result);
  }

  close(): void {
    try {
      this.ws.close(1000, 'done');
    } catch {
      // Already closed by the edge.
    }
  }
}
