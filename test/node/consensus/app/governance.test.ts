import { describe, expect, it } from 'vitest';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import { AppTxSigners, signer } from '../support.ts';
import { SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
const CHAIN = 'sim-chain';
const signers = new AppTxSigners(CHAIN);
const tx = (index: number, type: 'propose' | 'vote', payload: unknown): Uint8Array => signers.tx(index, type, payload);
const vote = (index: number, proposalId: number, option: 'yes' | 'no' | 'abstain') => tx(index, 'vote', { proposalId, option });

describe('governance (stake-weighted)', () => {
  it('a passed proposal changes the epoch length at its effective height, and only then', () => {
    signers.reset();
    const net = new SimNet(STAKES);
    net.block([tx(0, 'propose', { kind: 'params', change: { epochLength: 25 } })]);
    const proposal = net.state.proposals[0]!;
    expect(proposal).toMatchObject({ status: 'voting', submittedHeight: 1, votingEndHeight: 6, effectiveHeight: 8 });
    net.block([vote(0, 1, 'yes'), vote(1, 1, 'yes'), vote(2, 1, 'no'), vote(3, 1, 'yes')]);
    expect(net.state.proposals[0]!.tally).toMatchObject({ yes: 75_000, no: 25_000, abstain: 0, totalPower: 100_000 });
    net.until((state) => state.height === 6);
    net.block();
    expect(net.state.proposals[0]!.status).toBe('passed');
    expect(net.state.params.epochLength).toBe(10);
    net.until((state) => state.height === 8);
    expect(net.state.proposals[0]!.status).toBe('executed');
    expect(net.state.params.epochLength).toBe(25);
    // The next epoch elected after the change has the new length.
    net.produceL2(10);
    net.until((state) => currentEpoch(state).number === 1, 20);
    expect(currentEpoch(net.state)).toMatchObject({ firstBlock: 11, lastBlock: 35 });
  });

  it('rejects without quorum, and without a >2/3 yes share of yes+no', () => {
    signers.reset();
    const net = new SimNet(STAKES);
    net.block([tx(0, 'propose', { kind: 'params', change: { blockTimeMs: 500 } }), tx(1, 'propose', { kind: 'params', change: { blockTimeMs: 700 } })]);
    // Proposal 1: only 20% vote (quorum is 50%). Proposal 2: 55% yes vs 45% no (threshold 2/3 of yes+no).
    net.block([vote(3, 1, 'yes'), vote(0, 2, 'yes'), vote(1, 2, 'yes'), vote(2, 2, 'no'), vote(3, 2, 'no')]);
    net.until((state) => state.height === 9);
    expect(net.state.proposals.map((proposal) => proposal.status)).toEqual(['rejected', 'rejected']);
    expect(net.state.params.blockTimeMs).toBe(1000);
    // A vote after the end is refused.
    net.block([vote(2, 1, 'yes')]);
    expect(net.lastResult!.txResults[0]!.log).toMatch(/not open for voting/);
  });

  it('counts a changed vote once, with the voter power at the tally', () => {
    signers.reset();
    const net = new SimNet(STAKES);
    net.block([tx(0, 'propose', { kind: 'params', change: { livenessTimeoutMs: 2000 } })]);
    net.block([vote(0, 1, 'no'), vote(1, 1, 'yes')]);
    net.block([vote(0, 1, 'yes'), vote(2, 1, 'abstain')]);
    expect(net.state.proposals[0]!.votes.map((entry) => entry.option)).toEqual(
      [signer(0), signer(1), signer(2)]
        .map((wallet) => wallet.address.toLowerCase())
        .sort()
        .map((address) => ({ [signer(0).address.toLowerCase()]: 'yes', [signer(1).address.toLowerCase()]: 'yes', [signer(2).address.toLowerCase()]: 'abstain' })[address]),
    );
    expect(net.state.proposals[0]!.tally).toMatchObject({ yes: 55_000, no: 0, abstain: 25_000 });
    net.until((state) => state.height === 8);
    expect(net.state.params.livenessTimeoutMs).toBe(2000);
  });

  it('a whitelist that drops the active sequencer replaces it (reason governance)', () => {
    signers.reset();
    const net = new SimNet(STAKES);
    net.produceL2(2);
    net.blocks(2);
    const active = currentEpoch(net.state).sequencer;
    const others = STAKES.map((_, index) => signer(index).address.toLowerCase()).filter((address) => address !== active);
    net.block([tx(0, 'propose', { kind: 'whitelist', change: { add: others, remove: [] } })]);
    const id = net.state.proposals[0]!.id;
    net.block([vote(0, id, 'yes'), vote(1, id, 'yes'), vote(2, id, 'yes'), vote(3, id, 'yes')]);
    net.until((state) => state.proposals[0]!.status === 'executed', 20);
    net.until((state) => currentEpoch(state).reason === 'governance', 10);
    expect(currentEpoch(net.state).sequencer).not.toBe(active);
    expect(net.state.validators.find((validator) => validator.address === active)).toMatchObject({ power: 0, status: 'pending' });
  });
});
