import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../node/encoding/hex.ts';
import { NodeKey } from '../../../node/identity/node-key.ts';
import type { Epoch } from '../../../protocol/consensus/types.ts';
import { EnvelopeSigner } from '../../../node/p2p/envelope.ts';
import { LivenessMonitor } from '../../../node/sequencer/liveness.ts';
import { HostObserver } from '../../../node/sequencer/observer.ts';
import { dialAsPeer, type RawPeerLink } from '../../support/peer-client.ts';
import { devWallet, hostKey, L2_CHAIN_ID, startTestHost, until, type TestHost } from './harness.ts';

/**
 * A member of the peer set that lies: it claims head 2^64-1 and answers no request. One follower host (its elected
 * sequencer is a host that never runs) listens to it.
 */
const LIAR = new NodeKey(hostKey(7));
const ABSENT_SEQUENCER = devWallet(120).address.toLowerCase() as Hex;
const FORGED_HEAD = { type: 'head', number: '0xffffffffffffffff', hash: `0x${'11'.repeat(32)}` };

let follower: TestHost;
let liar: RawPeerLink;
const asked: string[] = [];

beforeAll(async () => {
  follower = await startTestHost({
    nodeKey: hostKey(1),
    sequencer: { mode: 'static', address: ABSENT_SEQUENCER },
    peer: { port: 0, peers: [{ address: LIAR.address, url: 'ws://127.0.0.1:1' }] },
  });
  liar = await dialAsPeer(follower.host.peerUrl, new EnvelopeSigner(LIAR, L2_CHAIN_ID.toString()), L2_CHAIN_ID.toString(), follower.host.address);
  liar.ws.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"type":"get"')) asked.push(text);
  });
});
afterAll(async () => {
  liar?.ws.close();
  await follower?.stop();
});

const epoch: Epoch = { number: 3, firstBlock: 1, lastBlock: 100, sequencer: ABSENT_SEQUENCER, seed: '0x00', reason: 'epoch', startedAtHeight: 1 };
const received = () => follower.host.network.status().find((peer) => peer.address === LIAR.address)?.received ?? 0;

describe('claimed heads are hints, never proof of height', () => {
  it('a forged head 2^64-1 does not stop a dead verdict on a silent sequencer', async () => {
    let now = 1_000_000;
    const observer = new HostObserver({ l1: { l1Events: () => null }, punished: () => new Set(), liveness: new LivenessMonitor({ now: () => now }) });
    observer.attach(follower.host);
    const before = received();
    liar.send('blocks', FORGED_HEAD);
    await until(() => received() > before, 'the forged head');
    // The claim is a catch-up hint (the follower asks the liar for the blocks), nothing more.
    await until(() => asked.length >= 1, 'a get sent to the liar');
    expect(follower.host.replicator.highestSeen).toBe(2n ** 64n - 1n);
    expect(follower.host.replicator.highestSealed).toBe(follower.host.heads.latest);
    expect(observer.livenessVerdict(epoch, { livenessTimeoutMs: 3_000, triggered: false })).toBe('alive');
    now += 10_000;
    expect(observer.livenessVerdict(epoch, { livenessTimeoutMs: 3_000, triggered: false })).toBe('dead');
    observer.close();
  });

  it('a peer that claims heights it does not deliver is counted and its claims ignored; eth_syncing settles', async () => {
    const { replicator } = follower.host;
    // No blocks come back within the request timeout: the claim is dropped and the liar counted.
    await until(() => replicator.unfulfilledClaims === 1, 'the liar counted', 15_000);
    expect(replicator.highestSeen).toBe(follower.host.heads.latest);
    const syncing = await fetch(follower.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_syncing', params: [] }) });
    expect(((await syncing.json()) as { result: unknown }).result).toBe(false);

    // While in back-off, a repeated claim is ignored: no new request, no new target.
    const [before, askedBefore] = [received(), asked.length];
    liar.send('blocks', FORGED_HEAD);
    await until(() => received() > before, 'the second forged head');
    expect(replicator.highestSeen).toBe(follower.host.heads.latest);
    expect(asked.length).toBe(askedBefore);
  });
});
