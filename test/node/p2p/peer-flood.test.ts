import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../node/encoding/hex.ts';
import { NodeKey } from '../../../node/identity/node-key.ts';
import { EnvelopeSigner } from '../../../node/p2p/envelope.ts';
import type { PeerEndpoint } from '../../../node/p2p/peer-network.ts';
import { dialAsPeer, type RawPeerLink } from '../../support/peer-client.ts';
import { freePort } from '../../support/ports.ts';
import { devWallet, hostKey, L2_CHAIN_ID, OPERATOR_TOKEN, startTestHost, until, type TestHost } from '../host/harness.ts';

/** A leader, a follower with small peer budgets, and a member of the peer set that floods the follower. */
const keys = [0, 1, 2].map(hostKey);
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
const FLOODER = new NodeKey(keys[2]!);
const hosts: TestHost[] = [];
let flooder: RawPeerLink;

beforeAll(async () => {
  const ports = await Promise.all(keys.map(() => freePort()));
  const peers: PeerEndpoint[] = addresses.map((address, i) => ({ address, url: `ws://127.0.0.1:${i === 2 ? 1 : ports[i]}` }));
  for (const i of [0, 1]) {
    hosts[i] = await startTestHost({
      nodeKey: keys[i],
      peer: { port: ports[i]!, peers, limits: { messagesPerSecond: 100, messageBurst: 200 }, serveBlocksPerSecond: 64 },
      sequencer: { mode: 'static', address: addresses[0]! },
    });
  }
  await until(() => hosts[1]!.host.network.connectedPeers().includes(addresses[0]!), 'the leader–follower link');
  flooder = await dialAsPeer(hosts[1]!.host.peerUrl, new EnvelopeSigner(FLOODER, L2_CHAIN_ID.toString()), L2_CHAIN_ID.toString(), addresses[1]!);
});

afterAll(async () => {
  flooder?.ws.close();
  for (const t of hosts) await t?.stop();
});

describe('per-peer bounds on the peer port', () => {
  it('drops and counts a flooding peer\'s excess (messages, get work) while honest replication continues', async () => {
    const [leader, follower] = [hosts[0]!.host, hosts[1]!.host];
    for (let i = 0; i < 150; i++) flooder.send('blocks', { type: 'get', from: '0x1', to: '0x40' });
    for (let i = 0; i < 3000; i++) flooder.send('blocks', { type: 'head', number: '0x0', hash: `0x${'22'.repeat(32)}` });

    const provider = new JsonRpcProvider(leader.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const receipt = await (await devWallet(5).connect(provider).sendTransaction({ to: devWallet(6).address, value: 1n })).wait();
    await until(() => follower.heads.latest >= BigInt(receipt!.blockNumber), 'the follower to apply the block');
    expect(follower.engine.getBlockByNumber(BigInt(receipt!.blockNumber))!.hash).toBe(receipt!.blockHash);
    provider.destroy();

    const status = () => follower.network.status().find((peer) => peer.address === addresses[2])!;
    await until(() => status().received + status().dropped >= 3150, 'every flood message handled');
    expect(status().droppedBy.rate).toBeGreaterThan(2500);
    expect(follower.replicator.getsDropped).toBeGreaterThan(0);
    // Dropped, not disconnected; the leader's link was never charged.
    expect(status().connected).toBe(true);
    expect(follower.network.status().find((peer) => peer.address === addresses[0])!.droppedBy).toEqual({});
    const metrics = await (await fetch(`${follower.operatorUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).text();
    expect(metrics).toMatch(/l2_peer_dropped_total\{reason="rate"\} \d+/);
  });
});
