import { decodeTx } from './txs.ts';
import { digestOf } from '../../../protocol/consensus/canonical.ts';
import { progressEpochs } from './elections.ts';
import { TxRejectedError } from '../../../protocol/consensus/errors.ts';
import type { AppEvent } from './events.ts';
import type { VoteExtension } from './extension.ts';
import { declareMisbehaviour, replaceIneligibleSequencer, settleAccusations } from './faults.ts';
import { processProposals } from './governance.ts';
import { pruneHistory, type Archived } from './history.ts';
import { openDueRetries, syncMpcParties } from './mpc.ts';
import { applyObservations, type ObservedVote } from './observations.ts';
import { applyTx } from './transactions.ts';
import type { ConsensusState, Hex } from '../../../protocol/consensus/types.ts';
import { cometValidatorSet, validatorByCometAddress, validatorSetDiff } from './validators.ts';

/** What FinalizeBlock hands the state machine: the block's height, authenticated extensions and app txs. */
export interface BlockInput {
  height: number;
  /** Vote extensions of the previous height, by CometBFT validator address (uppercase hex). */
  votes: { cometAddress: string; extension: VoteExtension }[];
  txs: Uint8Array[];
  /** CometBFT's verified evidence of consensus-key equivocation (DuplicateVoteEvidence), by validator address. */
  misbehaviour?: { cometAddress: string; height: number }[];
}

export interface TxResult {
  code: number;
  log: string;
  events: AppEvent[];
}

export interface BlockResult {
  txResults: TxResult[];
  /** Epochs and rotations that left the state in this block, oldest first (app/history.ts). */
  archived: Archived;
  events: AppEvent[];
  validatorUpdates: { pubKey: string; power: number }[];
  appHash: Hex;
}

export function appHashOf(state: ConsensusState): Hex {
  return digestOf(state);
}

/**
 * The deterministic state transition for one block. Mutates `state` (callers pass a copy of the committed
 * state); the same state and input always give the same result and app hash. No clock, no randomness, no I/O.
 */
export function applyBlock(state: ConsensusState, input: BlockInput): BlockResult {
  const before = cometValidatorSet(state);
  const events: AppEvent[] = [];
  state.height = input.height;

  const observed: ObservedVote[] = [];
  for (const vote of input.votes) {
    const validator = validatorByCometAddress(state, vote.cometAddress);
    if (validator) observed.push({ validator: validator.address, extension: vote.extension });
  }
  applyObservations(state, observed, events);

  for (const offence of input.misbehaviour ?? []) {
    const validator = validatorByCometAddress(state, offence.cometAddress);
    const key = `${offence.cometAddress}:consensus:${offence.height}`;
    if (!validator || state.punished.includes(key)) continue;
    state.punished.push(key);
    declareMisbehaviour(state, validator.address, 'duplicate-vote', digestOf({ duplicateVote: offence }), `consensus:${offence.height}`, events);
  }

  const txResults = input.txs.map((bytes): TxResult => {
    const txEvents: AppEvent[] = [];
    try {
      applyTx(state, decodeTx(bytes), txEvents);
      return { code: 0, log: '', events: txEvents };
    } catch (error) {
      if (error instanceof TxRejectedError) return { code: error.code, log: error.message, events: [] };
      throw error;
    }
  });

  settleAccusations(state, events);
  processProposals(state, events);
  replaceIneligibleSequencer(state, events);
  progressEpochs(state, events);
  syncMpcParties(state);
  openDueRetries(state);
  const archived = pruneHistory(state);

  return { txResults, archived, events, validatorUpdates: validatorSetDiff(before, cometValidatorSet(state)), appHash: appHashOf(state) };
}
