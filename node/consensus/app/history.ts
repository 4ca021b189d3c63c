import type { ConsensusState, Epoch, Rotation } from '../../../protocol/consensus/types.ts';

/**
 * The hashed state keeps only recent history: it is cloned, hashed and stored at every consensus block, so an
 * ever-growing schedule would make every block slower (10,000 epochs cost ~85 ms a block). Older epochs and
 * rotations leave the state in order, as the block's `archived` output, and the node keeps them in its history
 * (consensus/history.ts) for the query API. Nothing the state machine decides reads them: a failover cuts only the
 * current epoch, rewards are per closed epoch, and `archived` counts keep their global positions.
 */
export const HISTORY_IN_STATE = 64;

export interface Archived {
  epochs: Epoch[];
  rotations: Rotation[];
}

export function pruneHistory(state: ConsensusState): Archived {
  const epochs = state.epochs.length > HISTORY_IN_STATE ? state.epochs.splice(0, state.epochs.length - HISTORY_IN_STATE) : [];
  const rotations = state.rotations.length > HISTORY_IN_STATE ? state.rotations.splice(0, state.rotations.length - HISTORY_IN_STATE) : [];
  if (epochs.length > 0 || rotations.length > 0) {
    state.archived ??= { epochs: 0, rotations: 0 };
    const counts = state.archived;
    counts.epochs += epochs.length;
    counts.rotations += rotations.length;
  }
  return { epochs, rotations };
}
