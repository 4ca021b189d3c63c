import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Hex } from '../../node/chain/hex.ts';
import { NodeKey } from '../../node/chain/node-key.ts';
import { EnvelopeSigner, openEnvelope } from '../../node/replication/envelope.ts';
import { PeerNetwork, type PeerEndpoint } from '../../node/replication/peer-network.ts';
import { freePort } from '../support/ports.ts';

const KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
].map((k) => new NodeKey(k as Hex));
const OUTSIDER = new NodeKey('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a');

let nets: PeerNetwork[] = [];
let endpoints: PeerEndpoint[] = [];
const inbox: { at: number; from: Hex; payload: unknown }[] = [];
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  const ports = await Promise.all(KEYS.map(() => freePort()));
  endpoints = KEYS.map((k, i) => ({ address: k.address, url: `ws://127.0.0.1:${ports[i]}` }));
  nets = KEYS.map((key, i) => new PeerNetwork({ host: '127.0.0.1', port: ports[i] as number, signer: new EnvelopeSigner(key, '901'), network: '901', peers: () => endpoints }));
  nets.forEach((net, i) => net.on('test', (from, payload) => inbox.push({ at: i, from, payload })));
  await Promise.all(nets.map((n) => n.start()));
  await until(() => nets.every((n) => n.connectedPeers().length === 2));
});
afterAll(async () => {
  await Promise.all(nets.map((n) => n.close()));
});

describe('peer network', () => {
  it('links every pair once and delivers signed messages on channels', async () => {
    expect(nets[0]!.broadcast('test', { hello: 'world' })).toBe(2);
    expect(nets[2]!.send(KEYS[1]!.address, 'test', [1, 2, 3])).toBe(true);
    await until(() => inbox.length === 3);
    expect(inbox.filter((m) => m.from === KEYS[0]!.address).map((m) => m.at).sort()).toEqual([1, 2]);
    expect(inbox.find((m) => m.from === KEYS[2]!.address)).toEqual({ at: 1, from: KEYS[2]!.address, payload: [1, 2, 3] });
    const status = nets[0]!.status();
    expect(status.map((s) => s.connected)).toEqual([true, true]);
    expect(status.every((s) => s.sent >= 1)).toBe(true);
  });

  it('envelopes: a changed payload, another network, or a wrong from fail to open', () => {
    const signer = new EnvelopeSigner(KEYS[0]!, '901');
    const text = signer.seal('test', { n: 1 });
    expect(openEnvelope('901', text).ok).toBe(true);
    expect(openEnvelope('902', text)).toEqual({ ok: false, reason: 'signature does not match from' });
    expect(openEnvelope('901', text.replace('"n":1', '"n":2')).ok).toBe(false);
    expect(openEnvelope('901', text.replace(KEYS[0]!.address, KEYS[1]!.address)).ok).toBe(false);
    expect(openEnvelope('901', '{"channel":1}').ok).toBe(false);
    expect(openEnvelope('901', 'not json').ok).toBe(false);
  });

  it('drops replays and closes links from hosts outside the peer set', async () => {
    // A raw client that speaks as an outsider: its hello is refused and the socket closed.
    const outsider = new WebSocket(endpoints[1]!.url);
    await new Promise((r) => outsider.once('open', r));
    const closed = new Promise<number>((r) => outsider.once('close', (code) => r(code)));
    outsider.send(new EnvelopeSigner(OUTSIDER, '901').seal('hello', { network: '901' }));
    expect(await closed).toBe(1008);

    // A member's captured message replayed on a fresh link is dropped (sequence number not above the last seen).
    const member = new EnvelopeSigner(KEYS[0]!, '901');
    const hello = member.seal('hello', { network: '901' });
    const first = member.seal('test', 'once');
    const before = inbox.length;
    const ws = new WebSocket(endpoints[2]!.url);
    await new Promise((r) => ws.once('open', r));
    ws.send(hello);
    ws.send(first);
    ws.send(first);
    await until(() => inbox.length === before + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(inbox.slice(before).map((m) => m.payload)).toEqual(['once']);
    ws.close();
  });
});
