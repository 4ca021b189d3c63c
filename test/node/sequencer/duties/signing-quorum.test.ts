/**
 * The duty runner's signing rules with real MPC parties (test/node/mpc/cluster.ts) and one real native chain as every
 * host's replica; the consensus layer's MPC state is a hand-made snapshot, so stake and the attested safe head
 * can be set per case. Reports the runners send are recorded instead of submitted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, parseUnits, recoverAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatchData } from '../../../../node/host/batcher/batch-data.ts';
import { nativeMerkle } from '../../../../node/host/batcher/merkle.ts';
import type { ExecutionEngine } from '../../../../node/host/engine/engine.ts';
import { Heads } from '../../../../node/host/engine/heads.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../../node/host/engine/native-engine.ts';
import type { Address } from '../../../../protocol/consensus/types.ts';
import type { MpcSessionView } from '../../../../protocol/consensus/query.ts';
import { batchChainDomain, batchDigest, type BatchHeader } from '../../../../node/l1/typed-data.ts';
import { MpcInputError, MpcSessionError } from '../../../../node/mpc/errors.ts';
import { batchRef } from '../../../../node/sequencer/duties/batch-check.ts';
import { DEFAULT_TIMING, replicaOf } from '../../../../node/sequencer/duties/context.ts';
import type { LockingPoolRelay } from '../../../../node/sequencer/duties/locking-pool-relay.ts';
import { DutyRunner } from '../../../../node/sequencer/duties/runner.ts';
import type { MpcSnapshot } from '../../../../node/sequencer/duties/session-feed.ts';
import { stakeQuorum } from '../../../../node/sequencer/duties/stake-quorum.ts';
import { devWallet, testGenesis } from '../../host/harness.ts';
import { Cluster } from '../../mpc/cluster.ts';

const ABCD = ['A', 'B', 'C', 'D'];
const DOMAIN = batchChainDomain(31337n, '0x00000000000000000000000000000000000bc001');
const ZERO = `0x${'00'.repeat(32)}` as Hex;

let cluster: Cluster;
let dir: string;
let engine: ExecutionEngine;
let mpcAddress: Address;
let parties: Address[];
let nextSession = 1;

beforeAll(async () => {
  cluster = await Cluster.create({ hello: 1_500 });
  for (const label of ABCD) await cluster.start(label);
  parties = cluster.addresses(ABCD).sort() as Address[];
  const keys = await Promise.all(ABCD.map((label) => cluster.get(label).party.keygen('genesis', parties, 3)));
  mpcAddress = keys[0]!.address as Address;
  dir = await mkdtemp(join(tmpdir(), 'duties-quorum-'));
  engine = openNativeEngine(join(dir, 'chain'), testGenesis());
  const raw = await devWallet(1).signTransaction({ type: 2, chainId: 901n, nonce: 0, to: devWallet(9).address, value: 1n, gasLimit: 21_000n, maxFeePerGas: parseUnits('3', 'gwei'), maxPriorityFeePerGas: 1n });
  await engine.executeBlock({ number: 1n, timestamp: BigInt(Math.floor(Date.now() / 1000)), beneficiary: devWallet(8).address.toLowerCase() as Hex, gasLimit: 0n }, [Buffer.from(raw.slice(2), 'hex')]);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The batcher's request for block 1 (index 0), as a pending session of `participants`. */
async function batchSession(participants: Address[]): Promise<MpcSessionView> {
  const sealed = engine.sealedBlock(1n)!;
  const { dataHash } = await encodeBatchData([{ number: sealed.env.number, timestamp: sealed.env.timestamp, beneficiary: sealed.env.beneficiary, gasLimit: sealed.env.gasLimit, transactions: sealed.transactions }]);
  const header: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 1n, txRoot: sealed.transactions.length ? nativeMerkle.root(sealed.transactions.map((tx) => keccak256(tx) as Hex)) : ZERO, stateRoot: sealed.stateRoot, dataHash };
  const digest = batchDigest(DOMAIN, header).toLowerCase();
  const id = nextSession++;
  return {
    id,
    kind: 'sign',
    purpose: 'batch',
    status: 'pending',
    participants: [...participants].sort(),
    request: { purpose: 'batch', ref: batchRef(0n, digest), fromBlock: 1, toBlock: 1, digest, requester: parties[0], mpcAddress },
    result: null,
    height: id,
  };
}

type Report = { from: Address; sessionId: number; status: string; reason?: string; result?: { signature?: string } };

/** One runner per listed host, all over the same snapshot; resolves with every report once each host sent one. */
async function run(snapshot: MpcSnapshot, hosts: string[], safe: bigint = engine.latestNumber()): Promise<Report[]> {
  const reports: Report[] = [];
  const heads = new Heads(engine.latestNumber(), safe);
  const runners = hosts.map((label) => {
    const node = cluster.get(label);
    const runner = new DutyRunner({
      address: node.address as Address,
      mpc: node.party,
      submitTx: async (_type, payload) => {
        reports.push({ from: node.address as Address, ...(payload as Omit<Report, 'from'>) });
        return { hash: '0x', code: 0, log: '' };
      },
      replica: replicaOf(engine, heads),
      relay: {} as LockingPoolRelay,
      batchDomain: async () => DOMAIN,
      latest: () => snapshot,
      timing: { ...DEFAULT_TIMING, pollMs: 50, replicaWaitMs: 300, presignatures: 0, resendMs: 60_000 },
      log: () => undefined,
    });
    runner.setChainId(`quorum-${snapshot.sessions[0]!.id}`, 901);
    return runner;
  });
  for (const runner of runners) runner.handle(snapshot);
  const expected = snapshot.sessions[0]!.participants.filter((party) => hosts.some((label) => cluster.get(label).address === party)).length;
  for (let waited = 0; reports.length < expected && waited < 40_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  await Promise.all(runners.map((runner) => runner.stop(100)));
  return reports;
}

const snapshotOf = (session: MpcSessionView, power: number[], l2Safe: MpcSnapshot['l2Safe'] = { number: 1, hash: engine.sealedBlock(1n)!.hash }): MpcSnapshot => ({
  address: mpcAddress,
  threshold: 3,
  parties,
  l2Safe,
  power: Object.fromEntries(parties.map((party, index) => [party, power[index]!])),
  sessions: [session],
});

describe('MPC batch signing by the duty runner', () => {
  it('signs a safe batch the consensus layer attested, with all four holders', async () => {
    const session = await batchSession(parties);
    const reports = await run(snapshotOf(session, [30, 25, 25, 20]), ABCD);
    expect(reports.map((report) => report.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(new Set(reports.map((report) => report.result!.signature)).size).toBe(1);
    expect(recoverAddress(session.request.digest as string, reports[0]!.result!.signature!).toLowerCase()).toBe(mpcAddress);
  });

  it('does not sign a batch containing a block beyond the safe head (its own or the consensus layer\'s)', async () => {
    const ownUnsafe = await run(snapshotOf(await batchSession(parties), [30, 25, 25, 20]), ABCD, 0n);
    expect(ownUnsafe.map((report) => report.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(ownUnsafe[0]!.reason).toBe("block 1 is beyond this host's safe head 0");
    const consensusBehind = await run(snapshotOf(await batchSession(parties), [30, 25, 25, 20], { number: 0, hash: ZERO }), ABCD);
    expect(consensusBehind.map((report) => report.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(consensusBehind[0]!.reason).toBe('block 1 is beyond the consensus safe head 0');
    expect([...ownUnsafe, ...consensusBehind].some((report) => report.result?.signature)).toBe(false);
  });

  it('refuses a batch whose last block is not the consensus layer\'s safe hash', async () => {
    const other = `0x${'ab'.repeat(32)}` as Hex;
    const reports = await run(snapshotOf(await batchSession(parties), [30, 25, 25, 20], { number: 1, hash: other }), ABCD);
    expect(reports.map((report) => report.status)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(reports[0]!.reason).toMatch(/^replica block 1 is 0x[0-9a-f]{10}…, the consensus safe hash is 0xababababab…$/);
  });

  it('t parties holding no more than 2/3 of the stake do not sign, though they meet the 3-of-4 threshold', async () => {
    // The lowest address holds half the stake; the other three are the key's threshold but only 50%.
    const minority = parties.slice(1);
    const reports = await run(snapshotOf(await batchSession(minority), [50, 20, 15, 15]), ABCD);
    expect(reports).toHaveLength(3);
    for (const report of reports) expect(report).toMatchObject({ status: 'failed', reason: 'the signers hold 50 of 100 stake; more than 2/3 is needed' });
  });

  it('a signing set that loses a silent party is not retried below 2/3 of the stake', async () => {
    // All four hold 100%; the heaviest (40%) never answers, and the three left hold 60%.
    const silent = ABCD.find((label) => cluster.get(label).address === parties[3])!;
    const reports = await run(snapshotOf(await batchSession(parties), [20, 20, 20, 40]), ABCD.filter((label) => label !== silent));
    expect(reports).toHaveLength(3);
    for (const report of reports) expect(report.status).toBe('failed');
    expect(reports.some((report) => report.result?.signature)).toBe(false);
  });

  it('MpcParty.sign enforces the quorum it is given, before and between attempts', async () => {
    const quorum = stakeQuorum(Object.fromEntries(parties.map((party, index) => [party, [50, 20, 15, 15][index]!])));
    const digest = `0x${'11'.repeat(32)}`;
    const node = ABCD.find((label) => cluster.get(label).address === parties[1])!;
    await expect(cluster.get(node).party.sign('quorum-direct', digest, 'batch', parties.slice(1), quorum)).rejects.toBeInstanceOf(MpcInputError);
    // Without the lowest address (it stays silent), the first attempt fails on it and no smaller set is tried.
    const signers = ABCD.filter((label) => cluster.get(label).address !== parties[0]);
    const attempts = await Promise.allSettled(signers.map((label) => cluster.get(label).party.sign('quorum-retry', digest, 'batch', parties, quorum)));
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(MpcSessionError);
    }
  });
});
