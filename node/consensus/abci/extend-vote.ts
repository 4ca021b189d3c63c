import { currentEpoch } from '../app/epochs.ts';
import { emptyBeaconContribution, emptyVoteExtension, MAX_EVIDENCE_PER_EXTENSION, MAX_L1_EVENTS_PER_EXTENSION, type VoteExtension } from '../app/extension.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';
import { validatorByAddress, validatorByCometAddress } from '../app/validators.ts';
import type { ValidatorObserver } from './observer.ts';
import { beaconContribution } from './beacon-host.ts';

/** The local validator: its CometBFT address, its private beacon secret (file randao.key) and its host's observer. */
export interface LocalValidator {
  cometAddress: string;
  randaoKey: Uint8Array;
  observer: ValidatorObserver | null;
}

function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Builds this validator's extension from the committed state and its host's observations. Non-deterministic by
 * design (that is what extensions are for); never throws: a failing observer only leaves its part empty.
 */
export function buildVoteExtension(state: ConsensusState, local: LocalValidator): VoteExtension {
  const extension = emptyVoteExtension();
  const me = validatorByCometAddress(state, local.cometAddress);
  const observer = local.observer;
  if (observer) {
    const head = attempt(() => observer.l2Head(), null);
    extension.l2.latest = head;
    if (state.l2.latest > state.l2.safe) {
      const hash = attempt(() => observer.l2BlockHash(state.l2.latest), null);
      if (hash) extension.l2.attest = { number: state.l2.latest, hash };
    }
    extension.l2.finalized = attempt(() => observer.l2Finalized(), 0);
    const epoch = currentEpoch(state);
    const triggered = state.triggers.some((trigger) => trigger.epoch === epoch.number);
    const verdict = attempt(() => observer.livenessVerdict(epoch, { livenessTimeoutMs: state.params.livenessTimeoutMs, triggered }), 'unknown' as const);
    extension.liveness = { epoch: epoch.number, verdict };
    const rpcUrl = triggered ? validatorByAddress(state, epoch.sequencer)?.rpcUrl : undefined;
    const reachable = rpcUrl && observer.publicRpcProbe ? attempt(() => observer.publicRpcProbe!(epoch, rpcUrl), null) : null;
    if (reachable !== null) extension.probe = { epoch: epoch.number, reachable };
    extension.evidence = attempt(() => observer.misbehaviour(), []).slice(0, MAX_EVIDENCE_PER_EXTENSION);
    extension.l1 = attempt(() => observer.l1Events(state.l1.processedBlock, state.params.l1Confirmations, MAX_L1_EVENTS_PER_EXTENSION), null);
  }
  if (me && me.power > 0) {
    // A failure here (a malformed state the app accepted) must not cost the vote: the beacon part stays empty.
    extension.beacon = attempt(() => beaconContribution(local.randaoKey, state, me.address), emptyBeaconContribution());
  }
  return extension;
}
