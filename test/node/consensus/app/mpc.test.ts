import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import { TxCode } from '../../../../protocol/consensus/errors.ts';
import { openSession, signersFor } from '../../../../node/consensus/app/mpc.ts';
import type { Address } from '../../../../protocol/consensus/types.ts';
import { registerCometKeyMessage } from '../../../../node/consensus/app/transactions.ts';
import { AppTxSigners, blockHash, METIS, signer } from '../support.ts';
import { SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
const CHAIN = 'sim-chain';
const MPC_ADDRESS = '0x00000000000000000000000000000000000a11ce';


function keygenDone(net: SimNet, senders: AppTxSigners): void {
  const keygen = net.state.mpc.sessions.find((session) => session.kind === 'keygen')!;
  net.block([0, 1, 2].map((index) => senders.tx(index, 'mpc-session-result', { sessionId: keygen.id, status: 'completed', result: { address: MPC_ADDRESS } })));
}

/** A network whose MPC key exists and whose L2 has a few agreed blocks; `requester` is the active sequencer's index. */
function withKeyAndBlocks(stakes = STAKES) {
  const net = new SimNet(stakes);
  const senders = new AppTxSigners(CHAIN);
  keygenDone(net, senders);
  net.produceL2(4);
  net.blocks(3);
  const active = currentEpoch(net.state).sequencer;
  const requester = stakes.findIndex((_, index) => signer(index).address.toLowerCase() === active);
  return { net, senders, active, requester };
}

describe('MPC orchestration', () => {
  it('asks for a keygen at genesis and records its result once >2/3 of the parties stake agree', () => {
    const net = new SimNet(STAKES);
    const senders = new AppTxSigners(CHAIN);
    const keygen = net.state.mpc.sessions[0]!;
    expect(keygen).toMatchObject({ kind: 'keygen', status: 'pending', request: { threshold: 3 } });
    expect(keygen.participants).toHaveLength(4);
    // 55% agree: not yet; a dissenting result does not count towards it.
    net.block([0, 1].map((index) => senders.tx(index, 'mpc-session-result', { sessionId: keygen.id, status: 'completed', result: { address: MPC_ADDRESS } })));
    net.block([senders.tx(3, 'mpc-session-result', { sessionId: keygen.id, status: 'completed', result: { address: '0x00000000000000000000000000000000000b0b00' } })]);
    expect(net.state.mpc.address).toBeNull();
    net.block([senders.tx(2, 'mpc-session-result', { sessionId: keygen.id, status: 'completed', result: { address: MPC_ADDRESS } })]);
    expect(net.state.mpc).toMatchObject({ address: MPC_ADDRESS, threshold: 3 });
    expect(net.state.mpc.parties).toHaveLength(4);
    // Reports on a closed session, from outsiders, or twice are refused.
    net.block([senders.tx(3, 'mpc-session-result', { sessionId: keygen.id, status: 'completed', result: { address: MPC_ADDRESS } })]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.invalid });
    net.block([senders.tx(5, 'mpc-session-result', { sessionId: keygen.id, status: 'failed' })]);
    expect(net.lastResult!.txResults[0]!.code).not.toBe(0);
  });

  it('reshares when a sequencer joins, keeping the address and moving to the new party set', () => {
    const net = new SimNet(STAKES);
    const senders = new AppTxSigners(CHAIN);
    keygenDone(net, senders);
    const joiner = signer(7).address.toLowerCase() as `0x${string}`;
    for (const observer of net.observers) {
      observer.l1 = { head: 3, events: [{ kind: 'locked', block: 3, logIndex: 0, txHash: blockHash(3), sequencerId: 8, signer: joiner, owner: joiner, total: (30_000n * METIS).toString() }] };
    }
    net.block();
    const secret = new Uint8Array(32).fill(3);
    const pubKey = Buffer.from(ed25519.getPublicKey(secret)).toString('base64');
    const proof = Buffer.from(ed25519.sign(new TextEncoder().encode(registerCometKeyMessage(CHAIN, joiner)), secret)).toString('base64');
    net.block([senders.tx(7, 'register-comet-key', { pubKey, proof })]);
    const reshare = net.state.mpc.sessions.find((session) => session.kind === 'reshare')!;
    expect(reshare.request).toMatchObject({ oldThreshold: 3, newThreshold: 4 });
    expect((reshare.request.newParties as string[]).includes(joiner)).toBe(true);
    expect(reshare.participants).toHaveLength(5);
    // A reshare that changes the address is refused.
    net.block([senders.tx(0, 'mpc-session-result', { sessionId: reshare.id, status: 'completed', result: { address: '0x00000000000000000000000000000000000b0b00' } })]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.invalid, log: expect.stringContaining('keep the MPC address') });
    net.block([0, 1, 2, 7].map((index) => senders.tx(index, 'mpc-session-result', { sessionId: reshare.id, status: 'completed', result: { address: MPC_ADDRESS } })));
    expect(net.state.mpc.parties).toHaveLength(5);
    expect(net.state.mpc).toMatchObject({ address: MPC_ADDRESS, threshold: 4 });
  });

  it('a rewards report due before the key exists waits for it instead of staying unsignable', () => {
    const net = new SimNet(STAKES);
    const senders = new AppTxSigners(CHAIN);
    net.produceL2(12);
    net.until((state) => state.epochs.length >= 2, 20); // epoch 0 closed: its rewards report is due
    expect(net.state.mpc.sessions.filter((session) => session.purpose === 'rewards')).toEqual([]);
    expect(net.state.mpc.retries).toMatchObject([{ purpose: 'rewards', request: { rewardBatchId: 1, startEpoch: 0 } }]);
    keygenDone(net, senders);
    const report = net.state.mpc.sessions.find((session) => session.purpose === 'rewards')!;
    expect(report).toMatchObject({ status: 'pending', request: { rewardBatchId: 1, startEpoch: 0, mpcAddress: MPC_ADDRESS } });
    expect(report.participants).toEqual(net.state.mpc.parties);
    expect(net.state.mpc.retries).toEqual([]);
  });

  it('a batch request that failed is signed by another subset of the holders each time the batcher asks again', () => {
    const { net, senders, requester } = withKeyAndBlocks();
    const holders = net.state.mpc.parties;
    const request = { purpose: 'batch', ref: '9', fromBlock: 1, toBlock: 4, digest: blockHash(99) };
    const participants: string[][] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      net.block([senders.tx(requester, 'mpc-sign-request', request)]);
      const session = net.state.mpc.sessions.at(-1)!;
      expect(session.request).toMatchObject({ ref: '9', attempt });
      participants.push(session.participants);
      // Two of the parties (more than 1/3 of the stake) time out: the session fails.
      const [first, second] = session.participants;
      net.block([first, second].map((party) => senders.tx(STAKES.findIndex((_, index) => signer(index).address.toLowerCase() === party), 'mpc-session-result', { sessionId: session.id, status: 'failed', reason: 'timeout' })));
      expect(net.state.mpc.sessions.find((candidate) => candidate.id === session.id)!.status).toBe('failed');
    }
    expect(participants[0]).toEqual(holders);
    expect(participants[1]).toEqual(holders.filter((party) => party !== holders[0]));
    expect(participants[2]).toEqual(holders.filter((party) => party !== holders[1]));
    for (const set of participants) expect(set.length).toBeGreaterThanOrEqual(net.state.mpc.threshold);
  });

  it('batch signing requests refused by >2/3 of stake count as misbehaviour of the requester', () => {
    const { net, senders, active, requester } = withKeyAndBlocks();
    // Another staked sequencer may not ask for a batch it did not produce.
    const bystander = requester === 0 ? 1 : 0;
    net.block([senders.tx(bystander, 'mpc-sign-request', { purpose: 'batch', ref: '6', fromBlock: 1, toBlock: 4, digest: blockHash(66) })]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.unauthorized });
    net.block([senders.tx(requester, 'mpc-sign-request', { purpose: 'batch', ref: '7', fromBlock: 1, toBlock: 4, digest: blockHash(77) })]);
    const session = net.state.mpc.sessions.at(-1)!;
    expect(session).toMatchObject({ kind: 'sign', purpose: 'batch', status: 'pending', request: { ref: '7', requester: active, mpcAddress: MPC_ADDRESS } });
    // The same batch twice is refused.
    net.block([senders.tx(requester, 'mpc-sign-request', { purpose: 'batch', ref: '7', fromBlock: 1, toBlock: 4, digest: blockHash(77) })]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.duplicate });
    const refusers = [0, 1, 2, 3].filter((index) => index !== requester);
    net.block(refusers.map((index) => senders.tx(index, 'mpc-session-result', { sessionId: session.id, status: 'refused', reason: 'state root differs from my replica' })));
    expect(net.state.mpc.sessions.find((candidate) => candidate.id === session.id)!.status).toBe('refused');
    expect(net.state.slashes).toMatchObject([{ sequencer: active, reason: 'invalid-batch' }]);
    net.until((state) => currentEpoch(state).reason === 'misbehaviour', 10);
    expect(currentEpoch(net.state).sequencer).not.toBe(active);
  });

  it('a signature reported by t parties that hold no more than 2/3 of all stake does not complete the session', () => {
    // 3-of-4 key; sequencer 0 holds half the stake (70k of 140k), so the other three meet the threshold with only 50%.
    const stakes = [70_000, 25_000, 25_000, 20_000];
    const { net, senders, requester } = withKeyAndBlocks(stakes);
    expect(net.state.mpc.threshold).toBe(3);
    const sign = (ref: string) => {
      net.block([senders.tx(requester, 'mpc-sign-request', { purpose: 'batch', ref, fromBlock: 1, toBlock: 4, digest: blockHash(Number(ref)) })]);
      return net.state.mpc.sessions.at(-1)!;
    };
    const signature = `0x${'12'.repeat(65)}`;
    const completed = (index: number, sessionId: number) => senders.tx(index, 'mpc-session-result', { sessionId, status: 'completed', result: { signature } });
    const all = sign('31');
    net.block([1, 2, 3].map((index) => completed(index, all.id)));
    expect(net.state.mpc.sessions.find((session) => session.id === all.id)).toMatchObject({ status: 'pending', result: null });
    net.block([senders.tx(0, 'mpc-session-result', { sessionId: all.id, status: 'failed', reason: 'timeout' })]);
    expect(net.state.mpc.sessions.find((session) => session.id === all.id)).toMatchObject({ status: 'failed', result: { reason: expect.stringContaining('failed') } });
    // A session named for those three alone (all of ITS participants' stake) completes nothing either: once all
    // three reported, it fails.
    const light = [1, 2, 3].map((index) => signer(index).address.toLowerCase() as Address);
    const minority = openSession(net.state, 'sign', 'batch', light, { purpose: 'batch', ref: '33', mpcAddress: MPC_ADDRESS });
    net.block([1, 2, 3].map((index) => completed(index, minority.id)));
    expect(net.state.mpc.sessions.find((session) => session.id === minority.id)).toMatchObject({ status: 'failed', result: { reason: 'every party reported, and no result holds more than 2/3 of the stake' } });

    // Normal path: 70k + 25k + 25k (86%) report the same signature.
    const majority = sign('32');
    net.block([0, 1, 2].map((index) => completed(index, majority.id)));
    expect(net.state.mpc.sessions.find((session) => session.id === majority.id)).toMatchObject({ status: 'completed', result: { signature } });
  });

  it('a retry leaves out only a holder whose absence keeps more than 2/3 of the stake', () => {
    const stakes = [70_000, 25_000, 25_000, 20_000];
    const { net } = withKeyAndBlocks(stakes);
    const heavy = signer(0).address.toLowerCase();
    const holders = net.state.mpc.parties;
    for (let attempt = 2; attempt < 2 + 2 * holders.length; attempt++) {
      const set = signersFor(net.state, attempt);
      expect(set).toHaveLength(holders.length - 1);
      expect(set).toContain(heavy);
    }
  });
});
