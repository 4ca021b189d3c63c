import { digestOf } from '../../../protocol/consensus/canonical.ts';
import { openElection } from './elections.ts';
import { currentEpoch, epochForBlock } from './epochs.ts';
import { event, type AppEvent } from './events.ts';
import type { Evidence } from './extension.ts';
import { recoverL2BlockSigner } from './l2-block-signature.ts';
import { requestSignature } from './mpc.ts';
import { isSupermajority } from './tally.ts';
import type { Address, ConsensusState, MisbehaviourReason } from '../../../protocol/consensus/types.ts';
import { powerOf, totalPower, validatorByAddress } from './validators.ts';

/**
 * Faults: a dead or misbehaving sequencer is replaced once validators holding more than 2/3 of stake agree
 * (liveness verdicts and refusals are subjective, so they are tallied), or at once on self-contained proof
 * (two signed L2 blocks at one height: every node verifies the signatures itself).
 */

/** Accusations are forgotten after this many consensus blocks without reaching a supermajority. */
const ACCUSATION_TTL = 10_000;

/** Open accusations one validator may have started: bounds the state a faulty accuser can make everyone keep. */
const MAX_OPEN_ACCUSATIONS_PER_ACCUSER = 16;

export function recordAccusation(state: ConsensusState, accuser: Address, sequencer: Address, ref: string): void {
  let accusation = state.accusations.find((candidate) => candidate.sequencer === sequencer && candidate.ref === ref);
  if (!accusation) {
    const started = state.accusations.filter((candidate) => candidate.accusers[0] === accuser && candidate.accusers.length === 1).length;
    if (started >= MAX_OPEN_ACCUSATIONS_PER_ACCUSER || !validatorByAddress(state, sequencer)) return;
    accusation = { sequencer, kind: 'invalid-batch', ref, accusers: [], height: state.height };
    state.accusations.push(accusation);
  }
  if (!accusation.accusers.includes(accuser)) accusation.accusers = [...accusation.accusers, accuser].sort();
}

/** Acts on every accusation that now holds a supermajority of stake; drops stale ones. */
export function settleAccusations(state: ConsensusState, events: AppEvent[]): void {
  const total = totalPower(state);
  for (const accusation of [...state.accusations]) {
    const power = accusation.accusers.reduce((sum, accuser) => sum + powerOf(state, accuser), 0);
    const expired = state.height - accusation.height > ACCUSATION_TTL;
    if (!isSupermajority(power, total) && !expired) continue;
    state.accusations = state.accusations.filter((candidate) => candidate !== accusation);
    if (!expired) declareMisbehaviour(state, accusation.sequencer, 'invalid-batch', digestOf(accusation), accusation.ref, events);
  }
}

/** Checks double-sign proof: two different hashes at one L2 height, both signed by the sequencer elected for it. */
export function isValidDoubleSign(state: ConsensusState, evidence: Extract<Evidence, { kind: 'double-sign' }>): boolean {
  if (evidence.a.hash === evidence.b.hash) return false;
  if (epochForBlock(state, evidence.l2Block)?.sequencer !== evidence.sequencer) return false;
  return (
    recoverL2BlockSigner(state.l2ChainId, evidence.l2Block, evidence.a.hash, evidence.a.signature) === evidence.sequencer &&
    recoverL2BlockSigner(state.l2ChainId, evidence.l2Block, evidence.b.hash, evidence.b.signature) === evidence.sequencer
  );
}

export function applyDoubleSign(state: ConsensusState, evidence: Extract<Evidence, { kind: 'double-sign' }>, events: AppEvent[]): boolean {
  const key = `${evidence.sequencer}:${evidence.l2Block}`;
  if (state.punished.includes(key) || !isValidDoubleSign(state, evidence)) return false;
  state.punished.push(key);
  declareMisbehaviour(state, evidence.sequencer, 'double-sign', digestOf(evidence), `l2Block:${evidence.l2Block}`, events);
  return true;
}

function coolDown(state: ConsensusState, sequencer: Address): void {
  const validator = validatorByAddress(state, sequencer);
  const until = currentEpoch(state).number + 1 + state.params.coolDownEpochs;
  if (validator) validator.coolDownUntilEpoch = Math.max(validator.coolDownUntilEpoch, until);
}

/** Replaces the active sequencer (liveness or misbehaviour); a no-op if it is already being replaced. */
function replaceIfActive(state: ConsensusState, sequencer: Address, reason: 'liveness' | 'misbehaviour' | 'governance'): boolean {
  const current = currentEpoch(state);
  if (state.nextEpoch?.sequencer === sequencer) {
    state.rotations = state.rotations.filter((rotation) => !(rotation.epoch === state.nextEpoch!.number && rotation.to === sequencer));
    state.nextEpoch = null;
  }
  if (current.sequencer !== sequencer || state.pendingElection?.replacing === sequencer) return false;
  state.nextEpoch = null;
  openElection(state, reason, [sequencer], sequencer);
  return true;
}

export function declareLivenessFault(state: ConsensusState, sequencer: Address, events: AppEvent[]): void {
  if (state.pendingElection?.replacing === sequencer) return;
  coolDown(state, sequencer);
  replaceIfActive(state, sequencer, 'liveness');
  events.push(event('fault', { kind: 'liveness', sequencer, epoch: currentEpoch(state).number, safe_block: state.l2.safe }));
}

export function declareMisbehaviour(
  state: ConsensusState,
  sequencer: Address,
  reason: MisbehaviourReason,
  evidenceHash: `0x${string}`,
  ref: string,
  events: AppEvent[],
): void {
  coolDown(state, sequencer);
  replaceIfActive(state, sequencer, 'misbehaviour');
  const validator = validatorByAddress(state, sequencer);
  // The fields of LockingPool.slash (EIP-712 Slash(sequencerId, evidenceHash, amount)).
  const amount = validator ? ((BigInt(validator.stake) * BigInt(state.params.slashBps)) / 10_000n).toString() : '0';
  const session = requestSignature(state, 'slash', {
    sequencerId: validator?.sequencerId ?? null,
    evidenceHash,
    amount,
    signer: sequencer,
    reason,
    ref,
    height: state.height,
  });
  state.slashes.push({ sequencer, sequencerId: validator?.sequencerId ?? -1, reason, evidenceHash, height: state.height, sessionId: session?.id ?? -1 });
  events.push(event('fault', { kind: reason, sequencer, ref, evidence: evidenceHash, slash_session: session?.id ?? null }));
}

/** A governance change (whitelist removal) took the active sequencer out of the set: replace it. */
export function replaceIneligibleSequencer(state: ConsensusState, events: AppEvent[]): void {
  const current = currentEpoch(state);
  if (powerOf(state, current.sequencer) > 0) return;
  if (replaceIfActive(state, current.sequencer, 'governance')) {
    events.push(event('fault', { kind: 'ineligible', sequencer: current.sequencer, epoch: current.number }));
  }
}
