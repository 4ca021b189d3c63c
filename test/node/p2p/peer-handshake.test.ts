import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Hex } from '../../../node/encoding/hex.ts';
import { NodeKey } from '../../../node/identity/node-key.ts';
import { EnvelopeSigner } from '../../../node/p2p/envelope.ts';
import { challengeFrame, freshNonce, HELLO_CHANNEL, HELLO_SESSION, sessionId } from '../../../node/p2p/handshake.ts';
import { PeerNetwork, type PeerEndpoint, type PeerLimits } from '../../../node/p2p/peer-network.ts';
import { dialAsPeer, openRaw } from '../../support/peer-client.ts';
import { rawExchange } from '../../support/raw-socket.ts';
import { freePort } from '../../support/ports.ts';

/** Three members sorted by address (the lower address dials), and an attacker with a key of its own. */
const [A, B, C] = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
]
  .map((k) => new NodeKey(k as Hex))
  .sort((x, y) => (x.address < y.address ? -1 : 1)) as [NodeKey, NodeKey, NodeKey];
const ATTACKER = new NodeKey('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a');
const NETWORK = '901';

const until = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

interface Member {
  key: NodeKey;
  net: PeerNetwork;
  inbox: { from: Hex; payload: unknown }[];
  url: string;
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Starts members; `urlOf` lets a test point a member's view of another at a relay. */
async function members(keys: NodeKey[], options: { urlOf?: (viewer: Hex, peer: Hex, url: string) => string; limits?: Partial<PeerLimits> } = {}): Promise<Member[]> {
  const ports = await Promise.all(keys.map(() => freePort()));
  const urls = ports.map((p) => `ws://127.0.0.1:${p}`);
  const started = keys.map((key, i) => {
    const endpoints = (): PeerEndpoint[] => keys.map((k, j) => ({ address: k.address, url: options.urlOf?.(key.address, k.address, urls[j]!) ?? urls[j]! }));
    const net = new PeerNetwork({ host: '127.0.0.1', port: ports[i]!, signer: new EnvelopeSigner(key, NETWORK), network: NETWORK, peers: endpoints, limits: options.limits });
    const inbox: Member['inbox'] = [];
    net.on('test', (from, payload) => inbox.push({ from, payload }));
    return { key, net, inbox, url: urls[i]! };
  });
  await Promise.all(started.map((m) => m.net.start()));
  cleanup.push(() => Promise.all(started.map((m) => m.net.close())).then(() => undefined));
  return started;
}

/**
 * A relay on the path to a host: forwards every frame both ways and records them, and lets the
 * test inject frames toward the target on the relayed connection.
 */
async function relayTo(targetUrl: () => string) {
  const port = await freePort();
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  const toTarget: string[] = [];
  const toDialer: string[] = [];
  let upstream: WebSocket | null = null;
  server.on('connection', (downstream) => {
    const up = new WebSocket(targetUrl());
    upstream = up;
    const queued: string[] = [];
    up.on('open', () => {
      for (const f of queued.splice(0)) up.send(f);
    });
    up.on('message', (data) => {
      toDialer.push(data.toString());
      if (downstream.readyState === WebSocket.OPEN) downstream.send(data.toString());
    });
    downstream.on('message', (data) => {
      toTarget.push(data.toString());
      if (up.readyState === WebSocket.OPEN) up.send(data.toString());
      else queued.push(data.toString());
    });
    up.on('close', () => downstream.terminate());
    downstream.on('close', () => up.terminate());
  });
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `ws://127.0.0.1:${port}`, toTarget, toDialer, inject: (frame: string) => upstream?.send(frame) };
}

const linked = (m: Member, peer: NodeKey) => m.net.connectedPeers().includes(peer.address);
const droppedBy = (m: Member, peer: NodeKey) => m.net.status().find((s) => s.address === peer.address)?.droppedBy ?? {};

describe('peer handshake: mutual, bound to both nonces, both addresses, the network and the version', () => {
  it('binds honest peers both ways and carries messages each way', async () => {
    const [a, b] = await members([A, B]);
    await until(() => linked(a!, B) && linked(b!, A), 'the link');
    expect(a!.net.status()[0]).toMatchObject({ address: B.address, direction: 'out', connected: true });
    expect(b!.net.status()[0]).toMatchObject({ address: A.address, direction: 'in', connected: true });
    a!.net.send(B.address, 'test', 'a->b');
    b!.net.send(A.address, 'test', 'b->a');
    await until(() => a!.inbox.length === 1 && b!.inbox.length === 1, 'both messages');
    expect(b!.inbox).toEqual([{ from: A.address, payload: 'a->b' }]);
    expect(a!.inbox).toEqual([{ from: B.address, payload: 'b->a' }]);
  });

  it('RELAY ATTACK: a relay between two hosts forwards or drops, but nothing it injects is accepted', async () => {
    const target: Record<string, string> = {};
    const relayAB = await relayTo(() => target[B.address]!);
    const relayAC = await relayTo(() => target[C.address]!);
    const relayed: Record<string, string> = { [B.address]: relayAB.url, [C.address]: relayAC.url };
    const [a, b, c] = await members([A, B, C], {
      urlOf: (viewer, peer, url) => {
        target[peer] = url;
        return viewer === A.address && relayed[peer] ? relayed[peer] : url;
      },
    });
    await until(() => linked(a!, B) && linked(b!, A) && linked(a!, C) && linked(c!, A), 'A–B and A–C, both through relays');

    // The hosts bound to each other, not to the relay: the link works end to end.
    a!.net.send(B.address, 'test', 'through the relay');
    a!.net.send(C.address, 'test', 'meant for C');
    await until(() => b!.inbox.length === 1 && c!.inbox.length === 1, 'the relayed messages');
    const frameAB = relayAB.toTarget.find((f) => f.includes('through the relay'))!;
    const frameAC = relayAC.toTarget.find((f) => f.includes('meant for C'))!;

    // 1. The attacker's own envelope, sealed for the very session it watched being set up.
    const transcript = JSON.parse(relayAB.toTarget[0]!).payload;
    relayAB.inject(new EnvelopeSigner(ATTACKER, NETWORK).seal(sessionId(transcript), 'test', 'from the attacker'));
    // 2. A's envelope captured on the other link (A to C), moved onto the A–B link.
    relayAB.inject(frameAC);
    // 3. A relayed frame sent again, and 4. one with its payload changed.
    relayAB.inject(frameAB);
    relayAB.inject(frameAB.replace('through the relay', 'changed by the relay'));
    await until(() => (droppedBy(b!, A).replay ?? 0) >= 1 && (droppedBy(b!, A)['bad-envelope'] ?? 0) >= 2, 'the drops');
    expect(droppedBy(b!, A)).toEqual({ 'wrong-sender': 1, 'bad-envelope': 2, replay: 1 });
    expect(b!.inbox.map((m) => m.payload)).toEqual(['through the relay']);
    expect(b!.net.connectedPeers()).not.toContain(ATTACKER.address);
    // The link survives the attempts and still carries A's messages.
    a!.net.send(B.address, 'test', 'still A');
    await until(() => b!.inbox.length === 2, 'the next message');
    expect(b!.inbox[1]).toEqual({ from: A.address, payload: 'still A' });
  });

  it('RELAY ATTACK, cross-wired: an attacker dialing both hosts and swapping their frames gets neither to bind', async () => {
    const [a, b] = await members([A, B], { urlOf: (_viewer, _peer, url) => url.replace(/:\d+$/, ':1'), limits: { helloTimeoutMs: 500 } });
    const toA = new WebSocket(a!.url);
    const toB = new WebSocket(b!.url);
    const closed = Promise.all([toA, toB].map((ws) => new Promise<number>((r) => ws.once('close', (code) => r(code)))));
    toA.on('message', (data) => toB.readyState === WebSocket.OPEN && toB.send(data.toString()));
    toB.on('message', (data) => toA.readyState === WebSocket.OPEN && toA.send(data.toString()));
    expect(await closed).toEqual([1008, 1008]);
    expect(a!.net.connectedPeers()).toEqual([]);
    expect(b!.net.connectedPeers()).toEqual([]);
    expect((a!.net.refused.handshake ?? 0) + (a!.net.refused['hello-timeout'] ?? 0)).toBe(1);
  });

  it('refuses a replayed hello, a wrong network and a hello addressed to another host', async () => {
    const [, b] = await members([A, B], { urlOf: (_viewer, _peer, url) => url.replace(/:\d+$/, ':1') });
    const signer = new EnvelopeSigner(A, NETWORK);
    // Replay: a hello that completed one handshake opens no other connection (it answers another challenge).
    const first = await openRaw(b!.url);
    const hello = signer.seal(HELLO_SESSION, HELLO_CHANNEL, { version: 2, network: NETWORK, dialer: A.address, acceptor: B.address, dialerNonce: freshNonce(), acceptorNonce: first.challenge });
    first.ws.send(hello);
    await until(() => linked(b!, A), 'the first handshake');
    first.ws.close();
    const second = await openRaw(b!.url);
    const refused = new Promise<number>((r) => second.ws.once('close', (code) => r(code)));
    second.ws.send(hello);
    expect(await refused).toBe(1008);

    await expect(dialAsPeer(b!.url, new EnvelopeSigner(A, '902'), '902', B.address)).rejects.toThrow('(1008)');
    await expect(dialAsPeer(b!.url, signer, '902', B.address)).rejects.toThrow('(1008)');
    await expect(dialAsPeer(b!.url, signer, NETWORK, C.address)).rejects.toThrow('(1008)');
    expect(b!.net.refused.handshake).toBe(4);
  });

  it('a dialer binds only the address it expected: an impostor acceptor with its own key is refused', async () => {
    const port = await freePort();
    const impostor = new WebSocketServer({ host: '127.0.0.1', port });
    cleanup.push(() => new Promise<void>((r) => impostor.close(() => r())));
    const impostorSigner = new EnvelopeSigner(ATTACKER, NETWORK);
    impostor.on('connection', (ws) => {
      ws.send(challengeFrame(freshNonce()));
      // Signs the dialer's transcript back, but with its own key.
      ws.once('message', (data) => ws.send(impostorSigner.seal(HELLO_SESSION, HELLO_CHANNEL, JSON.parse(data.toString()).payload)));
    });
    const [a] = await members([A, B], { urlOf: (viewer, peer, url) => (viewer === A.address && peer === B.address ? `ws://127.0.0.1:${port}` : url.replace(/:\d+$/, ':1')) });
    await until(() => (a!.net.refused.handshake ?? 0) >= 1, 'the refusal');
    expect(a!.net.connectedPeers()).toEqual([]);
  });

  it('closes a connection without a hello in time, evicts the oldest pending handshake beyond the bound, bounds pre-hello bytes', async () => {
    const [, b] = await members([A, B], { urlOf: (_viewer, _peer, url) => url.replace(/:\d+$/, ':1'), limits: { helloTimeoutMs: 1500, maxUnauthenticated: 2, maxHelloBytes: 4096 } });
    const closeOf = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));
    // Beyond two pending handshakes the oldest is evicted, so slots held open cannot keep an honest peer out.
    const evicted = await openRaw(b!.url);
    const evictedClosed = closeOf(evicted.ws);
    const silent = await openRaw(b!.url);
    const silentClosed = closeOf(silent.ws);
    const chatty = await openRaw(b!.url);
    const chattyClosed = closeOf(chatty.ws);
    await evictedClosed;
    expect(b!.net.refused['too-many-unauthenticated']).toBe(1);

    chatty.ws.send('x'.repeat(8192));
    await chattyClosed;
    expect(b!.net.refused['hello-bytes']).toBe(1);
    expect(await silentClosed).toBe(1008);
    expect(b!.net.refused['hello-timeout']).toBe(1);
    expect(b!.net.connectedPeers()).toEqual([]);
  });

  it('refuses inbound connections beyond the per-IP bound, and drops a bound peer\'s messages beyond its byte budget', async () => {
    const [, b] = await members([A, B], { urlOf: (_viewer, _peer, url) => url.replace(/:\d+$/, ':1'), limits: { maxConnectionsPerIp: 2, bytesPerSecond: 1, bytesBurst: 3000 } });
    const link = await dialAsPeer(b!.url, new EnvelopeSigner(A, NETWORK), NETWORK, B.address);
    const other = await openRaw(b!.url);
    const third = new WebSocket(b!.url);
    await new Promise((r) => third.once('close', r));
    expect(b!.net.refused['too-many-from-ip']).toBe(1);
    other.ws.close();

    for (let i = 0; i < 3; i++) link.send('test', 'x'.repeat(1000));
    await until(() => (droppedBy(b!, A).bytes ?? 0) === 1, 'the byte-budget drop');
    expect(b!.inbox).toHaveLength(2);
    link.ws.close();
    // The budget belongs to the peer, not the connection: a new link does not refill it.
    const again = await dialAsPeer(b!.url, new EnvelopeSigner(A, NETWORK), NETWORK, B.address);
    again.send('test', 'x'.repeat(1000));
    await until(() => (droppedBy(b!, A).bytes ?? 0) === 2, 'the second byte-budget drop');
    expect(b!.inbox).toHaveLength(2);
    again.ws.close();
  });

  it('a refused connection whose upgrade arrives with a bad frame in the same packet does not end the process', async () => {
    const [, b] = await members([A, B], { urlOf: (_viewer, _peer, url) => url.replace(/:\d+$/, ':1'), limits: { maxConnectionsPerIp: 1 } });
    const held = await openRaw(b!.url);
    const upgrade = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    // Opcode 3 is reserved: ws's receiver emits 'error' on the socket the peer network has just refused.
    const badFrame = Buffer.from([0x83, 0x80, 1, 2, 3, 4]);
    for (let i = 0; i < 5; i++) await rawExchange(Number(new URL(b!.url).port), [Buffer.concat([Buffer.from(upgrade), badFrame])], { waitMs: 200 });
    expect(b!.net.refused['too-many-from-ip']).toBe(5);
    // Still serving: once the held connection is gone, an honest peer binds.
    await new Promise((resolve) => {
      held.ws.once('close', resolve);
      held.ws.close();
    });
    for (let attempt = 0; ; attempt++) {
      const link = await Promise.race([dialAsPeer(b!.url, new EnvelopeSigner(A, NETWORK), NETWORK, B.address, 1_000), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_500))]).catch(() => null);
      if (link) {
        link.ws.close();
        break;
      }
      if (attempt === 10) throw new Error('no honest link after the refused connections');
    }
  });
});
