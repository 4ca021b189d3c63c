import { Contract, Wallet, id, parseEther, type InterfaceAbi } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../../../contracts/artifacts.ts';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import type { MpcSession } from '../../../../protocol/consensus/types.ts';
import { parseSequencerSetCall, SequencerSetRequestError, sequencerSetAddress, sequencerSetTx, signedSequencerSetTx } from '../../../../node/consensus/app/sequencer-set-tx.ts';
import { useChain } from '../../../contracts/fixture.ts';
import { AppTxSigners, signerKey } from '../support.ts';
import { SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
/** Stands in for the MPC group key: the same kind of signature from one local key, so the EVM part is real. */
const mpc = new Wallet(id('sequencer-set test mpc'));
const MPC_ADDRESS = mpc.address.toLowerCase();

class Reporter {
  private readonly signers = new AppTxSigners();
  private readonly net: SimNet;
  constructor(net: SimNet) {
    this.net = net;
  }
  report(session: MpcSession, indexes: number[], outcome: { status: 'completed'; result: Record<string, string> } | { status: 'failed' | 'refused'; reason: string }): void {
    this.net.block(indexes.map((index) => this.signers.tx(index, 'mpc-session-result', { sessionId: session.id, ...outcome })));
  }
}

const writes = (net: SimNet) => net.state.mpc.sessions.filter((session) => session.purpose === 'sequencer-set');
const pendingWrites = (net: SimNet) => writes(net).filter((session) => session.status === 'pending');

/** Signs every pending write as the MPC would and reports it completed by all four parties. */
function signPending(net: SimNet, reporter: Reporter, chainId: bigint): void {
  for (const session of pendingWrites(net)) {
    const tx = sequencerSetTx(parseSequencerSetCall(session.request), chainId);
    reporter.report(session, [0, 1, 2, 3], { status: 'completed', result: { signature: mpc.signingKey.sign(tx.unsignedHash).serialized, address: MPC_ADDRESS } });
  }
}

describe('the L2 SequencerSet record', () => {
  const chain = useChain();

  it('deploys with nonce 0 once the key exists, then writes every election in order; replayed on an EVM it equals the app’s schedule', async () => {
    const net = new SimNet(STAKES);
    const reporter = new Reporter(net);
    const chainId = (await chain.provider.getNetwork()).chainId;
    net.produceL2(12);
    net.until((state) => state.epochs.length >= 2, 20);
    expect(writes(net)).toEqual([]); // no key, nothing to sign with: the deploy will record the state of its moment

    const keygen = net.state.mpc.sessions.find((session) => session.kind === 'keygen')!;
    reporter.report(keygen, [0, 1, 2], { status: 'completed', result: { address: MPC_ADDRESS } });
    net.block();
    const [deploy] = writes(net);
    const current = currentEpoch(net.state);
    expect(deploy!.request).toMatchObject({ method: 'deploy', nonce: 0, epoch: current.number, startBlock: current.firstBlock, endBlock: current.lastBlock, signer: current.sequencer, mpcAddress: MPC_ADDRESS });
    expect(net.state.sequencerSet).toEqual({ nextNonce: 1 });

    // Epoch rotations, then a failover that cuts the running epoch, then more rotations.
    signPending(net, reporter, chainId);
    net.produceL2(35);
    net.until((state) => state.epochs.length >= 4, 40);
    signPending(net, reporter, chainId);
    const victim = currentEpoch(net.state);
    for (const observer of net.observers) observer.deadEpochs.add(victim.number);
    net.until((state) => currentEpoch(state).reason === 'liveness', 10);
    signPending(net, reporter, chainId);
    for (const observer of net.observers) observer.deadEpochs.clear();
    net.produceL2(70);
    net.until((state) => state.epochs.length >= 7, 60);
    while (pendingWrites(net).length > 0) signPending(net, reporter, chainId);

    const calls = writes(net).map((session) => ({ session, call: parseSequencerSetCall(session.request) }));
    expect(calls.map(({ call }) => call.nonce)).toEqual(calls.map((_, index) => index));
    expect(calls.map(({ call }) => call.method)).toContain('recommitEpoch');

    // Replay the signed writes on EDR from the MPC address: every one must succeed.
    const [funder] = chain.accounts;
    await (await funder!.sendTransaction({ to: mpc.address, value: parseEther('10') })).wait();
    for (const { session, call } of calls) {
      const { raw, hash } = signedSequencerSetTx(call, chainId, String(session.result!.signature));
      expect(await chain.provider.send('eth_sendRawTransaction', [raw])).toBe(hash);
      const receipt = await chain.provider.waitForTransaction(hash);
      expect(receipt!.status, `${call.method} of epoch ${call.epoch}`).toBe(1);
      expect(receipt!.gasUsed).toBeLessThan(call.method === 'deploy' ? 1_500_000n : 300_000n);
    }
    const set = new Contract(sequencerSetAddress(MPC_ADDRESS), loadArtifact('SequencerSet').abi as InterfaceAbi, chain.provider);
    const first = Number(await set.firstEpoch!());
    const recorded = net.state.epochs.filter((epoch) => epoch.number >= first);
    if (net.state.nextEpoch) recorded.push(net.state.nextEpoch);
    expect(Number(await set.epochCount!())).toBe(recorded.length);
    for (const epoch of recorded) {
      const onChain = await set.epochs!(epoch.number);
      expect([Number(onChain.firstBlock), Number(onChain.lastBlock), onChain.signer.toLowerCase()]).toEqual([epoch.firstBlock, epoch.lastBlock, epoch.sequencer]);
    }
    for (let block = recorded[0]!.firstBlock; block <= recorded.at(-1)!.lastBlock; block += 3) {
      const expected = recorded.findLast((epoch) => block >= epoch.firstBlock && block <= epoch.lastBlock)!.sequencer;
      expect((await set.getSequencer!(block)).toLowerCase()).toBe(expected);
    }
  });

  it('opens a failed write again with the same nonce after a doubling backoff, by another subset; a refused one is not retried', () => {
    const net = new SimNet(STAKES);
    const reporter = new Reporter(net);
    const keygen = net.state.mpc.sessions.find((session) => session.kind === 'keygen')!;
    reporter.report(keygen, [0, 1, 2, 3], { status: 'completed', result: { address: MPC_ADDRESS } });
    net.block();
    const [deploy] = pendingWrites(net);
    reporter.report(deploy!, [0, 1], { status: 'failed', reason: 'timeout' });
    expect(writes(net).find((session) => session.id === deploy!.id)!.status).toBe('failed');
    expect(pendingWrites(net)).toEqual([]);
    net.block(); // attempt 1 failed: due one block later
    const [retry] = pendingWrites(net);
    expect(retry!.id).toBeGreaterThan(deploy!.id);
    expect(retry!.request).toMatchObject({ ...deploy!.request, attempt: 2 });
    // Retried by a subset the app picks (one holder left out), so a party or link that keeps failing cannot block it.
    const holders = net.state.mpc.parties;
    expect(retry!.participants).toEqual(holders.filter((party) => party !== holders[0]));

    const [first, second] = retry!.participants.map((party) => STAKES.findIndex((_, index) => new Wallet(signerKey(index)).address.toLowerCase() === party));
    reporter.report(retry!, [first!, second!], { status: 'failed', reason: 'timeout' });
    net.block();
    expect(pendingWrites(net)).toEqual([]); // attempt 2 failed: two blocks this time
    net.block();
    const [third] = pendingWrites(net);
    expect(third!.request).toMatchObject({ nonce: 0, attempt: 3 });

    // Refused (every party finds the request itself wrong): not retried.
    const everyone = third!.participants.map((party) => STAKES.findIndex((_, index) => new Wallet(signerKey(index)).address.toLowerCase() === party));
    reporter.report(third!, everyone, { status: 'refused', reason: 'sequencer-set request: unknown method' });
    net.blocks(4);
    expect(writes(net).find((session) => session.id === third!.id)!.status).toBe('refused');
    expect(pendingWrites(net)).toEqual([]);
  });

  it('refuses to build from a malformed request, naming the field', () => {
    const good = { method: 'commitEpoch', nonce: 3, oldEpoch: null, epoch: 4, startBlock: 41, endBlock: 50, signer: MPC_ADDRESS, attempt: 1, mpcAddress: MPC_ADDRESS };
    expect(() => parseSequencerSetCall(good)).not.toThrow();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, method: 'updateMpc' }, /unknown method/],
      [{ ...good, nonce: 0 }, /only the deploy, uses nonce 0/],
      [{ ...good, method: 'deploy' }, /only the deploy, uses nonce 0/],
      [{ ...good, nonce: -1 }, /nonce/],
      [{ ...good, method: 'recommitEpoch' }, /oldEpoch/],
      [{ ...good, oldEpoch: 2 }, /oldEpoch/],
      [{ ...good, startBlock: '41' }, /startBlock/],
      [{ ...good, signer: '0x1234' }, /signer/],
      [{ ...good, mpcAddress: undefined }, /mpcAddress/],
    ];
    for (const [request] of bad) expect(() => parseSequencerSetCall(request)).toThrow(SequencerSetRequestError);
    for (const [request, reason] of bad) expect(() => parseSequencerSetCall(request)).toThrow(reason);
    // A signature by another key is not the MPC's.
    const other = new Wallet(id('not the mpc'));
    const tx = sequencerSetTx(parseSequencerSetCall(good), 1n);
    expect(() => signedSequencerSetTx(parseSequencerSetCall(good), 1n, other.signingKey.sign(tx.unsignedHash).serialized)).toThrow(/not the MPC address/);
  });
});
