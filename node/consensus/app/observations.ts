import { digestOf } from '../../../protocol/consensus/canonical.ts';
import { currentEpoch } from './epochs.ts';
import { event, type AppEvent } from './events.ts';
import type { VoteExtension } from './extension.ts';
import { applyBadHeader } from './bad-header.ts';
import { applyDoubleSign, declareLivenessFault, recordAccusation } from './faults.ts';
import { applyL1Events } from './l1.ts';
import { compareL1Events, type L1Event } from './l1-events.ts';
import { recordCommitment, recordReveal } from './randao.ts';
import { isSupermajority, supermajorityFloor, supermajorityKey } from './tally.ts';
import type { Address, ConsensusState } from '../../../protocol/consensus/types.ts';
import { powerOf, totalPower } from './validators.ts';

/** One validator's vote extension from the previous height, already authenticated (abci/injected-commit.ts). */
export interface ObservedVote {
  validator: Address;
  extension: VoteExtension;
}

/**
 * Folds the validators' observations into the state. Each block's extensions are tallied on their own (a
 * validator repeats its current view in every extension), by the app's stake-derived power.
 */
export function applyObservations(state: ConsensusState, votes: readonly ObservedVote[], events: AppEvent[]): void {
  const total = totalPower(state);
  const weighted = votes.map((vote) => ({ ...vote, power: powerOf(state, vote.validator) })).filter((vote) => vote.power > 0);
  applyL2(state, weighted, total);
  applyLiveness(state, weighted, total, events);
  applyPublicRpcProbes(state, weighted, total, events);
  for (const vote of weighted) {
    for (const evidence of vote.extension.evidence) {
      if (evidence.kind === 'double-sign') applyDoubleSign(state, evidence, events);
      else if (evidence.kind === 'bad-header') applyBadHeader(state, evidence, events);
      else recordAccusation(state, vote.validator, evidence.sequencer, `batch:${evidence.ref}`);
    }
  }
  applyL1(state, weighted, total, events);
  for (const vote of weighted) {
    const { commit, reveal } = vote.extension.randao;
    if (reveal) recordReveal(state, vote.validator, reveal.round, reveal.secret);
    if (commit) recordCommitment(state, vote.validator, commit.round, commit.hash);
  }
}

type WeightedVote = ObservedVote & { power: number };

function applyL2(state: ConsensusState, votes: WeightedVote[], total: number): void {
  const latest = supermajorityFloor(
    votes.map((vote) => ({ value: vote.extension.l2.latest?.number ?? 0, power: vote.power })),
    total,
  );
  if (latest !== undefined && latest > state.l2.latest) state.l2.latest = latest;
  const attested = supermajorityKey(
    votes.flatMap((vote) => (vote.extension.l2.attest ? [{ key: `${vote.extension.l2.attest.number}:${vote.extension.l2.attest.hash}`, value: vote.extension.l2.attest, power: vote.power }] : [])),
    total,
  );
  if (attested && attested.value.number > state.l2.safe) {
    state.l2.safe = attested.value.number;
    state.l2.safeHash = attested.value.hash;
    state.l2.latest = Math.max(state.l2.latest, state.l2.safe);
  }
  const finalized = supermajorityFloor(
    votes.map((vote) => ({ value: vote.extension.l2.finalized, power: vote.power })),
    total,
  );
  if (finalized !== undefined && finalized > state.l2.finalized) state.l2.finalized = finalized;
}

function applyLiveness(state: ConsensusState, votes: WeightedVote[], total: number, events: AppEvent[]): void {
  const epoch = currentEpoch(state);
  const dead = votes.filter((vote) => vote.extension.liveness?.epoch === epoch.number && vote.extension.liveness.verdict === 'dead').reduce((sum, vote) => sum + vote.power, 0);
  if (isSupermajority(dead, total)) declareLivenessFault(state, epoch.sequencer, events);
}

/**
 * The edge's rotation trigger: once one names the current epoch, each validator probes the active sequencer's
 * public RPC itself and reports it in its extension. The sequencer is replaced (as a liveness fault) only when
 * validators holding more than 2/3 of the stake could not reach it: the edge alone cannot rotate anyone, and a
 * sequencer that still produces and replicates but that users cannot reach is replaced all the same.
 */
function applyPublicRpcProbes(state: ConsensusState, votes: WeightedVote[], total: number, events: AppEvent[]): void {
  const epoch = currentEpoch(state);
  if (!state.triggers.some((trigger) => trigger.epoch === epoch.number) || state.pendingElection?.replacing === epoch.sequencer) return;
  const unreachable = votes.filter((vote) => vote.extension.probe?.epoch === epoch.number && !vote.extension.probe.reachable).reduce((sum, vote) => sum + vote.power, 0);
  if (!isSupermajority(unreachable, total)) return;
  events.push(event('public_rpc_unreachable', { sequencer: epoch.sequencer, epoch: epoch.number, power: unreachable, total }));
  declareLivenessFault(state, epoch.sequencer, events);
}

/**
 * L1 events are applied only as a whole range: the highest L1 block B that a supermajority has processed, and
 * only when a supermajority reported the identical list of events up to B. A validator withholding or inventing
 * an event can only delay this, never change it.
 */
function applyL1(state: ConsensusState, votes: WeightedVote[], total: number, events: AppEvent[]): void {
  const reporting = votes.filter((vote) => vote.extension.l1 !== null);
  const head = supermajorityFloor(
    reporting.map((vote) => ({ value: vote.extension.l1!.head, power: vote.power })),
    total,
  );
  if (head === undefined || head <= state.l1.processedBlock) return;
  const views = reporting
    .filter((vote) => vote.extension.l1!.head >= head)
    .map((vote) => {
      const range = vote.extension.l1!.events.filter((l1Event) => l1Event.block > state.l1.processedBlock && l1Event.block <= head).sort(compareL1Events);
      return { key: digestOf(range), value: range, power: vote.power };
    });
  const agreed = supermajorityKey<L1Event[]>(views, total);
  if (!agreed) return;
  state.l1.processedBlock = head;
  applyL1Events(state, agreed.value, events);
}
