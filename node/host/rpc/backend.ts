import type { ExecutionEngine, PendingBlockView } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { Admission } from '../txpool/admission.ts';
import type { Mempool } from '../txpool/pool.ts';
import type { SubscriptionHub } from './subscriptions.ts';

/** Everything the JSON-RPC methods read from the host; each method file takes only this. */
export interface RpcBackend {
  engine: ExecutionEngine;
  pool: Mempool;
  admission: Admission;
  heads: Heads;
  /** The pending block ("pending" state reads and calls): the pool's next block, executed, never stored. */
  pending: PendingState;
  subscriptions: SubscriptionHub;
  limits: RpcLimits;
  clientVersion: string;
  /** Tip suggested by eth_maxPriorityFeePerGas and folded into eth_gasPrice. */
  suggestedPriorityFee: bigint;
  /** false when in sync; otherwise the range still to fetch from the sequencer. */
  syncing(): false | { startingBlock: bigint; currentBlock: bigint; highestBlock: bigint };
  metis: MetisBackend;
}

export interface PendingState {
  /** Runs `read` on the current pending block (built on demand, shared while the head and the pool stay the same). */
  read<T>(read: (block: PendingBlockView) => T | Promise<T>): Promise<T>;
}

export interface RpcLimits {
  maxBatchSize: number;
  maxLogBlockRange: number;
  maxLogResults: number;
  maxFeeHistoryBlocks: number;
  /** eth_sendRawTransactionSync's wait when the caller names none (EIP-7966 recommends 2 s). */
  sendSyncDefaultTimeoutMs: number;
  /** The longest wait a caller may ask of eth_sendRawTransactionSync; longer asks get the default. */
  sendSyncMaxTimeoutMs: number;
}

export const DEFAULT_RPC_LIMITS: RpcLimits = { maxBatchSize: 1000, maxLogBlockRange: 10_000, maxLogResults: 10_000, maxFeeHistoryBlocks: 1024, sendSyncDefaultTimeoutMs: 2_000, sendSyncMaxTimeoutMs: 10_000 };

/** Inclusion proof of a transaction in its L1 batch (leaf order = transaction order across the batch's blocks). */
export interface TransactionProof {
  batchIndex: number;
  txHash: Hex;
  root: Hex;
  leafIndex: number;
  proof: Hex[];
  /** 'submitted' once on L1, 'finalized' after the configured confirmations; 'pending' while only local. */
  status: 'pending' | 'submitted' | 'finalized';
  l1TxHash: Hex | null;
}

export interface BatchSummary {
  index: number;
  firstBlock: number;
  lastBlock: number;
  txCount: number;
  root: Hex;
  dataHash: Hex;
  status: 'pending' | 'submitted' | 'finalized';
  l1TxHash: Hex | null;
  l1BlockNumber: number | null;
}

export interface SequencerInfo {
  /** Who may produce the next block. */
  sequencer: Hex;
  epoch: number | null;
  /** Where that information came from: the consensus layer, or this host's static configuration. */
  source: 'consensus' | 'config';
  self: Hex;
  active: boolean;
  latest: number;
  safe: number;
  finalized: number;
}

export interface MetisBackend {
  transactionProof(txHash: Hex): Promise<TransactionProof | null>;
  sequencer(): Promise<SequencerInfo>;
  batches(from: number, limit: number): Promise<BatchSummary[]>;
}
