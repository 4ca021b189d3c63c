import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress, keccak256, recoverAddress, toUtf8Bytes } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeKey } from '../../../node/identity/node-key.ts';
import { MpcParty } from '../../../node/mpc/party.ts';
import { peerPortTransport } from '../../../node/mpc/peer-transport.ts';
import { ShareStore } from '../../../node/mpc/share-store.ts';
import { EnvelopeSigner } from '../../../node/p2p/envelope.ts';
import { PeerNetwork, type PeerEndpoint } from '../../../node/p2p/peer-network.ts';
import { nodeKey } from './cluster.ts';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

describe('MPC over the host peer port', () => {
  it('runs keygen and a signature as the mpc channel of PeerNetwork', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-peer-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const endpoints: PeerEndpoint[] = [];
    const hosts: Array<{ net: PeerNetwork; party: MpcParty }> = [];
    for (const label of ['P', 'Q', 'R']) {
      const key = nodeKey(label);
      const nodeKeyObj = new NodeKey(key as `0x${string}`);
      const net = new PeerNetwork({ host: '127.0.0.1', port: 0, network: '59902', signer: new EnvelopeSigner(nodeKeyObj, '59902'), peers: () => endpoints });
      await net.start();
      cleanup.push(() => net.close());
      endpoints.push({ address: nodeKeyObj.address, url: `ws://127.0.0.1:${net.port}` });
      const party = await MpcParty.open({
        nodeKey: key,
        transport: peerPortTransport(net),
        store: new ShareStore(dir, nodeKeyObj.address, Buffer.alloc(32, 3)),
        network: '59902',
        timeouts: { hello: 3_000 },
      });
      cleanup.push(() => party.close());
      hosts.push({ net, party });
    }
    const addresses = endpoints.map((e) => e.address);
    await expect.poll(() => hosts.every((h) => h.net.connectedPeers().length === 2), { timeout: 5_000 }).toBe(true);
    const keys = await Promise.all(hosts.map((h) => h.party.keygen('peer-port', addresses, 3)));
    expect(new Set(keys.map((k) => k.address)).size).toBe(1);
    const digest = keccak256(toUtf8Bytes('over the peer port'));
    const sigs = await Promise.all(hosts.map((h) => h.party.sign('pp-1', digest, 'batch', addresses)));
    expect(recoverAddress(digest, sigs[0]?.signature as string)).toBe(getAddress(keys[0]?.address as string));
  });
});
