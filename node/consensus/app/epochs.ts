import type { Address, ConsensusState, Epoch } from '../../../protocol/consensus/types.ts';

/** The current epoch: the newest one started (elections append; a failover cuts the previous one short). */
export function currentEpoch(state: ConsensusState): Epoch {
  const epoch = state.epochs[state.epochs.length - 1];
  if (!epoch) throw new Error('state has no epoch (genesis not applied)');
  return epoch;
}

/** The epoch that covers an L2 block: the newest epoch record whose range contains it (later records win). */
export function epochForBlock(state: ConsensusState, l2Block: number): Epoch | undefined {
  if (state.nextEpoch && l2Block >= state.nextEpoch.firstBlock && l2Block <= state.nextEpoch.lastBlock) return state.nextEpoch;
  for (let index = state.epochs.length - 1; index >= 0; index--) {
    const epoch = state.epochs[index]!;
    if (l2Block >= epoch.firstBlock && l2Block <= epoch.lastBlock) return epoch;
  }
  return undefined;
}

export function sequencerForBlock(state: ConsensusState, l2Block: number): Address | undefined {
  return epochForBlock(state, l2Block)?.sequencer;
}
