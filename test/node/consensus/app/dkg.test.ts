import { describe, expect, it } from 'vitest';
import { buildVoteExtension } from '../../../../node/consensus/abci/extend-vote.ts';
import { applyBlock } from '../../../../node/consensus/app/block.ts';
import { DKG_PHASE_BLOCKS, indicesOf } from '../../../../node/consensus/app/dkg.ts';
import type { VoteExtension } from '../../../../node/consensus/app/extension.ts';
import { refreshValidators, validatorByCometAddress } from '../../../../node/consensus/app/validators.ts';
import type { Address, Hex } from '../../../../protocol/consensus/types.ts';
import { cometKey, SimNet } from '../sim.ts';
import { METIS } from '../support.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];

/** One block in which validator `index`'s extension may be altered first (a Byzantine host). */
function step(net: SimNet, tamper: (index: number, extension: VoteExtension) => void = () => {}): void {
  const votes = net.observers.flatMap((observer, index) => {
    if (!net.online[index]) return [];
    const extension = buildVoteExtension(net.state, { cometAddress: cometKey(index).address, randaoKey: net.randaoKeys[index]!, observer });
    tamper(index, extension);
    return [{ cometAddress: cometKey(index).address, extension }];
  });
  const next = structuredClone(net.state);
  net.lastResult = applyBlock(next, { height: net.state.height + 1, votes, txs: [] });
  net.state = next;
}

const addressOf = (net: SimNet, index: number): Address => validatorByCometAddress(net.state, cometKey(index).address)!.address;

function flipFirstByte(hex: Hex): Hex {
  return `0x${((Number.parseInt(hex.slice(2, 4), 16) ^ 0xff) & 0xff).toString(16).padStart(2, '0')}${hex.slice(4)}`;
}

/** Elects the next epoch and checks nobody's partials were dropped (every member rebuilt valid shares). */
function electsCleanly(net: SimNet): void {
  const before = net.state.beacon.signatures.length;
  net.produceL2(net.l2Head + 10);
  net.until((state) => state.beacon.signatures.length > before, 10);
  expect(net.state.beacon.dropped.partials).toBe(0);
}

describe('beacon DKG (joint Feldman through vote extensions)', () => {
  it('a dealer whose share fails its commitments is accused, answers with the true share and stays qualified', () => {
    const net = new SimNet(STAKES);
    step(net);
    expect(net.state.beacon.dkg?.phase).toBe('deal');
    const victim = indicesOf(net.state.beacon.dkg!, addressOf(net, 1))[0]!;
    step(net, (index, extension) => {
      if (index === 0) extension.beacon.deal!.shares[victim - 1] = flipFirstByte(extension.beacon.deal!.shares[victim - 1]!);
    });
    step(net);
    expect(net.state.beacon.dkg?.verdicts[addressOf(net, 1)]).toEqual([addressOf(net, 0)]);
    expect(net.state.beacon.dkg?.phase).toBe('justify');
    step(net);
    const group = net.state.beacon.group!;
    expect(Object.keys(group.dealings)).toHaveLength(4);
    expect(Object.keys(group.revealed[addressOf(net, 0)]!).map(Number)).toEqual(indicesOf(group, addressOf(net, 1)));
    electsCleanly(net);
  });

  it('a dealer that answers a complaint with a false share is disqualified; the others form the group', () => {
    const net = new SimNet(STAKES);
    step(net);
    const victim = indicesOf(net.state.beacon.dkg!, addressOf(net, 2))[0]!;
    step(net, (index, extension) => {
      if (index === 3) extension.beacon.deal!.shares[victim - 1] = flipFirstByte(extension.beacon.deal!.shares[victim - 1]!);
    });
    step(net);
    step(net, (index, extension) => {
      if (index === 3) extension.beacon.reveal!.shares[0]!.value = `0x${'00'.repeat(31)}01`;
    });
    const group = net.state.beacon.group!;
    expect(Object.keys(group.dealings).sort()).toEqual([0, 1, 2].map((index) => addressOf(net, index)).sort());
    // The disqualified dealer is still a member: it holds shares of the others' polynomials and signs with them.
    expect(group.members).toContain(addressOf(net, 3));
    electsCleanly(net);
  });

  it('a silent dealer costs one phase timeout and is left out; a malformed dealing is dropped and counted', () => {
    const net = new SimNet(STAKES);
    step(net);
    net.online[3] = false;
    step(net, (index, extension) => {
      if (index === 2) extension.beacon.deal!.commitments = extension.beacon.deal!.commitments.slice(1);
    });
    expect(net.state.beacon.dropped.dealings).toBe(1);
    expect(net.state.beacon.dkg?.phase).toBe('deal');
    const took = net.until((state) => state.beacon.dkg?.phase === 'complain', DKG_PHASE_BLOCKS + 2);
    expect(took).toBeGreaterThanOrEqual(DKG_PHASE_BLOCKS - 2);
    // Back for the verdicts: it holds shares from the three dealers and signs with them later.
    net.online[3] = true;
    net.until((state) => state.beacon.group !== null, 5);
    // Validator 2 dealt again correctly in the next block (its host re-sends until recorded); validator 3 never did.
    expect(Object.keys(net.state.beacon.group!.dealings).sort()).toEqual([0, 1, 2].map((index) => addressOf(net, index)).sort());
    electsCleanly(net);
  });

  it('re-runs the DKG when the stake weights change, and elects with the old group until the new one is complete', () => {
    const net = new SimNet(STAKES);
    net.until((state) => state.beacon.group !== null, 10);
    const first = net.state.beacon.group!;
    // Validator 3 doubles its stake (as a relock on L1 would): the share weights change, so a new round opens.
    const validator = net.state.validators.find((candidate) => candidate.address === addressOf(net, 3))!;
    validator.stake = (40_000n * METIS).toString();
    refreshValidators(net.state);
    net.produceL2(10);
    step(net);
    expect(net.state.beacon.dkg?.round).toBe(first.round + 1);
    expect(net.state.beacon.group!.round).toBe(first.round);
    net.until((state) => state.beacon.group!.round === first.round + 1, 10);
    const second = net.state.beacon.group!;
    expect(second.publicKey).not.toBe(first.publicKey);
    expect(second.weights).not.toEqual(first.weights);
    expect(net.state.beacon.signatures.some((signed) => signed.group === first.round)).toBe(true);
    electsCleanly(net);
    expect(net.state.beacon.signatures.at(-1)!.group).toBe(second.round);
  });
});
