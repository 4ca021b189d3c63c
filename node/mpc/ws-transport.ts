import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Address } from './identity.ts';
import type { MpcTransport } from './transport.ts';

/** Messages kept for a peer while its connection is still being set up. */
const MAX_QUEUED_WHILE_CONNECTING = 1_024;

export interface WsTransportOptions {
  /** Always loopback in this project. */
  host?: string;
  port?: number;
  maxMessageBytes?: number;
}

/**
 * MPC over plain WebSockets: one listening socket per host, one outgoing link per peer (dialled on first
 * send, re-dialled after a drop, messages queued meanwhile). Inbound links only deliver.
 */
export class WsMpcTransport implements MpcTransport {
  private readonly peers = new Map<Address, string>();
  private readonly links = new Map<Address, { ws: WebSocket; queue: string[] }>();
  private readonly handlers: Array<(message: string) => void> = [];
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private closed = false;
  port = 0;

  private readonly options: WsTransportOptions;

  private constructor(options: WsTransportOptions) {
    this.options = options;
  }

  static async listen(options: WsTransportOptions = {}): Promise<WsMpcTransport> {
    const transport = new WsMpcTransport(options);
    await transport.start();
    return transport;
  }

  get url(): string {
    return `ws://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  private async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('mpc port: WebSocket only');
    });
    this.wss = new WebSocketServer({ server: this.server, maxPayload: this.options.maxMessageBytes ?? 16 * 1024 * 1024 });
    this.wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = data.toString();
        for (const handler of this.handlers) handler(text);
      });
      ws.on('error', () => ws.close());
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Where each peer listens; can be updated as the active set changes. */
  setPeer(address: Address, url: string): void {
    if (this.peers.get(address) === url) return;
    this.peers.set(address, url);
    this.links.get(address)?.ws.terminate();
    this.links.delete(address);
  }

  send(to: Address, message: string): void {
    if (this.closed) return;
    let link = this.links.get(to);
    if (!link) {
      const url = this.peers.get(to);
      if (!url) return;
      const ws = new WebSocket(url, { maxPayload: this.options.maxMessageBytes ?? 16 * 1024 * 1024 });
      const fresh = { ws, queue: [] as string[] };
      ws.on('open', () => {
        for (const m of fresh.queue.splice(0)) ws.send(m);
      });
      const drop = () => {
        if (this.links.get(to) === fresh) this.links.delete(to);
      };
      ws.on('close', drop);
      ws.on('error', drop);
      this.links.set(to, fresh);
      link = fresh;
    }
    if (link.ws.readyState === WebSocket.OPEN) link.ws.send(message);
    // A peer that accepts the connection but never completes the handshake must not grow this queue for ever;
    // sends are best effort and a session's timeout covers what is lost.
    else if (link.ws.readyState === WebSocket.CONNECTING && link.queue.length < MAX_QUEUED_WHILE_CONNECTING) link.queue.push(message);
  }

  broadcast(message: string): void {
    for (const peer of this.peers.keys()) this.send(peer, message);
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { ws } of this.links.values()) ws.terminate();
    this.links.clear();
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
