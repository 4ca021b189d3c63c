import { event, type AppEvent } from './events.ts';
import type { L1Event } from './l1-events.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';
import { refreshValidators } from './validators.ts';

/** Applies LockingPool events that validators holding more than 2/3 of stake reported identically. */
export function applyL1Events(state: ConsensusState, l1Events: readonly L1Event[], events: AppEvent[]): void {
  for (const l1Event of l1Events) {
    applyOne(state, l1Event);
    state.l1.appliedEvents += 1;
    events.push(event('l1_event', { kind: l1Event.kind, block: l1Event.block, log_index: l1Event.logIndex, tx: l1Event.txHash }));
  }
  refreshValidators(state);
}

function applyOne(state: ConsensusState, l1Event: L1Event): void {
  if (l1Event.kind === 'mpc-updated') {
    state.mpc.address = l1Event.address;
    return;
  }
  const validator = state.validators.find((candidate) => candidate.sequencerId === l1Event.sequencerId);
  switch (l1Event.kind) {
    case 'locked': {
      if (validator) {
        validator.stake = l1Event.total;
        validator.lockState = 'locked';
        return;
      }
      if (state.validators.some((candidate) => candidate.address === l1Event.signer)) return;
      state.validators.push({
        address: l1Event.signer,
        sequencerId: l1Event.sequencerId,
        owner: l1Event.owner,
        stake: l1Event.total,
        power: 0,
        status: 'pending',
        lockState: 'locked',
        cometPubKey: null,
        cometAddress: null,
        rpcUrl: '',
        peerUrl: '',
        coolDownUntilEpoch: 0,
      });
      return;
    }
    case 'relocked':
    case 'withdrawn':
      if (validator) validator.stake = l1Event.total;
      return;
    case 'slashed':
      // LockingPool: a slashed sequencer's remaining stake stays locked for the exit delay, then is claimable.
      if (validator) {
        validator.stake = l1Event.total;
        validator.lockState = 'unlocking';
      }
      return;
    case 'unlock-init':
      if (validator) validator.lockState = 'unlocking';
      return;
    case 'unlocked':
      if (validator) {
        validator.lockState = 'unlocked';
        validator.stake = '0';
      }
      return;
    case 'signer-changed':
      if (validator && !state.validators.some((candidate) => candidate.address === l1Event.signer)) validator.address = l1Event.signer;
      return;
  }
}
