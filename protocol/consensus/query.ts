import type { Address, ElectionReason, Epoch, Hex, MpcSession, Proposal, ProposalVote, Validator } from './types.ts';

/** The consensus query API's answers (docs/architecture/consensus.md), as hosts, the edge and tests read them. */

export interface ConsensusStatus {
  chainId: string;
  height: number;
  appHash: Hex;
  l2ChainId: number;
  epoch: Epoch;
  nextEpoch: Epoch | null;
  activeSequencer: Address;
  l2: { latest: number; safe: number; finalized: number };
  mpc: { address: Address | null; threshold: number; parties: Address[] };
  /** The L2 SequencerSet the MPC address deploys (its nonce-0 CREATE address) and how many writes were requested. */
  sequencerSet: { address: Address; writes: number } | null;
  params: { epochLength: number; blockTimeMs: number; minLock: string; maxLock: string; rewardPerBlock: string; livenessTimeoutMs: number };
}

/** A validator as the query API lists it (the app's record without its internal lock state and comet address). */
export type ValidatorView = Omit<Validator, 'lockState' | 'cometAddress'>;

/** An MPC session as the query API lists it (without the per-party reports). */
export type MpcSessionView = Omit<MpcSession, 'reports'>;

/** The committed MPC state (GET /v1/consensus/mpc), with the L2 safe head and the active validators' power. */
export interface MpcStateView {
  address: Address | null;
  threshold: number;
  parties: Address[];
  l2Safe: { number: number; hash: Hex | null };
  /** Active validators' voting power by address (absent: 0). */
  power: Record<Address, number>;
  sessions: MpcSessionView[];
}

/** CheckTx's verdict on a submitted app tx (code 0 = in the mempool; see protocol/consensus/errors.ts TxCode). */
export interface TxResult {
  hash: string;
  code: number;
  log: string;
}

export interface Page<T> {
  items: T[];
  next: number | null;
}

export interface ConsensusChange {
  /** epoch: a new epoch started (rotation or failover); next-epoch: the next one was elected; height: a block. */
  kind: 'epoch' | 'next-epoch' | 'height';
  status: ConsensusStatus;
  previous: ConsensusStatus | null;
}

export type PublicProposal = Omit<Proposal, 'votes'>;
export type ProposalDetail = PublicProposal & { votes: ProposalVote[] };

/** An app-tx sender's next nonce as committed (txs still in the mempool are not counted). */
export interface AccountView {
  address: Address;
  nonce: number;
}
export type ElectionReasonName = ElectionReason;
