import { createServer, type IncomingMessage, type Server } from 'node:http';
import { DEFAULT_HTTP_BOUNDS, httpServerOptions, type HttpBounds } from '../net/listener-bounds.ts';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Hex } from '../encoding/hex.ts';
import { openEnvelope, type EnvelopeSigner } from './envelope.ts';
import {
  challengeFrame,
  freshNonce,
  HELLO_CHANNEL,
  HELLO_SESSION,
  parseChallenge,
  PROTOCOL_VERSION,
  readTranscript,
  refuseDialerHello,
  sameTranscript,
  sessionId,
  type Transcript,
} from './handshake.ts';
import { TokenBucket } from './token-bucket.ts';

export interface PeerEndpoint {
  address: Hex;
  /** ws://127.0.0.1:<peer port> */
  url: string;
}

/** Bounds of the peer port; every excess is dropped (or the connection refused) and counted, never thrown. */
export interface PeerLimits {
  /** A connection that has not finished the handshake by then is closed. */
  helloTimeoutMs: number;
  /** Connections still in the handshake at once; more are refused at once. */
  maxUnauthenticated: number;
  /** Bytes read from a connection before its handshake completes (the hellos are a few hundred bytes). */
  maxHelloBytes: number;
  /** Open inbound connections from one remote IP address. */
  maxConnectionsPerIp: number;
  /** Messages per second a bound peer may send (token bucket), with this burst. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Bytes per second a bound peer may send (token bucket), with this burst (at least one maximal message). */
  bytesPerSecond: number;
  bytesBurst: number;
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
  limits?: Partial<PeerLimits>;
  /** Every dropped message or refused connection, with its reason (the host counts them as a metric). */
  onDrop?: (reason: DropReason, peer: Hex | null) => void;
  now?: () => number;
  log?: (message: string) => void;
}

export type DropReason =
  | 'bad-envelope'
  | 'wrong-sender'
  | 'replay'
  | 'rate'
  | 'bytes'
  | 'handshake'
  | 'hello-timeout'
  | 'hello-bytes'
  | 'too-many-unauthenticated'
  | 'too-many-from-ip';

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
  /** `dropped`, by reason. */
  droppedBy: Partial<Record<DropReason, number>>;
}

interface Link {
  ws: WebSocket;
  direction: 'in' | 'out';
  peer: Hex;
  session: Hex;
}

interface PeerStats {
  lastMessageAt: number | null;
  received: number;
  sent: number;
  dropped: number;
  droppedBy: Partial<Record<DropReason, number>>;
  /** Per peer, not per link: reconnecting does not refill them. */
  messages: TokenBucket;
  bytes: TokenBucket;
}

const MAX_BUFFERED = 64 * 1024 * 1024;
const DEFAULT_MAX_MESSAGE = 32 * 1024 * 1024;

/** Links to every validator plus the unauthenticated connections the limits allow, with room to spare. */
const PEER_HTTP_BOUNDS: HttpBounds = { ...DEFAULT_HTTP_BOUNDS, maxConnections: 256 };

export const DEFAULT_PEER_LIMITS: PeerLimits = {
  helloTimeoutMs: 5_000,
  maxUnauthenticated: 32,
  maxHelloBytes: 16 * 1024,
  maxConnectionsPerIp: 16,
  // Each accepted message costs a signature recovery (0.1-0.5 ms): one peer gets at most a fraction of a core.
  messagesPerSecond: 500,
  messageBurst: 1_000,
  bytesPerSecond: 16 * 1024 * 1024,
  bytesBurst: 2 * DEFAULT_MAX_MESSAGE,
};

/**
 * The peer port: WebSocket links between sequencer hosts carrying signed envelopes on named channels (replication,
 * MPC, ...). One link per pair: the host with the lower address dials, the other accepts. A link is bound to a peer
 * by the mutual handshake of handshake.ts; envelopes are signed over the link's session id, and dropped when they do
 * not open on it, come from another sender, repeat a sequence number, or exceed the peer's rate and byte budgets.
 */
export class PeerNetwork {
  private readonly options: PeerNetworkOptions;
  private readonly limits: PeerLimits;
  private readonly now: () => number;
  private readonly handlers = new Map<string, ChannelHandler>();
  private readonly links = new Map<Hex, Link>();
  private readonly lastSeq = new Map<Hex, number>();
  private readonly stats = new Map<Hex, PeerStats>();
  private readonly dialing = new Set<Hex>();
  private readonly connectListeners = new Set<(peer: Hex) => void>();
  private readonly perIp = new Map<string, number>();
  /** Refused connections and failed handshakes, by reason (no peer identity to charge them to). */
  readonly refused: Partial<Record<DropReason, number>> = {};
  /** Inbound connections still in the handshake, oldest first, each with the way to evict it. */
  private readonly unauthenticated = new Map<WebSocket, () => void>();
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private closed = false;
  private redial: NodeJS.Timeout | null = null;
  port = 0;

  constructor(options: PeerNetworkOptions) {
    this.options = options;
    this.limits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
    this.now = options.now ?? Date.now;
  }

  get self(): Hex {
    return this.options.signer.address;
  }

  /** Registers the handler of a channel (one per channel: replication, mpc, ...). */
  on(channel: string, handler: ChannelHandler): void {
    if (channel === HELLO_CHANNEL) throw new Error('the hello channel is reserved');
    this.handlers.set(channel, handler);
  }

  /** Called whenever a link to `peer` comes up (e.g. to send it our head). */
  onConnect(listener: (peer: Hex) => void): void {
    this.connectListeners.add(listener);
  }

  async start(): Promise<void> {
    // Slow upgrade requests are cut off like on every HTTP port; a bound link is a WebSocket and outlives them.
    this.server = createServer(httpServerOptions(PEER_HTTP_BOUNDS), (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('peer port: WebSocket only');
    });
    this.server.maxConnections = PEER_HTTP_BOUNDS.maxConnections;
    this.wss = new WebSocketServer({ server: this.server, maxPayload: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE });
    this.wss.on('connection', (ws, req) => this.accept(ws, req));
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
    return this.write(link, this.options.signer.seal(link.session, channel, payload));
  }

  /** Sends to every connected peer (sealed for each link's session); returns how many were reached. */
  broadcast(channel: string, payload: unknown): number {
    let reached = 0;
    for (const link of this.links.values()) {
      if (link.ws.readyState === WebSocket.OPEN && this.write(link, this.options.signer.seal(link.session, channel, payload))) reached++;
    }
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
        droppedBy: { ...stats?.droppedBy },
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
      const ws = new WebSocket(peer.url, { maxPayload: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE });
      const done = () => this.dialing.delete(address);
      let socket: Socket | null = null;
      ws.once('upgrade', (res) => (socket = res.socket));
      ws.once('open', () => {
        done();
        this.handshake(ws, 'out', address, socket);
      });
      ws.on('error', () => {
        done();
        ws.terminate();
      });
    }
  }

  /**
   * An inbound connection: refused at once beyond the per-IP bound. Beyond the unauthenticated bound the oldest
   * pending handshake is evicted instead: an honest handshake takes one round trip, so an attacker holding slots
   * open until the hello timeout cannot keep honest peers out.
   */
  private accept(ws: WebSocket, req: IncomingMessage): void {
    // First, before any refusal: a bad frame already in flight on a refused socket emits 'error', and an 'error'
    // without a listener ends the process (one frame with opcode 3 from a 17th connection did).
    ws.on('error', () => ws.terminate());
    const ip = req.socket.remoteAddress ?? 'unknown';
    if ((this.perIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) return this.refuse(ws, 'too-many-from-ip');
    if (this.unauthenticated.size >= this.limits.maxUnauthenticated) {
      const [oldest, evict] = this.unauthenticated.entries().next().value as [WebSocket, () => void];
      this.unauthenticated.delete(oldest);
      evict();
    }
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    ws.once('close', () => {
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
    this.handshake(ws, 'in', null, req.socket);
  }


  private refuse(ws: WebSocket, reason: DropReason): void {
    this.count(null, reason);
    ws.terminate();
  }

  /**
   * Runs the handshake of handshake.ts on a new socket, then hands its frames to `receive`. Until the peer is bound,
   * the socket has `helloTimeoutMs` and `maxHelloBytes`; any frame out of turn closes it (1008).
   */
  private handshake(ws: WebSocket, direction: 'in' | 'out', expected: Hex | null, socket: Socket | null): void {
    if (direction === 'in') this.unauthenticated.set(ws, () => this.refuse(ws, 'too-many-unauthenticated'));
    let link: Link | null = null;
    let pending = true;
    let helloBytes = 0;
    const settle = () => {
      if (!pending) return;
      pending = false;
      this.unauthenticated.delete(ws);
      clearTimeout(timer);
      socket?.off('data', countBytes);
    };
    const fail = (reason: DropReason, detail: string) => {
      settle();
      this.count(null, reason);
      this.options.log?.(`peer handshake (${direction}${expected ? ` to ${expected}` : ''}) failed: ${detail}`);
      ws.close(1008, detail.slice(0, 120));
    };
    const countBytes = (chunk: Buffer) => {
      helloBytes += chunk.length;
      if (helloBytes > this.limits.maxHelloBytes) {
        fail('hello-bytes', 'too many bytes before the hello');
        ws.terminate();
      }
    };
    socket?.on('data', countBytes);
    const timer = setTimeout(() => fail('hello-timeout', 'no hello in time'), this.limits.helloTimeoutMs);
    timer.unref();

    const bind = (peer: Hex, transcript: Transcript) => {
      settle();
      link = { ws, direction, peer, session: sessionId(transcript) };
      const previous = this.links.get(peer);
      if (previous && previous.ws !== ws) previous.ws.terminate();
      this.links.set(peer, link);
      for (const listener of this.connectListeners) listener(peer);
    };
    const step = direction === 'in' ? this.acceptorSteps(ws, bind, fail) : this.dialerSteps(ws, expected as Hex, bind, fail);
    ws.on('message', (data) => {
      if (link) return this.receive(link, data);
      if (pending) step(rawText(data));
    });
    ws.on('close', () => {
      settle();
      if (link && this.links.get(link.peer)?.ws === ws) this.links.delete(link.peer);
    });
    ws.on('error', () => ws.terminate());
  }

  /** Acceptor: send our nonce; the dialer's hello must answer it, name us, and come from a peer. */
  private acceptorSteps(ws: WebSocket, bind: (peer: Hex, t: Transcript) => void, fail: (reason: DropReason, detail: string) => void) {
    const nonce = freshNonce();
    ws.send(challengeFrame(nonce));
    return (text: string) => {
      const opened = openEnvelope(this.options.network, HELLO_SESSION, text);
      if (!opened.ok || opened.envelope.channel !== HELLO_CHANNEL) return fail('handshake', 'expected a signed hello');
      const { from, payload } = opened.envelope;
      const transcript = readTranscript(payload);
      const refusal = refuseDialerHello(transcript, from, this.self, this.options.network, nonce, (a) => this.isPeer(a));
      if (refusal || !transcript) return fail('handshake', refusal ?? 'malformed hello');
      ws.send(this.options.signer.seal(HELLO_SESSION, HELLO_CHANNEL, transcript));
      bind(from, transcript);
    };
  }

  /** Dialer: answer the acceptor's nonce with the transcript; the acceptor must sign the same one as `expected`. */
  private dialerSteps(ws: WebSocket, expected: Hex, bind: (peer: Hex, t: Transcript) => void, fail: (reason: DropReason, detail: string) => void) {
    let transcript: Transcript | null = null;
    return (text: string) => {
      if (!transcript) {
        const acceptorNonce = parseChallenge(text);
        if (!acceptorNonce) return fail('handshake', 'expected a challenge');
        transcript = { version: PROTOCOL_VERSION, network: this.options.network, dialer: this.self, acceptor: expected, dialerNonce: freshNonce(), acceptorNonce };
        ws.send(this.options.signer.seal(HELLO_SESSION, HELLO_CHANNEL, transcript));
        return;
      }
      const opened = openEnvelope(this.options.network, HELLO_SESSION, text);
      if (!opened.ok || opened.envelope.channel !== HELLO_CHANNEL) return fail('handshake', 'expected the acceptor\'s signed hello');
      const theirs = readTranscript(opened.envelope.payload);
      if (opened.envelope.from !== expected) return fail('handshake', `hello signed by ${opened.envelope.from}, expected ${expected}`);
      if (!theirs || !sameTranscript(theirs, transcript)) return fail('handshake', 'the acceptor signed another transcript');
      bind(expected, transcript);
    };
  }

  /** A frame on a bound link: budgets first (cheap), then the signature, the sender, the sequence number. */
  private receive(link: Link, data: RawData): void {
    const { peer } = link;
    const budget = this.stat(peer);
    if (!budget.messages.take()) return this.count(peer, 'rate');
    if (!budget.bytes.take(rawLength(data))) return this.count(peer, 'bytes');
    const opened = openEnvelope(this.options.network, link.session, rawText(data));
    if (!opened.ok) return this.count(peer, 'bad-envelope');
    const { envelope } = opened;
    if (envelope.from !== peer) return this.count(peer, 'wrong-sender');
    if (envelope.seq <= (this.lastSeq.get(peer) ?? -1)) return this.count(peer, 'replay');
    this.lastSeq.set(peer, envelope.seq);
    const stats = this.stat(peer);
    stats.received++;
    stats.lastMessageAt = this.now();
    const handler = this.handlers.get(envelope.channel);
    if (!handler) return;
    try {
      handler(peer, envelope.payload);
    } catch (error) {
      this.options.log?.(`peer handler ${envelope.channel} failed: ${(error as Error).message}`);
    }
  }

  private count(peer: Hex | null, reason: DropReason): void {
    if (peer) {
      const stats = this.stat(peer);
      stats.dropped++;
      stats.droppedBy[reason] = (stats.droppedBy[reason] ?? 0) + 1;
    } else {
      this.refused[reason] = (this.refused[reason] ?? 0) + 1;
    }
    this.options.onDrop?.(reason, peer);
  }

  private isPeer(address: Hex): boolean {
    return address !== this.self && this.options.peers().some((p) => p.address.toLowerCase() === address);
  }

  private write(link: Link, text: string): boolean {
    if (link.ws.bufferedAmount > MAX_BUFFERED) {
      link.ws.terminate();
      return false;
    }
    link.ws.send(text);
    this.stat(link.peer).sent++;
    return true;
  }

  private stat(peer: Hex): PeerStats {
    let stats = this.stats.get(peer);
    if (!stats) {
      const l = this.limits;
      const messages = new TokenBucket(l.messagesPerSecond, l.messageBurst, this.now);
      stats = { lastMessageAt: null, received: 0, sent: 0, dropped: 0, droppedBy: {}, messages, bytes: new TokenBucket(l.bytesPerSecond, l.bytesBurst, this.now) };
      this.stats.set(peer, stats);
    }
    return stats;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return (data as Buffer | ArrayBuffer).byteLength;
}
