import { readFile, stat, copyFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { JsonRpcProvider, HDNodeWallet, recoverAddress, verifyTypedData, getAddress, keccak256, toUtf8Bytes, id } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { deployL1 } from '../../../node/l1/deploy.ts';
import { BATCH_TYPES, batchChainDomain, batchDigest, type BatchHeader } from '../../../node/l1/typed-data.ts';
import { sealEnvelope, type MpcEnvelope } from '../../../node/mpc/envelope.ts';
import { MpcInputError, MpcSessionError, ShareDecryptionError } from '../../../node/mpc/errors.ts';
import { NodeSigner } from '../../../node/mpc/identity.ts';
import { ShareStore } from '../../../node/mpc/share-store.ts';
import type { MpcTransport } from '../../../node/mpc/transport.ts';
import { DEV_MNEMONIC, startTestL1 } from '../../support/l1.ts';
import { Cluster, NETWORK, addressOf, nodeKey, type Node } from './cluster.ts';

const digestOf = (text: string) => keccak256(toUtf8Bytes(text));

let cluster: Cluster;
let mpcAddress: string;
const ABCD = ['A', 'B', 'C', 'D'];

/** Sends raw text to a node's MPC port, as any process on the machine could. */
async function sendRaw(node: Node, messages: string[]): Promise<void> {
  const ws = new WebSocket(node.transport.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (const m of messages) ws.send(m);
  await new Promise((r) => setTimeout(r, 100));
  ws.close();
}

function signAll(labels: string[], session: string, digest: string, signers: string[] = cluster.addresses(labels)) {
  const addrs = signers;
  return Promise.all(labels.map((l) => cluster.get(l).party.sign(session, digest, 'batch', addrs)));
}

beforeAll(async () => {
  cluster = await Cluster.create();
  for (const label of ABCD) await cluster.start(label);
  const parties = cluster.addresses(ABCD);
  const keys = await Promise.all(ABCD.map((l) => cluster.get(l).party.keygen('genesis', parties, 3)));
  mpcAddress = keys[0]?.address as string;
});

afterAll(async () => {
  await cluster?.close();
});

describe('MPC key generation on loopback WebSockets', () => {
  it('gives all four the same group address and stores each share encrypted, 0600', async () => {
    const keys = ABCD.map((l) => cluster.get(l).party.key);
    expect(new Set(keys.map((k) => k?.address)).size).toBe(1);
    expect(keys.every((k) => k?.threshold === 3 && k.generation === 0 && k.parties.length === 4)).toBe(true);
    const store = new ShareStore(cluster.dir, cluster.get('A').address, Buffer.alloc(32, 7));
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    const onDisk = await readFile(store.path, 'utf8');
    const plain = JSON.parse(((await store.load()) as Buffer).toString()) as { share: string };
    const secret = (JSON.parse(plain.share) as { secret: string }).secret;
    expect(onDisk).not.toContain(secret);
    expect(onDisk).not.toContain('participants');
  });

  it('refuses bad keygen inputs before sending anything', async () => {
    const a = cluster.get('A').party;
    await expect(a.keygen('again', cluster.addresses(ABCD), 5)).rejects.toBeInstanceOf(MpcInputError);
    await expect(a.keygen('bad session id!', cluster.addresses(ABCD), 3)).rejects.toBeInstanceOf(MpcInputError);
    await expect(a.keygen('x', cluster.addresses(['B', 'C', 'D']), 2)).rejects.toThrow(/not a party/);
    await expect(a.sign('y', '0x1234', 'batch', cluster.addresses(ABCD))).rejects.toThrow(/32 bytes/);
    await expect(a.sign('y', digestOf('x'), 'batch', cluster.addresses(['A', 'B']))).rejects.toThrow(/fewer than the threshold 3/);
  });
});

describe('MPC signing', () => {
  it('signs an EIP-712 batch that ecrecovers to the MPC address and that BatchChain on L1 accepts', async () => {
    const l1 = await startTestL1();
    const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    provider.pollingInterval = 20;
    try {
      const runner = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider);
      const l1d = await deployL1({ runner, mpc: mpcAddress });
      const domain = batchChainDomain(l1d.chainId, l1d.addresses.batchChain);
      const batch: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 10n, txRoot: id('txs'), stateRoot: id('state'), dataHash: id('data') };
      const digest = batchDigest(domain, batch);
      const results = await signAll(ABCD, 'batch-0', digest);
      const sig = results[0];
      expect(results.every((r) => r.signature === sig?.signature)).toBe(true);
      expect(recoverAddress(digest, sig?.signature as string)).toBe(getAddress(mpcAddress));
      expect(verifyTypedData(domain, BATCH_TYPES, batch, sig?.signature as string)).toBe(getAddress(mpcAddress));
      expect(BigInt(sig?.s as string) <= 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n).toBe(true);
      expect(await l1d.lockingPool.mpcAddress()).toBe(getAddress(mpcAddress));
      const receipt = await (await l1d.batchChain.appendBatch(batch, sig?.signature as string)).wait();
      expect(receipt?.status).toBe(1);
      expect(await l1d.batchChain.batchCount()).toBe(1n);
      // The same signature on other contents is refused by the contract.
      const forged = { ...batch, index: 1n, firstBlock: 11n, lastBlock: 20n };
      await expect(l1d.batchChain.appendBatch(forged, sig?.signature as string)).rejects.toThrow();
    } finally {
      provider.destroy();
      await l1.stop();
    }
  });

  it('uses pooled presignatures for a one-round signature, each exactly once, then falls back to the cold path', async () => {
    const signers = cluster.addresses(['A', 'B', 'C']);
    const leader = [...signers].sort()[0];
    const leaderNode = [...cluster.nodes.values()].find((n) => n.address === leader) as Node;
    expect(await leaderNode.party.preparePresignatures(signers, 2)).toBe(2);
    // The invitees finish their side asynchronously.
    await expect.poll(() => ['A', 'B', 'C'].map((l) => cluster.get(l).party.pooled(signers)), { timeout: 30_000 }).toEqual([2, 2, 2]);
    const first = await signAll(['A', 'B', 'C'], 'pooled-1', digestOf('one'));
    expect(first.every((r) => r.pooled)).toBe(true);
    expect(['A', 'B', 'C'].map((l) => cluster.get(l).party.pooled(signers))).toEqual([1, 1, 1]);
    const second = await signAll(['A', 'B', 'C'], 'pooled-2', digestOf('two'));
    expect(second.every((r) => r.pooled)).toBe(true);
    expect(second[0]?.r).not.toBe(first[0]?.r);
    const third = await signAll(['A', 'B', 'C'], 'pooled-3', digestOf('three'));
    expect(third.every((r) => !r.pooled)).toBe(true);
    for (const [text, r] of [['one', first[0]], ['two', second[0]], ['three', third[0]]] as const) {
      expect(recoverAddress(digestOf(text), r?.signature as string)).toBe(getAddress(mpcAddress));
    }
  });

  it('refuses to sign when the signers disagree on the digest, and reports who differs', async () => {
    const addrs = cluster.addresses(['A', 'B', 'C']);
    const runs = await Promise.allSettled([
      cluster.get('A').party.sign('split', digestOf('honest'), 'batch', addrs),
      cluster.get('B').party.sign('split', digestOf('honest'), 'batch', addrs),
      cluster.get('C').party.sign('split', digestOf('other'), 'batch', addrs),
    ]);
    expect(runs.every((r) => r.status === 'rejected')).toBe(true);
    expect(cluster.get('A').faults).toContainEqual(expect.objectContaining({ party: cluster.get('C').address, reason: 'digest-mismatch' }));
  });
});

describe('hostile input', () => {
  it('drops forged, unsigned, re-sessioned, unknown-party and garbage envelopes and keeps working', async () => {
    const a = cluster.get('A');
    const b = cluster.get('B');
    const before = a.party.stats().dropped;
    const bSigner = new NodeSigner(b.key);
    const stranger = new NodeSigner(nodeKey('stranger'));
    const valid = sealEnvelope(bSigner, NETWORK, { session: 'sign:x:0:y', seq: 1, payload: { t: 'h', hello: {} } });
    const parsed = JSON.parse(valid) as MpcEnvelope;
    const forged = JSON.stringify({ ...JSON.parse(sealEnvelope(stranger, NETWORK, { session: 'sign:x:0:y', seq: 1, payload: { t: 'h', hello: {} } })), from: b.address });
    const unsigned = JSON.stringify({ ...parsed, sig: undefined });
    const resessioned = JSON.stringify({ ...parsed, session: 'sign:other:0:y' });
    const otherNetwork = sealEnvelope(bSigner, '1', { session: 'sign:x:0:y', seq: 2, payload: { t: 'h', hello: {} } });
    const unknown = sealEnvelope(stranger, NETWORK, { session: 'sign:x:0:y', seq: 1, payload: { t: 'h', hello: {} } });
    const finished = sealEnvelope(bSigner, NETWORK, { session: 'keygen:genesis', seq: 99, payload: { t: 'p', stage: 'kg', m: ['AAAA'] } });
    const misaddressed = sealEnvelope(bSigner, NETWORK, { session: 'sign:x:0:y', seq: 3, to: cluster.get('C').address, payload: { t: 'h', hello: {} } });
    await sendRaw(a, [forged, unsigned, resessioned, otherNetwork, unknown, finished, misaddressed, 'not json', '{"channel":"mpc"}', JSON.stringify({ ...parsed, payload: { t: 'zz' } })]);
    const after = a.party.stats().dropped;
    expect(after['bad-signature'] - before['bad-signature']).toBe(4);
    expect(after['unknown-party'] - before['unknown-party']).toBe(1);
    expect(after['wrong-session'] - before['wrong-session']).toBe(1);
    expect(after.misaddressed - before.misaddressed).toBe(1);
    expect(after.malformed - before.malformed).toBe(2);
    expect(after['bad-payload'] - before['bad-payload']).toBe(1);
    const sigs = await signAll(['A', 'B', 'C'], 'after-garbage', digestOf('still alive'));
    expect(recoverAddress(digestOf('still alive'), sigs[0]?.signature as string)).toBe(getAddress(mpcAddress));
  });

  it('drops a replayed envelope inside a live session without disturbing it', async () => {
    const a = cluster.get('A');
    const b = cluster.get('B');
    const captured: string[] = [];
    const original = b.transport.send.bind(b.transport);
    b.transport.send = (to, message) => {
      if (to === a.address) captured.push(message);
      original(to, message);
    };
    const addrs = cluster.addresses(['A', 'B', 'C']);
    const before = a.party.stats().dropped.replay;
    const pa = a.party.sign('replayed', digestOf('r'), 'batch', addrs);
    const pb = b.party.sign('replayed', digestOf('r'), 'batch', addrs);
    await expect.poll(() => captured.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await sendRaw(a, [captured[0] as string]);
    const pc = cluster.get('C').party.sign('replayed', digestOf('r'), 'batch', addrs);
    const results = await Promise.all([pa, pb, pc]);
    b.transport.send = original;
    expect(a.party.stats().dropped.replay - before).toBe(1);
    expect(recoverAddress(digestOf('r'), results[0].signature)).toBe(getAddress(mpcAddress));
  });
});

describe('faults and restarts', () => {
  it('signs with 3 of 4 when one party is offline, and reports the silent one', async () => {
    const all = cluster.addresses(ABCD);
    await cluster.stop('D');
    const d = addressOf(nodeKey('D'));
    const results = await signAll(['A', 'B', 'C'], 'offline-d', digestOf('without d'), all);
    expect(results[0]?.signers).toEqual(cluster.addresses(['A', 'B', 'C']).sort());
    expect(recoverAddress(digestOf('without d'), results[0]?.signature as string)).toBe(getAddress(mpcAddress));
    expect(cluster.get('A').faults).toContainEqual(expect.objectContaining({ party: d, reason: 'timeout' }));
  });

  it('a restarted party reloads its encrypted share and signs again; a wrong key is a clear error', async () => {
    await expect(cluster.start('D', { shareKey: Buffer.alloc(32, 8) })).rejects.toBeInstanceOf(ShareDecryptionError);
    const d = await cluster.start('D');
    expect(d.party.key?.address).toBe(mpcAddress);
    const results = await signAll(['A', 'B', 'D'], 'restarted-d', digestOf('with d again'));
    expect(recoverAddress(digestOf('with d again'), results[0]?.signature as string)).toBe(getAddress(mpcAddress));
  });

  it('excludes a party that sends garbage; the retry without it succeeds', async () => {
    await cluster.stop('C');
    const garbling = (inner: MpcTransport, key: string): MpcTransport => {
      const signer = new NodeSigner(key);
      return {
        send(to, message) {
          const e = JSON.parse(message) as MpcEnvelope;
          if (e.payload.t !== 'p') return inner.send(to, message);
          const payload = { ...e.payload, m: e.payload.m.map(() => randomBytes(120).toString('base64')) };
          inner.send(to, sealEnvelope(signer, NETWORK, { session: e.session, seq: e.seq, payload, ...(e.to ? { to: e.to } : {}) }));
        },
        broadcast: (m) => inner.broadcast(m),
        onMessage: (h) => inner.onMessage(h),
        close: () => inner.close(),
      };
    };
    const c = await cluster.start('C', { wrap: garbling });
    const all = cluster.addresses(ABCD);
    const garbler = c.party.sign('garbled', digestOf('g'), 'batch', all).then(
      () => 'signed',
      (error: unknown) => error,
    );
    const honest = await Promise.all(['A', 'B', 'D'].map((l) => cluster.get(l).party.sign('garbled', digestOf('g'), 'batch', all)));
    const sig = honest[0] as { signature: string; signers: string[] };
    expect(honest.every((r) => r.signature === sig.signature)).toBe(true);
    expect(sig.signers).not.toContain(c.address);
    expect(recoverAddress(digestOf('g'), sig.signature)).toBe(getAddress(mpcAddress));
    expect(cluster.get('A').faults).toContainEqual(expect.objectContaining({ party: c.address, reason: 'malformed' }));
    // The garbler is left waiting alone; stopping it ends its session with an error, not a signature.
    await cluster.stop('C');
    expect(await garbler).toBeInstanceOf(MpcSessionError);
    await cluster.start('C');
  });
});

describe('resharing on join and exit', () => {
  it('keeps the address from {A,B,C,D} to {A..E} to {B,C,D,E}; A leaves and its old share is useless', async () => {
    const aStore = new ShareStore(cluster.dir, cluster.get('A').address, Buffer.alloc(32, 7));
    const oldShareCopy = `${aStore.path}.old`;
    await copyFile(aStore.path, oldShareCopy);

    await cluster.start('E');
    const withE = ['A', 'B', 'C', 'D', 'E'];
    const joined = await Promise.all(withE.map((l) => cluster.get(l).party.reshare('join-e', cluster.addresses(ABCD), cluster.addresses(withE), 4)));
    expect(joined.every((k) => k?.address === mpcAddress && k.generation === 1 && k.threshold === 4)).toBe(true);
    const s1 = await signAll(['B', 'C', 'D', 'E'], 'after-join', digestOf('join'));
    expect(recoverAddress(digestOf('join'), s1[0]?.signature as string)).toBe(getAddress(mpcAddress));

    const withoutA = ['B', 'C', 'D', 'E'];
    const left = await Promise.all(withE.map((l) => cluster.get(l).party.reshare('exit-a', cluster.addresses(withE), cluster.addresses(withoutA), 3)));
    expect(left[0]).toBeNull();
    // The leaver keeps its share until the new generation is confirmed, then retires it.
    expect(cluster.get('A').party.key?.generation).toBe(1);
    await cluster.get('A').party.retire();
    expect(cluster.get('A').party.key).toBeNull();
    await expect(stat(aStore.path)).rejects.toThrow(/ENOENT/);
    expect(left.slice(1).every((k) => k?.address === mpcAddress && k.generation === 2 && k.threshold === 3)).toBe(true);
    const s2 = await signAll(['C', 'D', 'E'], 'after-exit', digestOf('exit'));
    expect(recoverAddress(digestOf('exit'), s2[0]?.signature as string)).toBe(getAddress(mpcAddress));

    // A comes back with its pre-reshare share: the new holders refuse it, and A alone gets nowhere.
    await cluster.stop('A');
    await copyFile(oldShareCopy, aStore.path);
    const a = await cluster.start('A');
    expect(a.party.key?.generation).toBe(0);
    const trio = cluster.addresses(['A', 'B', 'C']);
    const runs = await Promise.allSettled([
      a.party.sign('old-share', digestOf('stale'), 'batch', trio),
      cluster.get('B').party.sign('old-share', digestOf('stale'), 'batch', trio),
      cluster.get('C').party.sign('old-share', digestOf('stale'), 'batch', trio),
    ]);
    expect((runs[1] as PromiseRejectedResult).reason).toBeInstanceOf(MpcInputError);
    expect((runs[2] as PromiseRejectedResult).reason).toBeInstanceOf(MpcInputError);
    expect((runs[0] as PromiseRejectedResult).reason).toBeInstanceOf(MpcSessionError);
  });
});
