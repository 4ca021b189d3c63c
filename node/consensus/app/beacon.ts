import type { Address, BeaconGroup, BeaconState, ConsensusState, Hex, PendingElection } from '../../../protocol/consensus/types.ts';
import { indicesOf, maybeOpenDkg, progressDkg, recordBeaconKey, recordDealing, recordReveal, recordVerdict } from './dkg.ts';
import { event, type AppEvent } from './events.ts';
import type { BeaconContribution } from './extension.ts';
import { partialsVerify, recoverSignature, seedMessage, seedOf, signatureVerifies } from './threshold-bls.ts';

/**
 * The rotation seed: each election is signed by the beacon group (threshold BLS over the chain, the epoch being
 * elected and the election round). Members put partial signatures in their vote extensions; the first
 * `threshold` valid shares interpolate to the group signature, which is unique, so which extensions a proposer
 * includes cannot change it. The seed is sha256 of that signature.
 */

/** Group signatures kept in state (the newest; events carry every one). */
const KEPT_SIGNATURES = 16;

export function emptyBeaconState(): BeaconState {
  return { round: 1, keys: {}, group: null, dkg: null, nextDkgRound: 1, partials: null, dropped: { partials: 0, dealings: 0, verdicts: 0, reveals: 0 }, signatures: [] };
}

export function electionMessage(state: ConsensusState, election: PendingElection): Uint8Array {
  return seedMessage(state.chainId, election.epochNumber, election.round);
}

/** Applies the block's beacon contributions (authenticated and weighted by the caller), in block order. */
export function applyBeaconContributions(state: ConsensusState, votes: readonly { validator: Address; contribution: BeaconContribution }[], events: AppEvent[]): void {
  for (const { validator, contribution } of votes) {
    if (contribution.key) recordBeaconKey(state, validator, contribution.key);
    if (contribution.deal) recordDealing(state, validator, contribution.deal);
    if (contribution.verdict) recordVerdict(state, validator, contribution.verdict);
    if (contribution.reveal) recordReveal(state, validator, contribution.reveal);
  }
  recordPartials(
    state,
    votes.flatMap(({ validator, contribution }) => (contribution.partial ? [{ member: validator, partial: contribution.partial }] : [])),
    events,
  );
}

function partialItems(group: BeaconGroup, member: Address, signatures: readonly (Hex | null)[]): { index: number; signature: Hex; publicShare: Hex }[] {
  return indicesOf(group, member).flatMap((index, position) => (signatures[position] ? [{ index, signature: signatures[position]!, publicShare: group.publicShares[index - 1]! }] : []));
}

/** Why a member's partials for `group` are unacceptable (undefined when they verify). Pure; used by VerifyVoteExtension too. */
export function partialsProblem(group: BeaconGroup, member: Address, message: Uint8Array, signatures: readonly (Hex | null)[]): string | undefined {
  const indices = indicesOf(group, member);
  if (indices.length === 0) return 'not a member of the beacon group';
  if (signatures.length !== indices.length) return `expected ${indices.length} partial signatures, got ${signatures.length}`;
  return partialsVerify(message, partialItems(group, member, signatures)) ? undefined : 'a partial signature does not verify against its public share';
}

type Partial = NonNullable<BeaconContribution['partial']>;

/**
 * Gathers partials for the pending election in block order until they cover the threshold, then checks the
 * interpolated signature against the group key: an honest election costs one pairing check. Only when that fails
 * are members checked one by one, the bad ones dropped and counted, and gathering goes on.
 */
function recordPartials(state: ConsensusState, contributions: readonly { member: Address; partial: Partial }[], events: AppEvent[]): void {
  const { group } = state.beacon;
  const election = state.pendingElection;
  if (!group || !election) return;
  // For another election or group: stale, not wrong (the sender's view was a block behind or ahead).
  const current = contributions.filter(({ partial }) => partial.round === election.round && partial.group === group.round);
  if (current.length === 0) return;
  if (state.beacon.partials?.round !== election.round || state.beacon.partials.group !== group.round) {
    state.beacon.partials = { round: election.round, group: group.round, byIndex: {} };
  }
  const collected = state.beacon.partials.byIndex;
  const message = electionMessage(state, election);
  for (const { member, partial } of current) {
    if (state.beacon.partials.signature) return;
    const indices = indicesOf(group, member);
    if (indices.length === 0 || partial.signatures.length !== indices.length) {
      dropPartials(state, events, member, indices.length === 0 ? 'not a member of the beacon group' : 'wrong number of partial signatures');
      continue;
    }
    for (const item of partialItems(group, member, partial.signatures)) collected[String(item.index)] ??= item.signature;
    if (Object.keys(collected).length < group.threshold) continue;
    const signature = recoverFrom(collected, group.threshold);
    if (signature && signatureVerifies(signature, message, group.publicKey)) {
      state.beacon.partials.signature = signature;
      return;
    }
    // Someone's partials are bad: drop theirs (checked member by member) and go on with the block's other votes.
    dropInvalidPartials(state, group, message, events);
  }
}

function dropPartials(state: ConsensusState, events: AppEvent[], member: Address, reason: string): void {
  state.beacon.dropped.partials++;
  events.push(event('beacon_partial_dropped', { validator: member, round: state.pendingElection?.round ?? 0, reason }));
}

/** Removes the gathered partials of every member whose partials fail against its public shares (dropped and counted). */
function dropInvalidPartials(state: ConsensusState, group: BeaconGroup, message: Uint8Array, events: AppEvent[]): void {
  const collected = state.beacon.partials!.byIndex;
  for (const member of group.members) {
    const items = indicesOf(group, member).flatMap((index) => (collected[String(index)] ? [{ index, signature: collected[String(index)]!, publicShare: group.publicShares[index - 1]! }] : []));
    if (items.length === 0 || partialsVerify(message, items)) continue;
    for (const item of items) delete collected[String(item.index)];
    dropPartials(state, events, member, 'a partial signature does not verify against its public share');
  }
}

/** The interpolation of the lowest `threshold` partials; undefined when one of them is not even a curve point. */
function recoverFrom(byIndex: Record<string, Hex>, threshold: number): Hex | undefined {
  try {
    return recoverSignature(new Map(Object.entries(byIndex).map(([index, value]) => [Number(index), value])), threshold);
  } catch {
    return undefined;
  }
}

/** The seed of the pending election, once its group signature was recovered; undefined while waiting. */
export function electionSeed(state: ConsensusState, events: AppEvent[]): Hex | undefined {
  const { group, partials } = state.beacon;
  const election = state.pendingElection;
  const signature = partials?.signature;
  if (!group || !election || !signature || partials.round !== election.round || partials.group !== group.round) return undefined;
  state.beacon.signatures.push({ round: election.round, epoch: election.epochNumber, group: group.round, signature });
  if (state.beacon.signatures.length > KEPT_SIGNATURES) state.beacon.signatures.shift();
  events.push(event('beacon_signature', { round: election.round, epoch: election.epochNumber, group: group.round, signature }));
  return seedOf(signature);
}

/** Runs once per block before elections: DKG phases, and a new DKG when the validator set changed. */
export function progressBeacon(state: ConsensusState, events: AppEvent[]): void {
  progressDkg(state, events);
  maybeOpenDkg(state, events);
}

/** Moves the beacon to the next election round once an election consumed its seed. */
export function advanceBeaconRound(state: ConsensusState): void {
  state.beacon.round += 1;
  state.beacon.partials = null;
}
