import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Hex } from '../chain/hex.ts';
import { openEnvelope, type EnvelopeSigner } from './envelope.ts';

export interface PeerEndpoint {
  address: Hex;
  /** ws://127.0.0.1:<peer port> */
  url: string;
}

export interface PeerNetworkOptions {
  host: string;
  port: number;
  signer: EnvelopeSigner;
  /** Network id inside every signature (the L2 chain id). */
  network: string;
  /** The hosts to talk to (static config today, the consensus validator set once it serves one). */
  peers: () => readonly PeerEndpoint[];
  maxMessageBytes?: number;
  log?: (message: string) => void;
}

export type ChannelHandler = (from: Hex, payload: unknown) => void;

export interface PeerStatus {
  address: Hex;
  url: string | null;
  connected: boolean;
  direction: 'in' | 'out' | null;
  lastMessageAt: number | null;
  received: number;
  sent: number;
  dropped: number;
}

interface Link {
  ws: WebSocket;
  direction: 'in' | 'out';
}

const HELLO = 'hello';
const MAX_BUFFERED = 64 * 1024 * 1024;

/**
 * The peer port: WebSocket links between sequencer hosts carrying signed envelopes on named channels (replication,
 * MPC, ...). One link per pair: the host with the lower address dials, the other accepts. The link is bound to a
 * signer by a challenge-response `hello`; envelopes from hosts not in the peer set, with a bad signature, or with a
 * sequence number not above the last one seen from that sender are dropped.
 */
export class PeerNetwork {
  private readonly options: PeerNetworkOptions;
  private readonly handlers = new Map<string, ChannelHandler>();
  private readonly links = new Map<Hex, Link>();
  private readonly lastSeq = new Map<Hex, number>();
  private readonly stats = new Map<Hex, { lastMessageAt: number | null; received: number; sent: number; dropped: number }>();
  private readonly dialing = new Set<Hex>();
  private readonly connectListeners = new Set<(peer: Hex) => void>();
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private closed = false;
  private redial: NodeJS.Timeout | null = null;
  port = 0;

  constructor(options: PeerNetworkOptions) {
    this.options = options;
  }

  get self(): Hex {
    return this.options.signer.address;
  }

  /** Registers the handler of a channel (one per channel: replication, mpc, ...). */
  on(channel: string, handler: ChannelHandler): void {
    if (channel === HELLO) throw new Error('the hello channel is reserved');
    this.handlers.set(channel, handler);
  }

  /** Called whenever a link to `peer` comes up (e.g. to send it our head). */
  onConnect(listener: (peer: Hex) => void): void {
    this.connectListeners.add(listener);
  }

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('peer port: WebSocket only');
    });
    this.wss = new WebSocketServer({ server: this.server, maxPayload: this.options.maxMessageBytes ?? 32 * 1024 * 1024 });
    this.wss.on('connection', (ws) => this.adopt(ws, 'in', null));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port, this.options.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.dialAll();
    this.redial = setInterval(() => this.dialAll(), 1000);
  }

  send(to: Hex, channel: string, payload: unknown): boolean {
    const link = this.links.get(to);
    if (!link || link.ws.readyState !== WebSocket.OPEN) return false;
    return this.write(to, link, this.options.signer.seal(channel, payload));
  }

  /** Sends to every connected peer; returns how many were reached. */
  broadcast(channel: string, payload: unknown): number {
    if (this.links.size === 0) return 0;
    const text = this.options.signer.seal(channel, payload);
    let reached = 0;
    for (const [peer, link] of this.links) if (link.ws.readyState === WebSocket.OPEN && this.write(peer, link, text)) reached++;
    return reached;
  }

  connectedPeers(): Hex[] {
    return [...this.links.keys()];
  }

  status(): PeerStatus[] {
    const known = new Map(this.options.peers().map((p) => [p.address.toLowerCase() as Hex, p.url]));
    const addresses = new Set<Hex>([...known.keys(), ...this.links.keys()]);
    addresses.delete(this.self);
    return [...addresses].map((address) => {
      const link = this.links.get(address);
      const stats = this.stats.get(address);
      return {
        address,
        url: known.get(address) ?? null,
        connected: !!link && link.ws.readyState === WebSocket.OPEN,
        direction: link?.direction ?? null,
        lastMessageAt: stats?.lastMessageAt ?? null,
        received: stats?.received ?? 0,
        sent: stats?.sent ?? 0,
        dropped: stats?.dropped ?? 0,
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.redial) clearInterval(this.redial);
    for (const link of this.links.values()) link.ws.terminate();
    this.links.clear();
    for (const client of this.wss?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private dialAll(): void {
    if (this.closed) return;
    for (const peer of this.options.peers()) {
      const address = peer.address.toLowerCase() as Hex;
      // One link per pair: the lower address dials.
      if (address === this.self || this.self > address || this.links.has(address) || this.dialing.has(address)) continue;
      this.dialing.add(address);
      const ws = new WebSocket(peer.url, { maxPayload: this.options.maxMessageBytes ?? 32 * 1024 * 1024 });
      const done = () => this.dialing.delete(address);
      ws.once('open', () => {
        done();
        this.adopt(ws, 'out', address);
      });
      ws.once('error', () => {
        done();
        ws.terminate();
      });
    }
  }

  /**
   * A new socket. Each side first sends a fresh random challenge (`{"challenge":"<hex>"}`, unsigned), then answers
   * the other's with a signed `hello {network, challenge}`; a hello must carry our own challenge, so one captured on
   * an earlier link cannot be replayed to impersonate its sender. Envelopes count only once the link is bound.
   */
  private adopt(ws: WebSocket, direction: 'in' | 'out', expected: Hex | null): void {
    let peer: Hex | null = null;
    const challenge = randomBytes(16).toString('hex');
    ws.send(JSON.stringify({ challenge }));
    ws.on('message', (data) => {
      const text = data.toString();
      if (peer === null && text.startsWith('{"challenge":')) {
        const theirs = parseChallenge(text);
        if (typeof theirs === 'string' && /^[0-9a-f]{32}$/.test(theirs)) ws.send(this.options.signer.seal(HELLO, { network: this.options.network, challenge: theirs }));
        else ws.close(1008, 'bad challenge');
        return;
      }
      const opened = openEnvelope(this.options.network, text);
      if (!opened.ok) {
        this.options.log?.(`peer message dropped: ${opened.reason}`);
        if (peer) this.stat(peer).dropped++;
        return;
      }
      const { envelope } = opened;
      const from = envelope.from;
      if (!this.isPeer(from) || (peer !== null && from !== peer)) {
        this.options.log?.(`peer message from ${from} dropped: not in the peer set or not this link's peer`);
        ws.close(1008, 'unknown peer');
        return;
      }
      if (envelope.seq <= (this.lastSeq.get(from) ?? -1)) {
        this.stat(from).dropped++;
        return;
      }
      this.lastSeq.set(from, envelope.seq);
      const stats = this.stat(from);
      stats.received++;
      stats.lastMessageAt = Date.now();
      if (peer === null) {
        const hello = envelope.payload as { challenge?: unknown } | null;
        if (envelope.channel !== HELLO || hello?.challenge !== challenge || (expected !== null && from !== expected)) {
          ws.close(1008, 'expected a hello answering our challenge');
          return;
        }
        peer = from;
        const previous = this.links.get(peer);
        if (previous && previous.ws !== ws) previous.ws.terminate();
        this.links.set(peer, { ws, direction });
        for (const listener of this.connectListeners) listener(peer);
        return;
      }
      const handler = this.handlers.get(envelope.channel);
      if (!handler) return;
      try {
        handler(from, envelope.payload);
      } catch (error) {
        this.options.log?.(`peer handler ${envelope.channel} failed: ${(error as Error).message}`);
      }
    });
    ws.on('close', () => {
      if (peer && this.links.get(peer)?.ws === ws) this.links.delete(peer);
    });
    ws.on('error', () => ws.terminate());
  }

  private isPeer(address: Hex): boolean {
    return this.options.peers().some((p) => p.address.toLowerCase() === address);
  }

  private write(peer: Hex, link: Link, text: string): boolean {
    if (link.ws.bufferedAmount > MAX_BUFFERED) {
      link.ws.terminate();
      return false;
    }
    link.ws.send(text);
    this.stat(peer).sent++;
    return true;
  }

  private stat(peer: Hex) {
    let stats = this.stats.get(peer);
    if (!stats) {
      stats = { lastMessageAt: null, received: 0, sent: 0, dropped: 0 };
      this.stats.set(peer, stats);
    }
    return stats;
  }
}

/** The challenge of an unsigned `{"challenge":"<hex>"}` frame, or null for anything else (never throws). */
function parseChallenge(text: string): unknown {
  try {
    return (JSON.parse(text) as { challenge?: unknown } | null)?.challenge ?? null;
  } catch {
    return null;
  }
}
