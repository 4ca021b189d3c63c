import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bls12_381_Fr as Fr } from '@noble/curves/bls12-381.js';
import { buildVoteExtension } from '../../../../node/consensus/abci/extend-vote.ts';
import { applyBlock } from '../../../../node/consensus/app/block.ts';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import { selectWeighted } from '../../../../node/consensus/app/selection.ts';
import {
  beaconThreshold,
  commitTo,
  decodeCommitments,
  evaluatePolynomial,
  groupKeyOf,
  partialsVerify,
  recoverSignature,
  seedMessage,
  seedOf,
  shareWeights,
  signatureVerifies,
  signShare,
  sumCommitments,
} from '../../../../node/consensus/app/threshold-bls.ts';
import type { ConsensusState, Hex } from '../../../../protocol/consensus/types.ts';
import { cometKey, SimNet } from '../sim.ts';

/** A group dealt by `dealers` random polynomials of degree threshold-1, as the DKG sums them. */
function dealtGroup(shares: number, threshold: number, dealers = 3) {
  const polynomials = Array.from({ length: dealers }, () => Array.from({ length: threshold }, () => Fr.create(BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('hex')}`))));
  const sum = sumCommitments(polynomials.map((coefficients) => decodeCommitments(commitTo(coefficients))!));
  const key = groupKeyOf(sum);
  const secretShares = Array.from({ length: shares }, (_, index) => polynomials.reduce((total, coefficients) => Fr.add(total, evaluatePolynomial(coefficients, index + 1)), 0n));
  const secret = polynomials.reduce((total, coefficients) => Fr.add(total, coefficients[0]!), 0n);
  return { publicKey: key.publicKey, publicShares: key.publicShares(shares), secretShares, secret };
}

function subsetsOf<T>(items: readonly T[], minimum: number): T[][] {
  const subsets: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) {
    const subset = items.filter((_, index) => mask & (1 << index));
    if (subset.length >= minimum) subsets.push(subset);
  }
  return subsets;
}

/** Runs the network until the beacon group exists and an election is pending (its partials go out next block). */
function netWithPendingElection(stakes: number[]): SimNet {
  const net = new SimNet(stakes);
  net.until((state) => state.beacon.group !== null, 20);
  net.produceL2(10);
  net.until((state) => state.pendingElection !== null, 10);
  return net;
}

function votesOf(net: SimNet, state: ConsensusState) {
  return net.observers.map((observer, index) => ({
    cometAddress: cometKey(index).address,
    extension: buildVoteExtension(state, { cometAddress: cometKey(index).address, randaoKey: net.randaoKeys[index]!, observer }),
  }));
}

describe('threshold BLS rotation seed', () => {
  it('every subset of at least t valid partials recovers the same signature and seed, which verifies against the group key', () => {
    const recover = (subset: readonly { index: number; signature: Hex }[], threshold: number) => recoverSignature(new Map(subset.map((partial) => [partial.index, partial.signature])), threshold);
    const message = seedMessage('beacon-test', 7, 3);
    // Two members (6 shares, t = 4): every one of the 22 subsets of 4 or more.
    const small = dealtGroup(6, beaconThreshold(2));
    const smallPartials = small.secretShares.map((share, index) => ({ index: index + 1, signature: signShare(share, message) }));
    const expectedSmall = signShare(small.secret, message);
    expect(signatureVerifies(expectedSmall, message, small.publicKey)).toBe(true);
    const subsets = subsetsOf(smallPartials, 4);
    expect(subsets).toHaveLength(22);
    expect(new Set(subsets.map((subset) => recover(subset, 4)))).toEqual(new Set([expectedSmall]));
    // t - 1 partials interpolate to something else: no smaller set can make the seed.
    expect(recover(smallPartials.slice(0, 3), 3)).not.toBe(expectedSmall);

    // Three members (9 shares, t = 5): random subsets of 5 or more.
    const weights = shareWeights([1, 1, 1]);
    const threshold = beaconThreshold(weights.length);
    expect({ shares: weights.reduce((sum, weight) => sum + weight, 0), threshold }).toEqual({ shares: 9, threshold: 5 });
    const group = dealtGroup(9, threshold);
    const partials = group.secretShares.map((share, index) => ({ index: index + 1, signature: signShare(share, message) }));
    expect(partialsVerify(message, partials.map((partial) => ({ signature: partial.signature, publicShare: group.publicShares[partial.index - 1]! })))).toBe(true);
    const expected = seedOf(signShare(group.secret, message));
    fc.assert(
      fc.property(fc.subarray(partials, { minLength: threshold }), (subset) => {
        expect(seedOf(recover(subset, threshold))).toBe(expected);
      }),
      { numRuns: 25 },
    );
  }, 600_000);

  it('a partial that is wrong, swapped or not a curve point fails the batch check (and never throws)', () => {
    const group = dealtGroup(4, 3, 1);
    const message = seedMessage('beacon-test', 1, 1);
    const good = group.secretShares.map((share, index) => ({ signature: signShare(share, message), publicShare: group.publicShares[index]! }));
    const swapped = [good[0]!, { ...good[1]!, signature: good[2]!.signature }, good[2]!];
    const otherMessage = [{ ...good[0]!, signature: signShare(group.secretShares[0]!, seedMessage('beacon-test', 2, 1)) }];
    const notAPoint = [{ ...good[0]!, signature: `0x${'ab'.repeat(48)}` as Hex }];
    const identity = [{ ...good[0]!, signature: `0xc0${'00'.repeat(47)}` as Hex }];
    expect(partialsVerify(message, good)).toBe(true);
    for (const bad of [swapped, otherMessage, notAPoint, identity]) expect(partialsVerify(message, bad)).toBe(false);
    // Two errors that cancel in a plain sum do not cancel in the hashed linear combination.
    const offset = signShare(5n, message);
    const plus = recoverSignature(new Map([[1, good[0]!.signature], [2, offset]]), 2);
    expect(partialsVerify(message, [{ ...good[0]!, signature: plus }, good[1]!])).toBe(false);
  });

  it('stake weights: any set under 1/3 of the power holds fewer than t shares, any set over 2/3 at least t', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 9 }), (powers) => {
        const weights = shareWeights(powers);
        const threshold = beaconThreshold(powers.length);
        const total = powers.reduce((sum, power) => sum + power, 0);
        for (const subset of subsetsOf(powers.map((_, index) => index), 0)) {
          const power = subset.reduce((sum, index) => sum + powers[index]!, 0);
          const shares = subset.reduce((sum, index) => sum + weights[index]!, 0);
          if (3 * power < total) expect(shares).toBeLessThan(threshold);
          if (3 * power > 2 * total) expect(shares).toBeGreaterThanOrEqual(threshold);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a proposer that includes any allowed subset of extensions (over 2/3 of the power) elects with the same seed', () => {
    const stakes = [30_000, 25_000, 25_000, 20_000];
    const net = netWithPendingElection(stakes);
    const votes = votesOf(net, net.state);
    expect(votes.every((vote) => vote.extension.beacon.partial !== null)).toBe(true);
    const total = stakes.reduce((sum, stake) => sum + stake, 0);
    const allowed = subsetsOf([0, 1, 2, 3], 1).filter((subset) => 3 * subset.reduce((sum, index) => sum + stakes[index]!, 0) > 2 * total);
    expect(allowed).toHaveLength(5);
    const outcomes = allowed.map((subset) => {
      const state = structuredClone(net.state);
      applyBlock(state, { height: state.height + 1, votes: subset.map((index) => votes[index]!), txs: [] });
      const elected = currentEpoch(state);
      expect(elected.number).toBe(currentEpoch(net.state).number + 1);
      const signature = state.beacon.signatures.at(-1)!;
      expect(signatureVerifies(signature.signature, seedMessage(state.chainId, elected.number, signature.round), state.beacon.group!.publicKey)).toBe(true);
      expect(elected.seed).toBe(seedOf(signature.signature));
      return `${elected.seed}:${elected.sequencer}`;
    });
    expect(new Set(outcomes).size).toBe(1);
  }, 600_000);

  it('with 10 equal validators, sampled allowed subsets (of the 176) all give the same seed; half of them (5) cannot elect', () => {
    const stakes = Array.from({ length: 10 }, () => 20_000);
    const net = netWithPendingElection(stakes);
    const votes = votesOf(net, net.state);
    const seeds = new Set<string>();
    const samples = [[0, 1, 2, 3, 4, 5, 6], [3, 4, 5, 6, 7, 8, 9], [0, 2, 4, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
    for (const subset of samples) {
      const state = structuredClone(net.state);
      applyBlock(state, { height: state.height + 1, votes: subset.map((index) => votes[index]!), txs: [] });
      seeds.add(`${currentEpoch(state).number}:${currentEpoch(state).seed}`);
    }
    expect(seeds.size).toBe(1);
    const minority = structuredClone(net.state);
    applyBlock(minority, { height: minority.height + 1, votes: votes.slice(0, 5), txs: [] });
    expect(currentEpoch(minority).number).toBe(currentEpoch(net.state).number);
    expect(minority.pendingElection).not.toBeNull();
  }, 600_000);

  it('drops and counts a partial signature that fails verification, and still elects from the honest ones', () => {
    const net = netWithPendingElection([30_000, 25_000, 25_000, 20_000]);
    const votes = votesOf(net, net.state);
    const partial = votes[0]!.extension.beacon.partial!;
    // Validator 0 (first in the block) sends validator 1's signatures as its own.
    votes[0]!.extension.beacon.partial = { ...partial, signatures: partial.signatures.map((_, index) => votes[1]!.extension.beacon.partial!.signatures[index % 3]!) };
    const state = structuredClone(net.state);
    const result = applyBlock(state, { height: state.height + 1, votes, txs: [] });
    expect(state.beacon.dropped.partials).toBe(1);
    expect(result.events.find((event) => event.type === 'beacon_partial_dropped')?.attributes.validator).toBe(net.state.validators.find((validator) => validator.cometAddress === cometKey(0).address)!.address);
    expect(currentEpoch(state).number).toBe(currentEpoch(net.state).number + 1);
    // The honest 70% alone reach the threshold: the same seed as with every partial valid.
    const honest = structuredClone(net.state);
    applyBlock(honest, { height: honest.height + 1, votes: votesOf(net, net.state), txs: [] });
    expect(currentEpoch(state).seed).toBe(currentEpoch(honest).seed);
  });

  it('over many elections the seeds are group signatures and the winners follow stake (chi-square, p = 0.001)', () => {
    // The app's own elections: each epoch's seed is the hash of a group signature that verifies.
    const net = new SimNet([40_000, 30_000, 20_000, 20_000]);
    net.until((state) => state.beacon.group !== null, 20);
    for (let step = 0; step < 120 && net.state.rotations.length < 6; step++) {
      net.produceL2(net.l2Head + 4);
      net.block();
    }
    const group = net.state.beacon.group!;
    for (const signed of net.state.beacon.signatures) {
      const epoch = net.state.epochs.find((candidate) => candidate.number === signed.epoch)!;
      expect(epoch.seed).toBe(seedOf(signed.signature));
      expect(signatureVerifies(signed.signature, seedMessage(net.state.chainId, signed.epoch, signed.round), group.publicKey)).toBe(true);
    }
    expect(net.state.beacon.signatures.length).toBeGreaterThanOrEqual(5);
    expect(currentEpoch(net.state).number).toBeGreaterThanOrEqual(4);

    // Many more elections of the same kind: the unique group signature (what any t partials recover) per election.
    const candidates = net.state.validators.map((validator) => ({ address: validator.address, power: validator.power }));
    const dealt = dealtGroup(1, 1);
    const draws = 500;
    const counts = new Map<string, number>();
    for (let round = 1; round <= draws; round++) {
      const winner = selectWeighted(seedOf(signShare(dealt.secret, seedMessage('fairness', round, round))), candidates);
      counts.set(winner, (counts.get(winner) ?? 0) + 1);
    }
    const total = candidates.reduce((sum, candidate) => sum + candidate.power, 0);
    let chiSquare = 0;
    for (const candidate of candidates) {
      const expected = (draws * candidate.power) / total;
      chiSquare += ((counts.get(candidate.address) ?? 0) - expected) ** 2 / expected;
    }
    // 3 degrees of freedom: the 0.999 quantile is 16.266.
    expect(chiSquare).toBeLessThan(16.266);
    expect(counts.get(candidates[0]!.address)! / draws).toBeGreaterThan(0.3);
  }, 600_000);
});
