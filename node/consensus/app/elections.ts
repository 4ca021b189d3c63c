import { currentEpoch } from './epochs.ts';
import { event, type AppEvent } from './events.ts';
import { requestSignature } from './mpc.ts';
import { deploySequencerSetIfDue, recordElection } from './sequencer-set.ts';
import { advanceRound, maybeOpenReveals, seedIfComplete } from './randao.ts';
import { selectWeighted, type Candidate } from './selection.ts';
import type { Address, ConsensusState, ElectionReason, Epoch } from '../../../protocol/consensus/types.ts';
import { activeValidators, validatorByAddress } from './validators.ts';

/**
 * Epoch progression. The next epoch's sequencer is elected when the agreed L2 head reaches the current epoch's
 * end (minus params.electionLeadBlocks); a fault elects a replacement at once and cuts the current epoch at the
 * last safe block. Either way the seed comes from the commit-reveal beacon (randao.ts).
 */

/** Opens an election (replacing a regular one still pending: a fault takes precedence). */
export function openElection(state: ConsensusState, reason: ElectionReason, excluded: Address[], replacing: Address | null): void {
  const current = currentEpoch(state);
  const previous = state.pendingElection;
  state.pendingElection = {
    round: previous?.round ?? state.randao.round,
    reason,
    revealOpen: previous?.revealOpen ?? false,
    epochNumber: current.number + 1,
    firstBlock: replacing ? state.l2.safe + 1 : current.lastBlock + 1,
    excluded: [...new Set([...(previous?.excluded ?? []), ...excluded])].sort(),
    reveals: previous?.reveals ?? {},
    openedAtHeight: state.height,
    replacing,
  };
  maybeOpenReveals(state);
}

function candidatesFor(state: ConsensusState, epochNumber: number, excluded: readonly Address[]): Candidate[] {
  const active = activeValidators(state);
  const preferred = active.filter((validator) => !excluded.includes(validator.address) && validator.coolDownUntilEpoch <= epochNumber);
  if (preferred.length > 0) return preferred;
  // Everyone is cooling down: liveness of the L2 beats the penalty. Only an excluded (faulty) sequencer is never
  // re-chosen while anyone else has stake.
  const notExcluded = active.filter((validator) => !excluded.includes(validator.address));
  return notExcluded.length > 0 ? notExcluded : active;
}

function openRewardsReport(state: ConsensusState, epoch: Epoch): void {
  const blocks = Math.max(0, epoch.lastBlock - epoch.firstBlock + 1);
  const sequencerId = validatorByAddress(state, epoch.sequencer)?.sequencerId;
  const paid = blocks > 0 && sequencerId !== undefined;
  // The fields of LockingPool.submitRewards (EIP-712 SubmitRewards): one report per closed epoch, empty ones
  // included, because L1 requires the reported epochs to be contiguous.
  requestSignature(state, 'rewards', {
    rewardBatchId: state.nextRewardsBatchId++,
    startEpoch: epoch.number,
    endEpoch: epoch.number,
    sequencerIds: paid ? [sequencerId] : [],
    blockCounts: paid ? [blocks] : [],
    sequencers: paid ? [epoch.sequencer] : [],
    rewardPerBlock: state.params.rewardPerBlock,
  });
}

function finalizeElection(state: ConsensusState, seed: `0x${string}`, events: AppEvent[]): void {
  const election = state.pendingElection!;
  const current = currentEpoch(state);
  const number = current.number + 1;
  const sequencer = selectWeighted(seed, candidatesFor(state, number, election.excluded));
  const length = state.params.epochLength;
  if (election.replacing === null) {
    const firstBlock = current.lastBlock + 1;
    state.nextEpoch = { number, firstBlock, lastBlock: firstBlock + length - 1, sequencer, seed, reason: election.reason, startedAtHeight: state.height };
    state.rotations.push({ epoch: number, from: current.sequencer, to: sequencer, reason: election.reason, l2StartBlock: firstBlock, height: state.height });
    announce(state, events, 'commitEpoch', state.nextEpoch, null);
  } else {
    const cut = Math.max(state.l2.safe, current.firstBlock - 1);
    for (const epoch of state.epochs) if (epoch.lastBlock > cut) epoch.lastBlock = Math.max(epoch.firstBlock - 1, cut);
    openRewardsReport(state, current);
    const epoch: Epoch = { number, firstBlock: cut + 1, lastBlock: cut + length, sequencer, seed, reason: election.reason, startedAtHeight: state.height };
    state.epochs.push(epoch);
    state.nextEpoch = null;
    state.l2.latest = Math.min(state.l2.latest, cut);
    state.rotations.push({ epoch: number, from: election.replacing, to: sequencer, reason: election.reason, l2StartBlock: cut + 1, height: state.height });
    announce(state, events, 'recommitEpoch', epoch, current);
  }
  advanceRound(state, seed);
  state.pendingElection = null;
}

/** Emits the schedule event and has the MPC write the matching call to the L2 SequencerSet. */
function announce(state: ConsensusState, events: AppEvent[], action: 'commitEpoch' | 'recommitEpoch', epoch: Epoch, cutEpoch: Epoch | null): void {
  events.push(
    event('sequencer_set', {
      action,
      epoch: epoch.number,
      start_block: epoch.firstBlock,
      end_block: epoch.lastBlock,
      signer: epoch.sequencer,
      reason: epoch.reason,
      seed: epoch.seed,
      cut_epoch: cutEpoch?.number ?? null,
      cut_at: cutEpoch?.lastBlock ?? null,
    }),
  );
  recordElection(state, action, epoch, cutEpoch);
}

/** Runs once per block after observations and txs: finalize a due election, start the next epoch, open the next election. */
export function progressEpochs(state: ConsensusState, events: AppEvent[]): void {
  deploySequencerSetIfDue(state);
  maybeOpenReveals(state);
  const seed = seedIfComplete(state);
  if (seed) finalizeElection(state, seed, events);
  const current = currentEpoch(state);
  if (state.nextEpoch && state.l2.latest >= current.lastBlock) {
    openRewardsReport(state, current);
    state.epochs.push(state.nextEpoch);
    events.push(event('epoch_started', { epoch: state.nextEpoch.number, sequencer: state.nextEpoch.sequencer, first_block: state.nextEpoch.firstBlock }));
    state.nextEpoch = null;
  }
  const running = currentEpoch(state);
  if (!state.nextEpoch && !state.pendingElection && state.l2.latest >= running.lastBlock - state.params.electionLeadBlocks) {
    openElection(state, 'epoch', [], null);
  }
}
