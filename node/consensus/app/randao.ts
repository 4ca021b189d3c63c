import { canonicalJson, sha256Hex } from '../../../protocol/consensus/canonical.ts';
import { isSupermajority } from './tally.ts';
import type { Address, ConsensusState, Hex } from '../../../protocol/consensus/types.ts';
import { activeValidators, powerOf, totalPower } from './validators.ts';

/**
 * Commit-reveal randomness carried in vote extensions. Each validator commits sha256(secret_r) for a round before
 * that round's reveal window opens, and reveals secret_r only once it is open (after the election became due).
 * The seed is the hash of the previous seed and every reveal recorded when revealed power first exceeds 2/3.
 */

export function recordCommitment(state: ConsensusState, validator: Address, round: number, hash: Hex): boolean {
  const current = state.randao.round;
  const open = state.pendingElection?.round === current && state.pendingElection.revealOpen;
  if (round !== current && round !== current + 1) return false;
  if (round === current && open) return false;
  state.randao.commitments[validator] ??= {};
  const byRound = state.randao.commitments[validator];
  if (byRound[String(round)]) return false;
  byRound[String(round)] = hash;
  return true;
}

export function recordReveal(state: ConsensusState, validator: Address, round: number, secret: Hex): boolean {
  const election = state.pendingElection;
  if (!election?.revealOpen || election.round !== round || election.reveals[validator]) return false;
  const commitment = state.randao.commitments[validator]?.[String(round)];
  if (!commitment || sha256Hex(Buffer.from(secret.slice(2), 'hex')) !== commitment) return false;
  election.reveals[validator] = secret;
  return true;
}

/** Power of the validators that have committed to the round. */
export function committedPower(state: ConsensusState, round: number): number {
  return activeValidators(state)
    .filter((validator) => state.randao.commitments[validator.address]?.[String(round)])
    .reduce((sum, validator) => sum + validator.power, 0);
}

/** Opens the reveal window once more than 2/3 of power has committed to the pending round. */
export function maybeOpenReveals(state: ConsensusState): void {
  const election = state.pendingElection;
  if (!election || election.revealOpen) return;
  if (isSupermajority(committedPower(state, election.round), totalPower(state))) election.revealOpen = true;
}

/** The seed, once reveals hold more than 2/3 of power; undefined while still waiting. */
export function seedIfComplete(state: ConsensusState): Hex | undefined {
  const election = state.pendingElection;
  if (!election?.revealOpen) return undefined;
  const revealed = Object.keys(election.reveals).reduce((sum, validator) => sum + powerOf(state, validator), 0);
  if (!isSupermajority(revealed, totalPower(state))) return undefined;
  const reveals = Object.entries(election.reveals).sort(([a], [b]) => (a < b ? -1 : 1));
  return sha256Hex(`seed:${canonicalJson({ chainId: state.chainId, round: election.round, previous: state.randao.lastSeed, reveals })}`);
}

/** Moves the beacon to the next round after an election consumed `seed`. */
export function advanceRound(state: ConsensusState, seed: Hex): void {
  state.randao.round += 1;
  state.randao.lastSeed = seed;
  for (const [validator, byRound] of Object.entries(state.randao.commitments)) {
    for (const round of Object.keys(byRound)) if (Number(round) < state.randao.round) delete byRound[round];
    if (Object.keys(byRound).length === 0) delete state.randao.commitments[validator];
  }
}
