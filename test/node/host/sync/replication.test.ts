import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBlock } from '../../../../node/identity/block-seal.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { NodeKey } from '../../../../node/identity/node-key.ts';
import { EnvelopeSigner } from '../../../../node/p2p/envelope.ts';
import type { PeerEndpoint } from '../../../../node/p2p/peer-network.ts';
import { toWire } from '../../../../node/host/sync/wire.ts';
import { dialAsPeer } from '../../../support/peer-client.ts';
import { freePort } from '../../../support/ports.ts';
import { devWallet, hostKey, L2_CHAIN_ID, startTestHost, until, type TestHost } from '../harness.ts';

const keys = [0, 1, 2].map(hostKey);
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
let peers: PeerEndpoint[] = [];
const hosts: TestHost[] = [];

async function start(i: number): Promise<TestHost> {
  const t = await startTestHost({
    nodeKey: keys[i],
    peer: { port: Number(new URL(peers[i]!.url).port), peers },
    sequencer: { mode: 'static', address: addresses[0]! },
  });
  hosts[i] = t;
  return t;
}

beforeAll(async () => {
  const ports = await Promise.all(keys.map(() => freePort()));
  peers = addresses.map((address, i) => ({ address, url: `ws://127.0.0.1:${ports[i]}` }));
  await start(0);
  await start(1);
});

afterAll(async () => {
  for (const t of hosts) await t?.stop();
});

describe('replication between hosts (real native re-execution)', () => {
  it('followers re-execute every block to the same hash and state, and refuse transactions', async () => {
    const [leader, follower] = [hosts[0]!.host, hosts[1]!.host];
    const provider = new JsonRpcProvider(leader.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const receipt = await (await devWallet(5).connect(provider).sendTransaction({ to: devWallet(6).address, value: parseEther('3') })).wait();
    await until(() => follower.heads.latest >= BigInt(receipt!.blockNumber), 'the follower to apply the block');
    expect(follower.engine.getBlockByNumber(BigInt(receipt!.blockNumber))!.hash).toBe(receipt!.blockHash);
    expect(follower.engine.getReceipt(receipt!.hash as Hex)!.status).toBe('0x1');
    expect(follower.engine.getAccount(devWallet(6).address.toLowerCase() as Hex, follower.heads.latest).balance).toBe(parseEther('1000003'));
    // Only the elected sequencer takes transactions: -32003 names it.
    const signed = await devWallet(5).signTransaction({ to: devWallet(6).address, value: 1n, nonce: 1, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 });
    const res = await fetch(follower.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [signed] }) });
    expect(((await res.json()) as any).error).toMatchObject({ code: -32003, message: expect.stringContaining(addresses[0]!) });
    expect(follower.pool.size).toBe(0);
    provider.destroy();
  });

  it('safe needs more than 2/3 of the hosts: with 2 of 3 up it stalls, with the third back it moves', async () => {
    const leader = hosts[0]!.host;
    const provider = new JsonRpcProvider(leader.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const stalledAt = leader.heads.safe;
    const receipt = await (await devWallet(7).connect(provider).sendTransaction({ to: devWallet(6).address, value: 1n })).wait();
    await new Promise((r) => setTimeout(r, 300));
    expect(leader.heads.latest).toBeGreaterThanOrEqual(BigInt(receipt!.blockNumber));
    expect(leader.heads.safe).toBe(stalledAt);
    // A late host catches up from genesis over get-range requests, then its acks make the head safe.
    const late = (await start(2)).host;
    await until(() => late.heads.latest >= BigInt(receipt!.blockNumber), 'the late host to catch up');
    expect(late.engine.getBlockByNumber(BigInt(receipt!.blockNumber))!.hash).toBe(receipt!.blockHash);
    await until(() => leader.heads.safe >= BigInt(receipt!.blockNumber), 'the safe head to move');
    provider.destroy();
  });

  it('refuses a block sealed by a host that is not the elected sequencer', async () => {
    const follower = hosts[1]!.host;
    const leader = hosts[0]!.host;
    const before = { latest: follower.heads.latest, refused: follower.replicator.refused, evidence: follower.evidence.list().length };
    const sealed = leader.engine.sealedBlock(leader.heads.latest)!;
    const forged = { ...sealed, env: { ...sealed.env, number: follower.heads.latest + 1n } };
    await pushBlock(follower.peerUrl, follower.address, new NodeKey(keys[2]!), forged, sealBlock(new NodeKey(keys[2]!), L2_CHAIN_ID, forged.env.number, forged.hash));
    await until(() => follower.replicator.refused > before.refused, 'the refusal');
    expect(follower.heads.latest).toBeGreaterThanOrEqual(before.latest);
    expect(follower.evidence.list()).toHaveLength(before.evidence);
  });

  it('keeps two blocks sealed by the sequencer at one height as double-sign evidence and keeps its own', async () => {
    const follower = hosts[1]!.host;
    const sequencerKey = new NodeKey(keys[0]!);
    const height = follower.heads.latest;
    const ours = follower.engine.sealedBlock(height)!;
    const other = { ...ours, hash: `0x${'ab'.repeat(32)}` as Hex };
    await pushBlock(follower.peerUrl, follower.address, sequencerKey, other, sealBlock(sequencerKey, L2_CHAIN_ID, height, other.hash));
    const evidence = await until(() => follower.evidence.list().find((e) => e.l2Block === Number(height)), 'double-sign evidence');
    expect(evidence).toMatchObject({ kind: 'double-sign', sequencer: addresses[0], a: { hash: ours.hash }, b: { hash: other.hash } });
    expect(follower.engine.getBlockByNumber(height)!.hash).toBe(ours.hash);
  });
});

/** Speaks on the peer port as `key` (a member of the peer set): the handshake, then one block message. */
async function pushBlock(url: string, target: Hex, key: NodeKey, block: Parameters<typeof toWire>[0], seal: Hex): Promise<void> {
  const link = await dialAsPeer(url, new EnvelopeSigner(key, L2_CHAIN_ID.toString()), L2_CHAIN_ID.toString(), target);
  link.send('blocks', { type: 'block', block: toWire(block), seal });
  await new Promise((r) => setTimeout(r, 100));
  link.ws.close();
}
