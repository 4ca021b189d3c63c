import type { SealedBlock } from '../../host/engine/engine.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { ConsensusClient } from '../../consensus/client/client.ts';
import type { TxResult } from '../../../protocol/consensus/query.ts';
import type { TxType } from '../../consensus/app/txs.ts';
import type { MpcParty } from '../../mpc/party.ts';
import type { L2Writes } from './sequencer-set-writer.ts';

/** CheckTx's verdict on an app tx (code 0 = accepted into the mempool). */
export type TxVerdict = TxResult;

/** Signs (with the host's L1 signer key) and submits one app tx; see `appTxSender` for a ready one. */
export type SubmitTx = (type: TxType, payload: object) => Promise<TxVerdict>;

/**
 * The read-only view of this host's own chain that a signer checks a batch against: `ExecutionEngine`
 * (node/host/engine/engine.ts) plus the host's safe head, see `replicaOf`.
 */
export interface ReplicaView {
  /** The block as replication carries it (env + raw transactions + the roots this host verified), or null. */
  sealedBlock(number: bigint): SealedBlock | null;
  /** The newest block this host holds. */
  latestNumber(): bigint;
  /** This host's safe head: the highest block held by more than 2/3 of the hosts (node/host/sync/safe-head.ts). */
  safeNumber(): bigint;
}

/** A host's engine and heads as the ReplicaView duties check batches against. */
export function replicaOf(engine: Pick<ReplicaView, 'sealedBlock' | 'latestNumber'>, heads: { readonly safe: bigint }): ReplicaView {
  return { sealedBlock: (number) => engine.sealedBlock(number), latestNumber: () => engine.latestNumber(), safeNumber: () => heads.safe };
}

/** The L2 safe head the consensus layer attested (state.l2.safe / safeHash); hash null before the first one. */
export interface ConsensusSafeHead {
  number: number;
  hash: Hex | null;
}

/** Where the duties reach L1, and the key that pays for the txs they relay (one per host; needs ETH). */
export interface DutyL1 {
  url: string;
  lockingPool: Hex;
  batchChain: Hex;
  relayerKey: Hex;
}

export interface DutyTiming {
  /** How often the consensus layer's MPC sessions are read. */
  pollMs: number;
  /** How long a signer waits for its replica to hold a batch's blocks before it gives up (reports 'failed'). */
  replicaWaitMs: number;
  /** How long batchSigner.sign waits for the session to settle. */
  batchSignTimeoutMs: number;
  /** The k-th signer (by address) relays an L1 tx only after k times this, and only if it is not there yet. */
  relayFallbackMs: number;
  /** How long a relayer keeps trying an L1 tx (e.g. waiting for the previous rewards batch). */
  relayDeadlineMs: number;
  /** Presignatures the key set's leader keeps pooled for the full key set (0 disables). */
  presignatures: number;
  /**
   * After this long without the app acknowledging a tx (a report on a still-pending session, a batch request
   * with no session), it is sent again. CheckTx-accepted txs can be dropped: a tx the app refuses in
   * FinalizeBlock keeps its nonce unused, so the sender's later txs fail their recheck and leave the mempool.
   */
  resendMs: number;
}

export const DEFAULT_TIMING: DutyTiming = {
  pollMs: 250,
  replicaWaitMs: 15_000,
  batchSignTimeoutMs: 120_000,
  relayFallbackMs: 15_000,
  relayDeadlineMs: 300_000,
  presignatures: 2,
  resendMs: 3_000,
};

export interface DutyContext {
  /** This host's L1 signer address: its validator identity and its MPC party address. */
  address: Hex;
  /** The same key as hex; only needed when `submitTx` is left out (duties then sign their own app txs). */
  nodeKey?: Hex;
  mpc: MpcParty;
  consensus: ConsensusClient;
  /** The consensus query API (defaults to `consensus.baseUrl`). */
  queryUrl?: string;
  /** Submits app txs; defaults to `appTxSender({ consensus, key: nodeKey })`. */
  submitTx?: SubmitTx;
  replica: ReplicaView;
  l1: DutyL1;
  /** This host's L2 side, to include the MPC-signed SequencerSet writes while it is the active sequencer. */
  l2?: L2Writes;
  log(line: string): void;
  timing?: Partial<DutyTiming>;
}
