import type { Address, BeaconGroup, ConsensusState, DkgRound, Hex } from '../../../protocol/consensus/types.ts';
import { event, type AppEvent } from './events.ts';
import { MAX_BEACON_MEMBERS, type BeaconContribution } from './extension.ts';
import { isBlockingMinority, isSupermajority } from './tally.ts';
import { beaconThreshold, decodeCommitments, groupKeyOf, scalarFromHex, shareIndices, shareMatches, shareWeights, sumCommitments } from './threshold-bls.ts';
import { activeValidators, powerOf, totalPower } from './validators.ts';

/**
 * Joint-Feldman DKG for the rotation beacon, run through vote extensions (docs/architecture/rotation-seed.md).
 * Deal: each member publishes commitments to a random polynomial and its shares encrypted to each holder.
 * Complain: each member names the dealers whose shares to it fail the commitments. Justify: an accused dealer
 * reveals the complainers' shares, checked here. The qualified dealers' polynomials sum to the group's.
 * Each phase ends when every member has spoken or after DKG_PHASE_BLOCKS consensus blocks.
 */
export const DKG_PHASE_BLOCKS = 10;

type Deal = NonNullable<BeaconContribution['deal']>;
type Verdict = NonNullable<BeaconContribution['verdict']>;
type Reveal = NonNullable<BeaconContribution['reveal']>;

/** Members and share weights the beacon should have now: every active validator, by address. */
function targetShape(state: ConsensusState): { members: Address[]; weights: number[] } {
  const active = activeValidators(state).sort((a, b) => (a.address < b.address ? -1 : 1));
  return { members: active.map((validator) => validator.address), weights: shareWeights(active.map((validator) => validator.power)) };
}

function sameShape(group: { members: Address[]; weights: number[] }, target: { members: Address[]; weights: number[] }): boolean {
  return group.members.join() === target.members.join() && group.weights.join() === target.weights.join();
}

/** Share indices of `holder` in a round or group (empty for non-members). */
export function indicesOf(shape: { members: Address[]; weights: number[] }, holder: Address): number[] {
  const position = shape.members.indexOf(holder);
  return position < 0 ? [] : shareIndices(shape.weights)[position]!;
}

function holderOf(shape: { members: Address[]; weights: number[] }): Address[] {
  return shape.members.flatMap((member, position) => Array.from({ length: shape.weights[position]! }, () => member));
}

export function recordBeaconKey(state: ConsensusState, validator: Address, key: Hex): void {
  // Keys never change: a member's past shares were encrypted to the first one.
  state.beacon.keys[validator] ??= key;
}

/** Opens a round when the set or its weights differ from the group's and enough members can receive shares. */
export function maybeOpenDkg(state: ConsensusState, events: AppEvent[]): void {
  const beacon = state.beacon;
  if (beacon.dkg) return;
  const target = targetShape(state);
  if (target.members.length === 0 || target.members.length > MAX_BEACON_MEMBERS) return;
  if (beacon.group && sameShape(beacon.group, target)) return;
  const keyed = target.members.filter((member) => beacon.keys[member]);
  if (!isSupermajority(keyed.reduce((sum, member) => sum + powerOf(state, member), 0), totalPower(state))) return;
  const round: DkgRound = {
    round: beacon.nextDkgRound++,
    ...target,
    threshold: beaconThreshold(target.members.length),
    keys: Object.fromEntries(keyed.map((member) => [member, beacon.keys[member]!])),
    phase: 'deal',
    phaseStartedAt: state.height,
    dealings: {},
    verdicts: {},
    revealed: {},
    disqualified: [],
  };
  beacon.dkg = round;
  events.push(event('beacon_dkg', { action: 'open', round: round.round, members: round.members.length, threshold: round.threshold }));
}

function dealingProblem(dkg: DkgRound, deal: Deal): string | undefined {
  const holders = holderOf(dkg);
  if (deal.commitments.length !== dkg.threshold) return 'wrong number of commitments';
  if (deal.shares.length !== holders.length) return 'wrong number of shares';
  if (deal.shares.some((share, index) => (share === null) !== (dkg.keys[holders[index]!] === undefined))) return 'a share is missing or addressed to a keyless member';
  if (!decodeCommitments(deal.commitments)) return 'a commitment is not a G2 point';
  return undefined;
}

export function recordDealing(state: ConsensusState, dealer: Address, deal: Deal): void {
  const dkg = state.beacon.dkg;
  if (dkg?.phase !== 'deal' || deal.round !== dkg.round || !dkg.members.includes(dealer) || dkg.dealings[dealer]) return;
  if (dealingProblem(dkg, deal)) {
    state.beacon.dropped.dealings++;
    return;
  }
  dkg.dealings[dealer] = { commitments: deal.commitments, ephemeral: deal.ephemeral, shares: deal.shares };
}

export function recordVerdict(state: ConsensusState, member: Address, verdict: Verdict): void {
  const dkg = state.beacon.dkg;
  if (dkg?.phase !== 'complain' || verdict.round !== dkg.round || !dkg.members.includes(member) || dkg.verdicts[member]) return;
  const complaints = [...new Set(verdict.complaints)].filter((dealer) => dkg.dealings[dealer]);
  if (complaints.length !== verdict.complaints.length) state.beacon.dropped.verdicts++;
  dkg.verdicts[member] = complaints.sort();
}

/** Share indices `dealer` must reveal: those of every member that complained about it. */
function accusedIndices(dkg: DkgRound, dealer: Address): number[] {
  return Object.entries(dkg.verdicts)
    .filter(([, dealers]) => dealers.includes(dealer))
    .flatMap(([member]) => indicesOf(dkg, member as Address))
    .sort((a, b) => a - b);
}

/** A reveal must answer every complaint at once, each share matching the commitments; a false one disqualifies. */
export function recordReveal(state: ConsensusState, dealer: Address, reveal: Reveal): void {
  const dkg = state.beacon.dkg;
  if (dkg?.phase !== 'justify' || reveal.round !== dkg.round || dkg.revealed[dealer] || dkg.disqualified.includes(dealer)) return;
  const wanted = accusedIndices(dkg, dealer);
  const given = new Map(reveal.shares.map((share) => [share.index, share.value]));
  if (wanted.length === 0 || wanted.some((index) => !given.has(index))) {
    state.beacon.dropped.reveals++;
    return;
  }
  const commitments = decodeCommitments(dkg.dealings[dealer]!.commitments)!;
  const valid = wanted.every((index) => {
    const share = scalarFromHex(given.get(index)!);
    return share !== undefined && shareMatches(share, commitments, index);
  });
  if (!valid) {
    dkg.disqualified.push(dealer);
    return;
  }
  dkg.revealed[dealer] = Object.fromEntries(wanted.map((index) => [String(index), given.get(index)!]));
}

function accusedDealers(dkg: DkgRound): Address[] {
  return [...new Set(Object.values(dkg.verdicts).flat())].sort();
}

function phaseExpired(state: ConsensusState, dkg: DkgRound): boolean {
  return state.height - dkg.phaseStartedAt >= DKG_PHASE_BLOCKS;
}

function enterPhase(state: ConsensusState, dkg: DkgRound, phase: DkgRound['phase']): void {
  dkg.phase = phase;
  dkg.phaseStartedAt = state.height;
}

/** Moves the running round on when its phase is complete or timed out; finishes or fails it at the end. */
export function progressDkg(state: ConsensusState, events: AppEvent[]): void {
  const dkg = state.beacon.dkg;
  if (!dkg) return;
  if (dkg.phase === 'deal') {
    if (dkg.members.every((member) => dkg.dealings[member]) || phaseExpired(state, dkg)) enterPhase(state, dkg, 'complain');
    return;
  }
  if (dkg.phase === 'complain') {
    if (!dkg.members.every((member) => dkg.verdicts[member]) && !phaseExpired(state, dkg)) return;
    if (accusedDealers(dkg).length > 0) {
      enterPhase(state, dkg, 'justify');
      return;
    }
  } else if (!accusedDealers(dkg).every((dealer) => dkg.revealed[dealer] || dkg.disqualified.includes(dealer)) && !phaseExpired(state, dkg)) {
    return;
  }
  finishDkg(state, dkg, events);
}

function finishDkg(state: ConsensusState, dkg: DkgRound, events: AppEvent[]): void {
  state.beacon.dkg = null;
  const accused = accusedDealers(dkg);
  const qualified = Object.keys(dkg.dealings)
    .filter((dealer) => !dkg.disqualified.includes(dealer as Address) && (!accused.includes(dealer as Address) || dkg.revealed[dealer]))
    .sort() as Address[];
  const qualifiedPower = qualified.reduce((sum, dealer) => sum + powerOf(state, dealer), 0);
  // More than 1/3 of the power holds at least one honest dealer, whose polynomial keeps the group key secret.
  if (!isBlockingMinority(qualifiedPower, totalPower(state))) {
    events.push(event('beacon_dkg', { action: 'failed', round: dkg.round, qualified: qualified.length }));
    return;
  }
  const sum = sumCommitments(qualified.map((dealer) => decodeCommitments(dkg.dealings[dealer]!.commitments)!));
  const key = groupKeyOf(sum);
  const group: BeaconGroup = {
    round: dkg.round,
    members: dkg.members,
    weights: dkg.weights,
    threshold: dkg.threshold,
    publicKey: key.publicKey,
    publicShares: key.publicShares(holderOf(dkg).length),
    dealings: Object.fromEntries(qualified.map((dealer) => [dealer, { ephemeral: dkg.dealings[dealer]!.ephemeral, shares: dkg.dealings[dealer]!.shares }])),
    revealed: Object.fromEntries(qualified.filter((dealer) => dkg.revealed[dealer]).map((dealer) => [dealer, dkg.revealed[dealer]!])),
    completedAtHeight: state.height,
  };
  state.beacon.group = group;
  state.beacon.partials = null;
  events.push(event('beacon_dkg', { action: 'complete', round: dkg.round, qualified: qualified.length, threshold: dkg.threshold, public_key: group.publicKey }));
}
