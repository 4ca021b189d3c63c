import { currentEpoch } from './epochs.ts';
import { openSignSession } from './mpc.ts';
import type { ConsensusState, Epoch } from '../../../protocol/consensus/types.ts';

/**
 * The L2 record of the schedule (contracts/src/SequencerSet.sol). The app decides; the MPC address writes each
 * decision to L2 as an ordinary transaction. Every write is one `sequencer-set` signing request carrying the call
 * and the L2 nonce it must use, numbered here so that every host builds the same transaction (and so the
 * contract sees the decisions in the order they were made): nonce 0 deploys the contract (its address is the
 * MPC address's nonce-0 CREATE address), recording the epoch current at that moment; each later election
 * appends a `commitEpoch` or `recommitEpoch`. Hosts build the transaction from the request themselves
 * (node/consensus/app/sequencer-set-tx.ts) and the active sequencer includes the signed ones in order.
 */

export type SequencerSetMethod = 'deploy' | 'commitEpoch' | 'recommitEpoch';

/** The request of a `sequencer-set` signing session (besides `mpcAddress`, which every signing request has). */
export interface SequencerSetCall {
  method: SequencerSetMethod;
  /** The L2 nonce of the MPC address this transaction uses. */
  nonce: number;
  /** recommitEpoch: the epoch cut short. */
  oldEpoch: number | null;
  epoch: number;
  startBlock: number;
  endBlock: number;
  signer: string;
  /** 1 for the first session of this call; a failed session is reopened with the next attempt (mpc.ts). */
  attempt: number;
}

/** Opens the deploy once the MPC key exists (nonce 0), then commits the epoch already elected, if any. */
export function deploySequencerSetIfDue(state: ConsensusState): void {
  if (state.mpc.address === null || state.sequencerSet) return;
  state.sequencerSet = { nextNonce: 0 };
  const current = currentEpoch(state);
  write(state, 'deploy', current, null);
  if (state.nextEpoch) write(state, 'commitEpoch', state.nextEpoch, null);
}

/** Records an election on L2 (a no-op until the deploy is under way: the deploy records the state of that moment). */
export function recordElection(state: ConsensusState, method: 'commitEpoch' | 'recommitEpoch', epoch: Epoch, cut: Epoch | null): void {
  if (state.sequencerSet) write(state, method, epoch, cut);
}

function write(state: ConsensusState, method: SequencerSetMethod, epoch: Epoch, cut: Epoch | null): void {
  const call: SequencerSetCall = {
    method,
    nonce: state.sequencerSet!.nextNonce++,
    oldEpoch: cut?.number ?? null,
    epoch: epoch.number,
    startBlock: epoch.firstBlock,
    endBlock: epoch.lastBlock,
    signer: epoch.sequencer,
    attempt: 1,
  };
  openSignSession(state, 'sequencer-set', { ...call });
}
