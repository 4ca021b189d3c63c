import { describe, expect, it } from 'vitest';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import { signL2Block } from '../../../../node/consensus/app/l2-block-signature.ts';
import type { L1Event } from '../../../../node/consensus/app/l1-events.ts';
import { blockHash, METIS, signer, signerKey } from '../support.ts';
import { cometKey, SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];

describe('consensus state machine (pure, no CometBFT)', () => {
  it('same inputs give the same app hash at every height', () => {
    const run = () => {
      const net = new SimNet(STAKES);
      for (let step = 1; step <= 40; step++) {
        net.produceL2(step * 2);
        net.block();
      }
      return net.hashes;
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('rotates at every epoch boundary, by stake, with a seed revealed only after the election became due', () => {
    const net = new SimNet(STAKES);
    const seen: number[] = [];
    for (let step = 1; step <= 200 && net.state.rotations.length < 8; step++) {
      if (step % 2 === 0) net.produceL2(net.l2Head + 3);
      net.block();
      const election = net.state.pendingElection;
      // Reveals only ever appear once the window is open (after the L2 head reached the epoch's end).
      if (election && !election.revealOpen) expect(Object.keys(election.reveals)).toHaveLength(0);
      if (election?.revealOpen) seen.push(election.openedAtHeight);
    }
    expect(net.state.rotations.length).toBeGreaterThanOrEqual(8);
    const epochs = net.state.epochs;
    for (let index = 1; index < epochs.length; index++) {
      expect(epochs[index]!.firstBlock).toBe(epochs[index - 1]!.lastBlock + 1);
      expect(epochs[index]!.lastBlock - epochs[index]!.firstBlock + 1).toBe(10);
      expect(epochs[index]!.reason).toBe('epoch');
      expect(epochs[index]!.seed).not.toBe(epochs[index - 1]!.seed);
    }
    expect(seen.length).toBeGreaterThan(0);
    // One rewards report per closed epoch, numbered and contiguous as LockingPool.submitRewards requires (queued here:
    // this network has no MPC key yet, so they wait for it rather than open unsignable sessions).
    expect(net.state.mpc.sessions.filter((session) => session.purpose === 'rewards')).toEqual([]);
    const reports = (net.state.mpc.retries ?? []).filter((retry) => retry.purpose === 'rewards').map((retry) => retry.request);
    expect(reports.length).toBeGreaterThanOrEqual(7);
    for (const [index, report] of reports.entries()) expect(report).toMatchObject({ rewardBatchId: index + 1, startEpoch: index, endEpoch: index, blockCounts: [10] });
  });

  it('agrees on the L2 head only by a supermajority of stake', () => {
    const net = new SimNet([40_000, 20_000, 20_000, 20_000]);
    // Only the 40% validator sees blocks 1..5: not a supermajority.
    net.observers[0]!.setHead(5, blockHash(5));
    net.blocks(2);
    expect(net.state.l2.latest).toBe(0);
    // Two more (together 80% > 2/3) see them too, but one of them holds another block at 5 (a fork).
    net.observers[1]!.setHead(5, blockHash(5));
    net.observers[2]!.setHead(5, blockHash(5, 1));
    net.blocks(2);
    expect(net.state.l2.latest).toBe(5);
    expect(net.state.l2.safe).toBe(0); // 60% attest one hash, 20% another: no supermajority for either
    net.observers[2]!.setHead(5, blockHash(5));
    net.blocks(1);
    expect(net.state.l2.safe).toBe(5);
    expect(net.state.l2.safeHash).toBe(blockHash(5));
  });

  it('replaces a dead sequencer once >2/3 of stake reports it, excluding it, at the last safe block + 1', () => {
    const net = new SimNet(STAKES);
    net.produceL2(6);
    net.blocks(4);
    const epoch = currentEpoch(net.state);
    const dead = epoch.sequencer;
    const safe = net.state.l2.safe;
    expect(safe).toBe(6);
    // Validators holding exactly 2/3 or less do not suffice: report from two (55% of stake).
    net.observers[0]!.deadEpochs.add(epoch.number);
    net.observers[1]!.deadEpochs.add(epoch.number);
    net.blocks(3);
    expect(net.state.pendingElection).toBeNull();
    expect(currentEpoch(net.state).number).toBe(epoch.number);
    // A third reporter makes 80%: a supermajority.
    net.observers[2]!.deadEpochs.add(epoch.number);
    net.observers[3]!.deadEpochs.add(epoch.number);
    const took = net.until((state) => currentEpoch(state).number === epoch.number + 1, 10);
    expect(took).toBeLessThanOrEqual(4);
    const replacement = currentEpoch(net.state);
    expect(replacement.reason).toBe('liveness');
    expect(replacement.sequencer).not.toBe(dead);
    expect(replacement.firstBlock).toBe(safe + 1);
    expect(net.state.epochs.find((candidate) => candidate.number === epoch.number)!.lastBlock).toBe(safe);
    expect(net.state.validators.find((validator) => validator.address === dead)!.coolDownUntilEpoch).toBeGreaterThan(replacement.number);
    expect(net.state.rotations.at(-1)).toMatchObject({ from: dead, to: replacement.sequencer, reason: 'liveness', l2StartBlock: safe + 1 });
    expect(net.lastResult!.events.some((event) => event.type === 'sequencer_set' && event.attributes.action === 'recommitEpoch')).toBe(true);
  });

  it('elects without a validator that withholds its reveal (it can only abstain)', () => {
    const net = new SimNet(STAKES);
    net.produceL2(2);
    net.blocks(3);
    // Validator 3 (20%) goes silent: the other 80% still complete every election.
    net.online[3] = false;
    for (let step = 0; step < 60 && net.state.rotations.length < 4; step++) {
      net.produceL2(net.l2Head + 2);
      net.block();
    }
    expect(net.state.rotations.length).toBeGreaterThanOrEqual(4);
  });

  it('stalls elections rather than let a minority decide the seed', () => {
    const net = new SimNet(STAKES);
    net.produceL2(2);
    net.blocks(3);
    net.produceL2(12);
    net.until((state) => state.pendingElection?.revealOpen === true, 10);
    net.online[0] = false;
    net.online[1] = false; // 55% silent: the 45% that reveal cannot make the seed
    net.blocks(10);
    expect(net.state.pendingElection).not.toBeNull();
    expect(Object.keys(net.state.pendingElection!.reveals)).toHaveLength(2);
    expect(net.state.nextEpoch).toBeNull();
    expect(net.state.rotations).toHaveLength(1);
    net.online[0] = true;
    net.blocks(2);
    expect(net.state.rotations).toHaveLength(2);
    expect(currentEpoch(net.state).number).toBe(1);
  });

  it('slashes and replaces a sequencer on proof of two signed blocks at one height', () => {
    const net = new SimNet(STAKES);
    net.produceL2(3);
    net.blocks(3);
    const epoch = currentEpoch(net.state);
    const index = STAKES.findIndex((_, candidate) => signer(candidate).address.toLowerCase() === epoch.sequencer);
    const a = blockHash(3, 0);
    const b = blockHash(3, 1);
    net.observers[0]!.evidence = [
      { kind: 'double-sign', sequencer: epoch.sequencer, l2Block: 3, a: { hash: a, signature: signL2Block(signerKey(index), 59902, 3, a) }, b: { hash: b, signature: signL2Block(signerKey(index), 59902, 3, b) } },
    ];
    net.blocks(1);
    expect(net.state.slashes).toHaveLength(1);
    expect(net.state.slashes[0]).toMatchObject({ sequencer: epoch.sequencer, reason: 'double-sign' });
    // No MPC key in this network yet: the slash request waits for it (see mpc.test.ts for the key's arrival).
    const slash = net.state.mpc.retries!.find((retry) => retry.purpose === 'slash')!;
    expect(net.state.slashes[0]!.sessionId).toBe(-1);
    const stake = BigInt(net.state.validators.find((validator) => validator.address === epoch.sequencer)!.stake);
    expect(slash.request).toMatchObject({ signer: epoch.sequencer, reason: 'double-sign', amount: (stake / 10n).toString(), sequencerId: index + 1 });
    net.until((state) => currentEpoch(state).number === epoch.number + 1, 10);
    expect(currentEpoch(net.state)).toMatchObject({ reason: 'misbehaviour' });
    expect(currentEpoch(net.state).sequencer).not.toBe(epoch.sequencer);
    // The same proof again changes nothing.
    net.blocks(2);
    expect(net.state.slashes).toHaveLength(1);
  });

  it('slashes a validator CometBFT caught equivocating (DuplicateVoteEvidence), once', () => {
    const net = new SimNet(STAKES);
    net.produceL2(3);
    net.blocks(3);
    const epoch = currentEpoch(net.state);
    const index = STAKES.findIndex((_, candidate) => signer(candidate).address.toLowerCase() === epoch.sequencer);
    const offence = { cometAddress: cometKey(index).address, height: 2 };
    net.block([], [offence]);
    net.block([], [offence]);
    expect(net.state.slashes).toMatchObject([{ sequencer: epoch.sequencer, reason: 'duplicate-vote' }]);
    net.until((state) => currentEpoch(state).reason === 'misbehaviour', 10);
  });

  it('ignores forged double-sign evidence (signature by someone else)', () => {
    const net = new SimNet(STAKES);
    net.produceL2(3);
    net.blocks(3);
    const epoch = currentEpoch(net.state);
    const a = blockHash(3, 0);
    const b = blockHash(3, 1);
    const other = STAKES.findIndex((_, candidate) => signer(candidate).address.toLowerCase() !== epoch.sequencer);
    net.observers[0]!.evidence = [
      { kind: 'double-sign', sequencer: epoch.sequencer, l2Block: 3, a: { hash: a, signature: signL2Block(signerKey(other), 59902, 3, a) }, b: { hash: b, signature: signL2Block(signerKey(other), 59902, 3, b) } },
    ];
    net.blocks(3);
    expect(net.state.slashes).toHaveLength(0);
    expect(currentEpoch(net.state).number).toBe(epoch.number);
  });

  it('applies L1 LockingPool events only when a supermajority reports the same range', () => {
    const net = new SimNet(STAKES);
    const newcomer = signer(7).address.toLowerCase() as `0x${string}`;
    const locked: L1Event = { kind: 'locked', block: 12, logIndex: 0, txHash: blockHash(999), sequencerId: 9, signer: newcomer, owner: newcomer, total: (50_000n * METIS).toString() };
    // One validator (30%) invents a lock: nothing happens.
    net.observers[0]!.l1 = { head: 15, events: [locked] };
    net.blocks(3);
    expect(net.state.validators.some((validator) => validator.address === newcomer)).toBe(false);
    // Three (80%) see it: applied, but the newcomer has no CometBFT key yet, so no power.
    net.observers[1]!.l1 = { head: 15, events: [locked] };
    net.observers[2]!.l1 = { head: 14, events: [locked] };
    net.blocks(1);
    expect(net.state.l1.processedBlock).toBe(14);
    const added = net.state.validators.find((validator) => validator.address === newcomer)!;
    expect(added).toMatchObject({ sequencerId: 9, status: 'pending', power: 0 });
    // Unlock of validator 4 reported by everyone: it leaves the set and MPC reshares.
    const mpcBefore = net.state.mpc.sessions.length;
    for (const observer of net.observers) observer.l1 = { head: 20, events: [locked, { kind: 'unlock-init', block: 18, logIndex: 3, txHash: blockHash(1000), sequencerId: 4 }] };
    const result = net.block();
    expect(net.state.validators.find((validator) => validator.sequencerId === 4)).toMatchObject({ status: 'unlocking', power: 0 });
    expect(result.validatorUpdates).toEqual([{ pubKey: cometKey(3).pubKey, power: 0 }]);
    expect(net.state.mpc.sessions.length).toBeGreaterThan(mpcBefore);
  });
});
