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

/** Applies one validator's beacon contribution (already authenticated and weighted by the caller). */
export function applyBeaconContribution(state: ConsensusState, validator: Address, contribution: BeaconContribution, events: AppEvent[]): void {
  if (contribution.key) recordBeaconKey(state, validator, contribution.key);
  if (contribution.deal) recordDealing(state, validator, contribution.deal);
  if (contribution.verdict) recordVerdict(state, validator, contribution.verdict);
  if (contribution.reveal) recordReveal(state, validator, contribution.reveal);
  if (contribution.partial) recordPartials(state, validator, contribution.partial, events);
}

/** Why a member's partials for `group` are unacceptable (undefined when they verify). Pure; used by VerifyVoteExtension too. */
export function partialsProblem(group: BeaconGroup, member: Address, message: Uint8Array, signatures: readonly (Hex | null)[]): string | undefined {
  const indices = indicesOf(group, member);
  if (indices.length === 0) return 'not a member of the beacon group';
  if (signatures.length !== indices.length) return `expected ${indices.length} partial signatures, got ${signatures.length}`;
  const items = indices.flatMap((index, position) => (signatures[position] ? [{ signature: signatures[position]!, publicShare: group.publicShares[index - 1]! }] : []));
  return partialsVerify(message, items) ? undefined : 'a partial signature does not verify against its public share';
}

function recordPartials(state: ConsensusState, member: Address, partial: NonNullable<BeaconContribution['partial']>, events: AppEvent[]): void {
  const { group } = state.beacon;
  const election = state.pendingElection;
  // For another election or group: stale, not wrong (the sender's view was a block behind or ahead).
  if (!group || !election || partial.round !== election.round || partial.group !== group.round) return;
  if (state.beacon.partials?.round !== election.round || state.beacon.partials.group !== group.round) {
    state.beacon.partials = { round: election.round, group: group.round, byIndex: {} };
  }
  const collected = state.beacon.partials;
  // Enough already: more shares cannot change the signature, so they are not even verified.
  if (Object.keys(collected.byIndex).length >= group.threshold) return;
  const problem = partialsProblem(group, member, electionMessage(state, election), partial.signatures);
  if (problem) {
    state.beacon.dropped.partials++;
    events.push(event('beacon_partial_dropped', { validator: member, round: election.round, reason: problem }));
    return;
  }
  indicesOf(group, member).forEach((index, position) => {
    const signature = partial.signatures[position];
    if (signature) collected.byIndex[String(index)] = signature;
  });
}

/** The seed of the pending election, once the group signature can be recovered; undefined while waiting. */
export function electionSeed(state: ConsensusState, events: AppEvent[]): Hex | undefined {
  const { group, partials } = state.beacon;
  const election = state.pendingElection;
  if (!group || !election || !partials || partials.round !== election.round || partials.group !== group.round) return undefined;
  if (Object.keys(partials.byIndex).length < group.threshold) return undefined;
  const message = electionMessage(state, election);
  const signature = recoverSignature(new Map(Object.entries(partials.byIndex).map(([index, value]) => [Number(index), value])), group.threshold);
  // Unreachable with verified partials and a consistent group; checked because a wrong seed could not be undone.
  if (!signatureVerifies(signature, message, group.publicKey)) {
    state.beacon.partials = null;
    events.push(event('beacon_partial_dropped', { validator: '', round: election.round, reason: 'recovered signature does not verify' }));
    return undefined;
  }
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
