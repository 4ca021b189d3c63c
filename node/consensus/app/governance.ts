import { event, type AppEvent } from './events.ts';
import { TxCode, TxRejectedError } from '../../../protocol/consensus/errors.ts';
import { replaceIneligibleSequencer } from './faults.ts';
import type { Address, ConsensusState, ParamChange, Proposal, ProposalKind, Tally, VoteOption, WhitelistChange } from '../../../protocol/consensus/types.ts';
import { powerOf, refreshValidators, totalPower } from './validators.ts';

/**
 * Stake-weighted governance. A proposal is open for params.govVotingPeriod consensus blocks, is tallied at
 * votingEndHeight with the voters' power at that height, and if it passed takes effect at
 * effectiveHeight = votingEndHeight + params.govExecutionDelay (both fixed when it is submitted).
 */

export function requireStake(state: ConsensusState, from: Address, action: string): number {
  const power = powerOf(state, from);
  if (power <= 0) throw new TxRejectedError(TxCode.unauthorized, `${from} has no stake: only sequencers with an active lock may ${action}`);
  return power;
}

export function checkProposal(state: ConsensusState, from: Address, kind: ProposalKind, change: ParamChange | WhitelistChange): void {
  requireStake(state, from, 'submit proposals');
  if (kind === 'params') {
    const params = { ...state.params, ...(change as ParamChange) };
    if (BigInt(params.minLock) > BigInt(params.maxLock)) throw new TxRejectedError(TxCode.invalid, `minLock ${params.minLock} would exceed maxLock ${params.maxLock}`);
  } else {
    const { add, remove } = change as WhitelistChange;
    if (add.some((address) => remove.includes(address))) throw new TxRejectedError(TxCode.invalid, 'an address cannot be both added to and removed from the whitelist');
  }
}

export function submitProposal(state: ConsensusState, from: Address, kind: ProposalKind, change: ParamChange | WhitelistChange, events: AppEvent[]): Proposal {
  checkProposal(state, from, kind, change);
  const votingEndHeight = state.height + state.params.govVotingPeriod;
  const proposal: Proposal = {
    id: state.proposals.length + 1,
    proposer: from,
    kind,
    change,
    status: 'voting',
    submittedHeight: state.height,
    votingEndHeight,
    effectiveHeight: votingEndHeight + state.params.govExecutionDelay,
    tally: emptyTally(state),
    votes: [],
  };
  state.proposals.push(proposal);
  events.push(event('proposal', { id: proposal.id, status: 'voting', kind, voting_end_height: votingEndHeight, effective_height: proposal.effectiveHeight }));
  return proposal;
}

export function checkVote(state: ConsensusState, from: Address, proposalId: number): Proposal {
  requireStake(state, from, 'vote');
  const proposal = state.proposals.find((candidate) => candidate.id === proposalId);
  if (!proposal) throw new TxRejectedError(TxCode.invalid, `unknown proposal ${proposalId}`);
  if (proposal.status !== 'voting' || state.height > proposal.votingEndHeight) {
    throw new TxRejectedError(TxCode.invalid, `proposal ${proposalId} is not open for voting (status ${proposal.status}, voting ended at height ${proposal.votingEndHeight})`);
  }
  return proposal;
}

export function castVote(state: ConsensusState, from: Address, proposalId: number, option: VoteOption): void {
  const proposal = checkVote(state, from, proposalId);
  const power = powerOf(state, from);
  proposal.votes = [...proposal.votes.filter((vote) => vote.voter !== from), { voter: from, option, power, height: state.height }].sort((a, b) => (a.voter < b.voter ? -1 : 1));
  proposal.tally = tallyVotes(state, proposal);
}

function emptyTally(state: ConsensusState): Tally {
  return { yes: 0, no: 0, abstain: 0, totalPower: totalPower(state), quorum: state.params.govQuorumBps, threshold: state.params.govThresholdBps };
}

/** Current tally with every voter's power now (an exited voter counts 0). */
export function tallyVotes(state: ConsensusState, proposal: Proposal): Tally {
  const tally = emptyTally(state);
  for (const vote of proposal.votes) tally[vote.option] += powerOf(state, vote.voter);
  return tally;
}

export function hasPassed(state: ConsensusState, tally: Tally): boolean {
  const turnout = tally.yes + tally.no + tally.abstain;
  const quorumMet = turnout * 10_000 >= state.params.govQuorumBps * tally.totalPower && tally.totalPower > 0;
  const thresholdMet = tally.yes * 10_000 > state.params.govThresholdBps * (tally.yes + tally.no);
  return quorumMet && thresholdMet;
}

/** End of block: close votes that ended, execute passed proposals that reached their effective height. */
export function processProposals(state: ConsensusState, events: AppEvent[]): void {
  for (const proposal of state.proposals) {
    if (proposal.status === 'voting' && state.height >= proposal.votingEndHeight) {
      proposal.tally = tallyVotes(state, proposal);
      proposal.status = hasPassed(state, proposal.tally) ? 'passed' : 'rejected';
      events.push(event('proposal', { id: proposal.id, status: proposal.status, yes: proposal.tally.yes, no: proposal.tally.no, abstain: proposal.tally.abstain }));
    }
    if (proposal.status === 'passed' && state.height >= proposal.effectiveHeight) {
      execute(state, proposal);
      proposal.status = 'executed';
      events.push(event('proposal', { id: proposal.id, status: 'executed', height: state.height }));
      replaceIneligibleSequencer(state, events);
    }
  }
}

function execute(state: ConsensusState, proposal: Proposal): void {
  if (proposal.kind === 'params') {
    const params = { ...state.params, ...(proposal.change as ParamChange) };
    // Re-checked at execution: another proposal may have moved the other bound since this one was submitted.
    if (BigInt(params.minLock) <= BigInt(params.maxLock)) state.params = params;
  } else {
    const { add, remove } = proposal.change as WhitelistChange;
    state.params.whitelist = [...new Set([...state.params.whitelist.filter((address) => !remove.includes(address)), ...add])].sort();
  }
  refreshValidators(state);
}
