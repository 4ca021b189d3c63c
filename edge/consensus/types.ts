// The consensus query API's answers (see the Consensus query API section of the README), as the edge reads them.

export type EpochReason = 'genesis' | 'epoch' | 'liveness' | 'misbehaviour' | 'governance';

export interface Epoch {
  number: number;
  firstBlock: number;
  lastBlock: number;
  sequencer: string;
  seed: string;
  reason: EpochReason;
  startedAtHeight: number;
}

export interface ConsensusStatus {
  chainId: string;
  height: number;
  appHash: string;
  l2ChainId: number;
  epoch: Epoch;
  nextEpoch: Epoch | null;
  activeSequencer: string;
  l2: { latest: number; safe: number; finalized: number };
  mpc: { address: string | null; threshold: number; parties: string[] };
  params: {
    epochLength: number;
    blockTimeMs: number;
    minLock: string;
    maxLock: string;
    rewardPerBlock: string;
    livenessTimeoutMs: number;
  };
}

export interface Validator {
  address: string;
  sequencerId: number;
  owner: string;
  stake: string;
  power: number;
  status: string;
  cometPubKey: string;
  rpcUrl: string;
  peerUrl: string;
  coolDownUntilEpoch: number;
}

export interface Rotation {
  epoch: number;
  from: string | null;
  to: string;
  reason: EpochReason;
  l2StartBlock: number;
  height: number;
}

export interface Vote {
  voter: string;
  option: 'yes' | 'no' | 'abstain';
  power: string;
  height: number;
}

export interface Proposal {
  id: string | number;
  proposer: string;
  kind: string;
  change: Record<string, unknown>;
  status: 'voting' | 'passed' | 'rejected' | 'executed';
  submittedHeight: number;
  votingEndHeight: number;
  effectiveHeight: number | null;
  tally: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  next: number | null;
}

export interface TxResult {
  hash: string;
  code: number;
  log: string;
}

export interface AccountView {
  address: string;
  nonce: number;
}
