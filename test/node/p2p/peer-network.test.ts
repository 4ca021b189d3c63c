import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../node/encoding/hex.ts';
import { NodeKey } from '../../../node/identity/node-key.ts';
import { EnvelopeSigner, openEnvelope } from '../../../node/p2p/envelope.ts';
import { mpcTransportOverPeers } from '../../../node/mpc/mpc-channel.ts';
import { PeerNetwork, type PeerEndpoint } from '../../../node/p2p/peer-network.ts';
import { dialAsPeer } from '../../support/peer-client.ts';
import { freePort } from '../../support/ports.ts';

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
  for (const [i, net] of nets.entries()) net.on('test', (from, payload) => inbox.push({ at: i, from, payload }));
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

  it('carries the MPC engine\'s messages on the mpc channel (MpcTransport)', async () => {
    const [a, b] = [mpcTransportOverPeers(nets[0]!), mpcTransportOverPeers(nets[1]!)];
    const got: string[] = [];
    b.onMessage((m) => got.push(m));
    a.send(KEYS[1]!.address, '{"channel":"mpc","x":1}');
    a.broadcast('{"channel":"mpc","x":2}');
    await until(() => got.length === 2);
    expect(got).toEqual(['{"channel":"mpc","x":1}', '{"channel":"mpc","x":2}']);
    await a.close();
    await b.close();
  });

  it('envelopes: a changed payload, another network, another session, or a wrong from fail to open', () => {
    const signer = new EnvelopeSigner(KEYS[0]!, '901');
    const text = signer.seal('s1', 'test', { n: 1 });
    expect(openEnvelope('901', 's1', text).ok).toBe(true);
    expect(openEnvelope('902', 's1', text)).toEqual({ ok: false, reason: 'signature does not match from' });
    expect(openEnvelope('901', 's2', text)).toEqual({ ok: false, reason: 'signature does not match from' });
    expect(openEnvelope('901', 's1', text.replace('"n":1', '"n":2')).ok).toBe(false);
    expect(openEnvelope('901', 's1', text.replace(KEYS[0]!.address, KEYS[1]!.address)).ok).toBe(false);
    expect(openEnvelope('901', 's1', '{"channel":1}').ok).toBe(false);
    expect(openEnvelope('901', 's1', 'not json').ok).toBe(false);
  });

  it('refuses a dialer outside the peer set and drops a member\'s replayed message', async () => {
    const outsider = dialAsPeer(endpoints[1]!.url, new EnvelopeSigner(OUTSIDER, '901'), '901', KEYS[1]!.address);
    await expect(outsider).rejects.toThrow('closed during the handshake (1008)');

    const member = new EnvelopeSigner(KEYS[0]!, '901');
    const before = inbox.length;
    const link = await dialAsPeer(endpoints[2]!.url, member, '901', KEYS[2]!.address);
    const once = member.seal(link.session, 'test', 'once');
    link.ws.send(once);
    link.ws.send(once);
    await until(() => inbox.length === before + 1);
    await until(() => (nets[2]!.status().find((s) => s.address === KEYS[0]!.address)?.droppedBy.replay ?? 0) >= 1);
    expect(inbox.slice(before).map((m) => m.payload)).toEqual(['once']);
    link.ws.close();
  });
});
