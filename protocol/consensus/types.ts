/**
 * The consensus app's state: plain JSON (numbers are safe integers, wei amounts are decimal strings) so the
 * canonical encoding, the app hash and the on-disk snapshot are one and the same thing.
 */
import type { Hex } from '../hex.ts';

export type { Hex };
export type Address = `0x${string}`;

export type ElectionReason = 'genesis' | 'epoch' | 'liveness' | 'misbehaviour' | 'governance';

export interface Epoch {
  number: number;
  firstBlock: number;
  lastBlock: number;
  sequencer: Address;
  seed: Hex;
  reason: ElectionReason;
  startedAtHeight: number;
}

export interface Rotation {
  epoch: number;
  from: Address | null;
  to: Address;
  reason: ElectionReason;
  l2StartBlock: number;
  height: number;
}

export type ValidatorStatus = 'active' | 'pending' | 'unlocking' | 'unlocked';

export type LockState = 'locked' | 'unlocking' | 'unlocked';

export interface Validator {
  /** The sequencer's L1 signer address: its identity everywhere in the app. */
  address: Address;
  sequencerId: number;
  owner: Address;
  /** Locked stake in wei (decimal string). */
  stake: string;
  /** Voting power in whole METIS, capped at maxLock; 0 unless status is 'active'. */
  power: number;
  status: ValidatorStatus;
  lockState: LockState;
  /** Base64 ed25519 CometBFT consensus key, null until registered. */
  cometPubKey: string | null;
  /** Uppercase hex CometBFT validator address (first 20 bytes of sha256(pubkey)). */
  cometAddress: string | null;
  rpcUrl: string;
  peerUrl: string;
  /** The validator is skipped by elections while the epoch number is below this. */
  coolDownUntilEpoch: number;
}

export interface Params {
  epochLength: number;
  blockTimeMs: number;
  minLock: string;
  maxLock: string;
  rewardPerBlock: string;
  livenessTimeoutMs: number;
  /** L1 blocks a validator waits before it reports an L1 event. */
  l1Confirmations: number;
  /** The next epoch is elected when the agreed L2 head is this many blocks before the current epoch's end. */
  electionLeadBlocks: number;
  /** Epochs a validator removed for a fault sits out of elections. */
  coolDownEpochs: number;
  govVotingPeriod: number;
  govExecutionDelay: number;
  /** Fraction of total power (basis points) that must vote for a proposal's result to count. */
  govQuorumBps: number;
  /** Fraction of yes+no power (basis points) that yes must exceed. */
  govThresholdBps: number;
  /** Share of the stake (basis points) a proven misbehaviour slashes on L1. */
  slashBps: number;
  /** Addresses besides validators allowed to send rotation-trigger (the edge scheduler). */
  schedulers: Address[];
  /** When non-empty, only these signer addresses may become validators. */
  whitelist: Address[];
}

export type ParamChange = Partial<Pick<Params, 'epochLength' | 'blockTimeMs' | 'minLock' | 'maxLock' | 'rewardPerBlock' | 'livenessTimeoutMs'>>;

export type ProposalKind = 'params' | 'whitelist';
export interface WhitelistChange {
  add: Address[];
  remove: Address[];
}

export type VoteOption = 'yes' | 'no' | 'abstain';

export interface ProposalVote {
  voter: Address;
  option: VoteOption;
  power: number;
  height: number;
}

export interface Tally {
  yes: number;
  no: number;
  abstain: number;
  totalPower: number;
  /** Basis points (1/10000) of total power that must take part. */
  quorum: number;
  /** Basis points of yes+no power that yes must exceed. */
  threshold: number;
}

export interface Proposal {
  id: number;
  proposer: Address;
  kind: ProposalKind;
  change: ParamChange | WhitelistChange;
  status: 'voting' | 'passed' | 'rejected' | 'executed';
  submittedHeight: number;
  votingEndHeight: number;
  effectiveHeight: number;
  tally: Tally;
  votes: ProposalVote[];
}

export type MpcSessionKind = 'keygen' | 'reshare' | 'sign';
export type MpcSessionStatus = 'pending' | 'completed' | 'failed' | 'refused';

export interface MpcSession {
  id: number;
  kind: MpcSessionKind;
  /** keygen | reshare | batch | rewards | slash | sequencer-set */
  purpose: string;
  status: MpcSessionStatus;
  participants: Address[];
  /** What the parties are asked to do (the message to sign, the new party set...). */
  request: Record<string, unknown>;
  result: Record<string, unknown> | null;
  height: number;
  /** Per-party reports: address -> canonical hash of the reported outcome. */
  reports: Record<string, { status: MpcSessionStatus; digest: string; result: Record<string, unknown> | null; reason: string }>;
}

export interface MpcState {
  address: Address | null;
  threshold: number;
  parties: Address[];
  nextSessionId: number;
  sessions: MpcSession[];
  /** App-made signing requests that failed, to be opened again at consensus height `due` (app/mpc.ts). */
  retries?: { due: number; purpose: string; request: Record<string, unknown> }[];
}

/** The commit-reveal randomness beacon (see README "Randomness"). */
export interface RandaoState {
  /** Index of the next election; every election consumes one round. */
  round: number;
  /** validator address -> round -> sha256(secret) (hex), only for rounds >= round. */
  commitments: Record<string, Record<string, Hex>>;
  /** Seed of the last election, chained into the next. */
  lastSeed: Hex;
}

export interface PendingElection {
  round: number;
  reason: ElectionReason;
  /** False while validators holding more than 2/3 of power have not yet committed to this round. */
  revealOpen: boolean;
  /** The epoch being elected. */
  epochNumber: number;
  firstBlock: number;
  /** Validators that may not be chosen (the faulty sequencer). */
  excluded: Address[];
  /** validator address -> revealed secret (hex) */
  reveals: Record<string, Hex>;
  openedAtHeight: number;
  /** For fault elections: the sequencer being replaced. */
  replacing: Address | null;
}

export interface L2View {
  latest: number;
  safe: number;
  safeHash: Hex | null;
  finalized: number;
}

export interface Accusation {
  sequencer: Address;
  kind: 'invalid-batch';
  ref: string;
  accusers: Address[];
  height: number;
}

/** double-sign: two sealed L2 blocks at one height; invalid-batch: refused by >2/3; duplicate-vote: CometBFT equivocation evidence. */
export type MisbehaviourReason = 'double-sign' | 'bad-header' | 'invalid-batch' | 'duplicate-vote';

export interface SlashRecord {
  sequencer: Address;
  sequencerId: number;
  reason: MisbehaviourReason;
  evidenceHash: Hex;
  height: number;
  /** The slash signing session; -1 while it waits for the MPC key to exist. */
  sessionId: number;
}

export interface ConsensusState {
  chainId: string;
  l2ChainId: number;
  height: number;
  params: Params;
  validators: Validator[];
  /** Sender address -> next nonce. */
  nonces: Record<string, number>;
  epochs: Epoch[];
  nextEpoch: Epoch | null;
  rotations: Rotation[];
  pendingElection: PendingElection | null;
  randao: RandaoState;
  l2: L2View;
  l1: { processedBlock: number; appliedEvents: number };
  proposals: Proposal[];
  mpc: MpcState;
  accusations: Accusation[];
  slashes: SlashRecord[];
  /** Cumulative count of processed rotation triggers, by the epoch they referred to. */
  triggers: { epoch: number; from: Address; height: number }[];
  /** Rewards reports are numbered contiguously, like LockingPool.batchSubmitRewards. */
  nextRewardsBatchId: number;
  /** Consensus param abci.vote_extensions_enable_height (0 = disabled), recorded at InitChain. */
  voteExtensionsEnableHeight: number;
  /** Every CometBFT key ever registered, by CometBFT address: to verify extensions of validators since removed. */
  cometKeys: Record<string, string>;
  /** Sequencers whose double-sign evidence has already been acted on, by "address:l2Block". */
  punished: string[];
  /** How many epochs and rotations have left the state for the node's history (app/history.ts). */
  archived?: { epochs: number; rotations: number };
  /** The L2 SequencerSet record (app/sequencer-set.ts): null until the MPC key exists and the deploy is requested. */
  sequencerSet?: { nextNonce: number } | null;
  /** MPC-signed L1 parameter updates requested so far (LockingPool.paramsNonce of the next one); absent = 0. */
  l1ParamsNonce?: number;
}
