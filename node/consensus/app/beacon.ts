import type { Address, BeaconGroup, BeaconState, ConsensusState, Hex, PendingElection } from '../../../protocol/consensus/types.ts';
import { indicesOf, maybeOpenDkg, progressDkg, recordBeaconKey, recordDealing, recordReveal, recordVerdict } from './dkg.ts';
import { event, type AppEvent } from './events.ts';
import type { BeaconContribution } from './extension.ts';
import { partialsVerify, recoverSignature, seedMessage, seedOf } from './threshold-bls.ts';

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
 * Collects valid partials for the pending election until the threshold: the block's candidates are checked in one
 * pairing check, and only when that fails member by member (to drop and count the bad ones).
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
  const drop = (member: Address, reason: string) => {
    state.beacon.dropped.partials++;
    events.push(event('beacon_partial_dropped', { validator: member, round: election.round, reason }));
  };
  let candidates: { member: Address; items: ReturnType<typeof partialItems> }[] = [];
  const flush = () => {
    const batchValid = candidates.length > 0 && partialsVerify(message, candidates.flatMap((candidate) => candidate.items));
    for (const candidate of candidates) {
      if (!batchValid && !partialsVerify(message, candidate.items)) {
        drop(candidate.member, 'a partial signature does not verify against its public share');
        continue;
      }
      for (const item of candidate.items) collected[String(item.index)] = item.signature;
    }
    candidates = [];
  };
  for (const { member, partial } of current) {
    // Enough already: more shares cannot change the signature, so they are not even verified.
    if (Object.keys(collected).length >= group.threshold) break;
    const indices = indicesOf(group, member);
    if (indices.length === 0 || partial.signatures.length !== indices.length) {
      drop(member, indices.length === 0 ? 'not a member of the beacon group' : 'wrong number of partial signatures');
      continue;
    }
    candidates.push({ member, items: partialItems(group, member, partial.signatures).filter((item) => !collected[String(item.index)]) });
    const pendingShares = new Set(candidates.flatMap((candidate) => candidate.items.map((item) => item.index))).size;
    if (Object.keys(collected).length + pendingShares >= group.threshold) flush();
  }
  flush();
}

/** The seed of the pending election, once the group signature can be recovered; undefined while waiting. */
export function electionSeed(state: ConsensusState, events: AppEvent[]): Hex | undefined {
  const { group, partials } = state.beacon;
  const election = state.pendingElection;
  if (!group || !election || !partials || partials.round !== election.round || partials.group !== group.round) return undefined;
  if (Object.keys(partials.byIndex).length < group.threshold) return undefined;
  // Every partial was verified against its public share, so the interpolation is the group signature itself.
  const signature = recoverSignature(new Map(Object.entries(partials.byIndex).map(([index, value]) => [Number(index), value])), group.threshold);
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
