/**
 * A Byzantine key holder floods the others over their real MPC ports: thousands of presign invitations (it is
 * the lowest address, so the leader of every set it names), junk for sessions nobody opened, and junk for later
 * stages of the sessions it did get opened. The honest three still sign, and what each keeps stays bounded.
 */
import { getAddress, keccak256, recoverAddress, toUtf8Bytes } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sealEnvelope } from '../../../node/mpc/envelope.ts';
import { NodeSigner } from '../../../node/mpc/identity.ts';
import { DEFAULT_LIMITS, type MpcStats } from '../../../node/mpc/party.ts';
import { Cluster, NETWORK, type Node } from './cluster.ts';

const ABCD = ['A', 'B', 'C', 'D'];
const INVITATIONS = 2_000;
const JUNK_SESSIONS = 2_000;
const LATER_STAGE_JUNK = 3_000;

let cluster: Cluster;
let mpcAddress: string;
let flooder: Node;
let honest: Node[];

beforeAll(async () => {
  // A long hello timeout keeps the invited sessions open while the junk for their later stages arrives.
  cluster = await Cluster.create({ hello: 6_000 });
  for (const label of ABCD) await cluster.start(label);
  const parties = cluster.addresses(ABCD);
  const keys = await Promise.all(ABCD.map((label) => cluster.get(label).party.keygen('genesis', parties, 3)));
  mpcAddress = keys[0]!.address;
  const nodes = ABCD.map((label) => cluster.get(label)).sort((a, b) => (a.address < b.address ? -1 : 1));
  flooder = nodes[0]!;
  honest = nodes.slice(1);
  // The flooder's own party stays quiet: it never answers the sessions it opens elsewhere.
  await flooder.party.close();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

/** Sends every message on one socket to `node`'s MPC port, as the flooder's host would. */
async function flood(node: Node, messages: string[]): Promise<void> {
  const ws = new WebSocket(node.transport.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  for (const message of messages.slice(0, -1)) ws.send(message);
  await new Promise<void>((resolve) => ws.send(messages.at(-1)!, () => resolve()));
  ws.close();
}

const peak = (samples: MpcStats[], pick: (stats: MpcStats) => number) => Math.max(...samples.map(pick));

describe('a flooding key holder', () => {
  it('cannot open unbounded sessions or fill buffers; the honest three still sign', async () => {
    const signer = new NodeSigner(flooder.key);
    const everyone = [flooder.address, ...honest.map((node) => node.address)];
    const keyId = honest[0]!.party.key!.keyId;
    const seal = (session: string, seq: number, payload: Parameters<typeof sealEnvelope>[2]['payload']) => sealEnvelope(signer, NETWORK, { session, seq, payload });
    const messages: string[] = [];
    for (let i = 0; i < INVITATIONS; i++) {
      messages.push(seal(`presign:flood-${i}`, 1, { t: 'i', keyId, signers: everyone }));
      // Junk for a later stage of the invited session (only the first few invitations open one).
      if (i === 0) for (let seq = 2; seq < 2 + LATER_STAGE_JUNK; seq++) messages.push(seal('presign:flood-0', seq, { t: 'p', stage: `later-${seq}`, m: ['AAAA'] }));
    }
    const bulk = 'A'.repeat(16 * 1024);
    for (let i = 0; i < JUNK_SESSIONS; i++) messages.push(seal(`sign:junk-${i}:0:x`, 1, { t: 'p', stage: 'pre', m: [i % 4 === 0 ? bulk : 'AAAA'] }));

    const before = honest.map((node) => node.party.stats());
    const samples: MpcStats[][] = honest.map(() => []);
    const sample = () => {
      for (const [index, node] of honest.entries()) samples[index]!.push(node.party.stats());
    };
    const sampler = setInterval(sample, 10);
    try {
      await Promise.all(honest.map((node) => flood(node, messages)));
      // Wait until the flood has been taken in (the sure drops are counted) and the invited sessions timed out.
      const sureDrops = INVITATIONS - DEFAULT_LIMITS.invitedPerPeer + (LATER_STAGE_JUNK - DEFAULT_LIMITS.pendingPerSender.messages);
      await expect
        .poll(() => honest.every((node, index) => node.party.stats().dropped['peer-limit'] - before[index]!.dropped['peer-limit'] >= sureDrops && node.party.stats().invitedSessions === 0), { timeout: 60_000, interval: 100 })
        .toBe(true);
    } finally {
      clearInterval(sampler);
    }
    sample();

    const { invitedPerPeer, early, pendingPerSender } = DEFAULT_LIMITS;
    for (const [index, node] of honest.entries()) {
      const seen = samples[index]!;
      expect(peak(seen, (stats) => stats.invitedSessions)).toBeLessThanOrEqual(invitedPerPeer);
      expect(peak(seen, (stats) => stats.activeSessions)).toBeLessThanOrEqual(invitedPerPeer);
      expect(peak(seen, (stats) => stats.early.messages)).toBeLessThanOrEqual(early.perPeerMessages);
      expect(peak(seen, (stats) => stats.early.bytes)).toBeLessThanOrEqual(early.perPeerBytes);
      expect(peak(seen, (stats) => stats.queued.messages)).toBeLessThanOrEqual(pendingPerSender.messages);
      const dropped = node.party.stats().dropped['peer-limit'] - before[index]!.dropped['peer-limit'];
      // Invitations past the first few, junk sessions past the flooder's share, later-stage junk past its share.
      expect(dropped).toBeGreaterThanOrEqual(INVITATIONS - invitedPerPeer + (LATER_STAGE_JUNK - pendingPerSender.messages));
      expect(node.party.stats().early.bytes).toBeLessThanOrEqual(early.perPeerBytes);
    }

    const digest = keccak256(toUtf8Bytes('signed despite the flood'));
    const addresses = honest.map((node) => node.address);
    const signed = await Promise.all(honest.map((node) => node.party.sign('after-flood', digest, 'batch', addresses)));
    for (const result of signed) expect(recoverAddress(digest, result.signature)).toBe(getAddress(mpcAddress));
  });
});
