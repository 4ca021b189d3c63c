import type { CallArgs } from '../../../protocol/jsonrpc/params.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { RpcBlock, RpcLog, RpcPendingBlock, RpcPendingReceipt, RpcReceipt, RpcTransaction } from './records.ts';

/**
 * The seam between the host and the native core: exactly the calls the host needs. The one implementation wraps
 * the napi `Chain` and `decodeTransactions` (node/host/engine/native-engine.ts); there is no EVM in TypeScript.
 */

/** A decoded, sender-recovered transaction as admission needs it. */
export interface DecodedTx {
  hash: Hex;
  sender: Hex;
  nonce: bigint;
  gasLimit: bigint;
  /** gasPrice for legacy / EIP-2930 transactions. */
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  value: bigint;
  /** Minimum gas the transaction must pay before execution, when the decoder computes it. */
  intrinsicGas?: bigint;
  /** EIP-7702: recovered authorities of a set-code transaction (lowercase). */
  authorities?: Hex[];
}

/** Why one raw transaction could not be decoded; `error` is the native crate's stable code. */
export interface DecodeFailure {
  error: string;
  message: string;
  size?: number;
}

export interface TxDecoder {
  /** Decodes and recovers many raw transactions at once; one result per input, in order. */
  decode(raws: readonly Uint8Array[]): (DecodedTx | DecodeFailure)[];
}

/** What the producer decides for a block; everything else in the header is derived by execution. */
export interface BlockEnv {
  number: bigint;
  timestamp: bigint;
  beneficiary: Hex;
  /** 0 keeps the parent's gas limit. */
  gasLimit: bigint;
  /** Derived from the parent when absent (EIP-1559 successor, keccak(parent hash)); carried so replicas match exactly. */
  baseFeePerGas?: bigint;
  prevrandao?: Hex;
  extraData?: Hex;
}

/** A block ready to travel: enough to re-execute it and to check the result. */
export interface SealedBlock {
  env: BlockEnv;
  parentHash: Hex;
  hash: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  /** EIP-2718 raw transactions in block order. */
  transactions: Hex[];
  /** The rest of the header, so a follower can recompute the hash and prove a header that breaks a rule. */
  gasUsed?: bigint;
  logsBloom?: Hex;
}

export interface ExecutedBlock {
  sealed: SealedBlock;
  block: RpcBlock;
  baseFeePerGas: bigint;
  gasUsed: bigint;
  /** Receipts in block order; their transactions were included. */
  receipts: RpcReceipt[];
  /** Transactions offered but not included, with the executor's reason. */
  rejected: { hash: Hex; reason: string }[];
  /** Where the native call spent its time, in microseconds (when the native build reports it). */
  timingsUs?: { decode: number; execute: number; roots: number; commit: number };
}

export type VerifyOutcome = { ok: true; block: RpcBlock; receipts: RpcReceipt[] } | { ok: false; reason: string };

/** How eth_call / eth_estimateGas run (node/host/config.ts `rpc.calls`, DEFAULT_CALL_LIMITS). */
export interface CallLimits {
  /** Dedicated threads that run calls (apart from the libuv pool that builds blocks and serves the MPC). */
  threads: number;
  /** Calls that may wait for a thread; one more is refused at once with -32005. */
  queue: number;
  /** Most gas one call may use; a request naming more is refused with -32005 (geth's RPCGasCap). */
  gasCap: bigint;
  /** Wall time of one call or one whole estimate, ms; 0 means none (geth's RPCEVMTimeout). */
  timeoutMs: number;
}

/** geth's RPCGasCap and RPCEVMTimeout; one call thread and eight waiting calls (a 2-core host keeps a core free). */
export const DEFAULT_CALL_LIMITS: CallLimits = { threads: 1, queue: 8, gasCap: 50_000_000n, timeoutMs: 5_000 };

/** eth_call / eth_estimateGas input, already validated. */
/** What eth_call / eth_estimateGas take, as parsed from JSON-RPC. */
export type CallRequest = CallArgs;

export type CallOutcome =
  | { ok: true; output: Hex; gasUsed: bigint }
  | { ok: false; reverted: true; output: Hex; reason: string | null }
  | { ok: false; reverted: false; error: string };

/**
 * The next block as it would be built now, executed over the head and kept in memory, never stored: what "pending"
 * reads and calls see, in that block's environment (number = parent + 1, the successor base fee).
 */
export interface PendingBlockView {
  readonly number: bigint;
  /** The block it was executed on. */
  readonly parentNumber: bigint;
  readonly parentHash: Hex;
  readonly baseFeePerGas: bigint;
  readonly timestamp: bigint;
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  /** How many of the offered transactions made it in. */
  readonly included: number;
  /**
   * The block as eth_getBlockByNumber("pending") shows it, transactions as hashes: exactly the transactions whose
   * effects the reads below see. Its roots and receipts are computed off the event loop on first use, then kept.
   */
  block(): Promise<RpcPendingBlock>;
  /** The included transactions in block order (`blockNumber`/`transactionIndex` set, `blockHash` null). */
  transactions(): RpcTransaction[];
  /** The included transaction at `index`, or null past the end. */
  transaction(index: number): RpcTransaction | null;
  /** Their receipts (gas used, cumulative gas, logs), `blockHash` null; computed as `block()`. */
  receipts(): Promise<RpcPendingReceipt[]>;
  getAccount(address: Hex): { nonce: bigint; balance: bigint };
  getCode(address: Hex): Hex;
  getStorageAt(address: Hex, slot: Hex): Hex;
  /** Off the event loop, within the engine's call limits (as ExecutionEngine.call). */
  call(request: CallRequest): Promise<CallOutcome>;
  estimateGas(request: CallRequest): Promise<CallOutcome>;
}

/** A read of state older than the engine's history window; the request cannot be served, it is not malformed. */
export class StateUnavailableError extends Error {
  override name = 'StateUnavailableError';
  constructor(detail: string) {
    super(`historical state unavailable: ${detail}`);
  }
}

/** A call refused to protect the host (call queue full, gas above the cap): the client may retry later or with less gas. */
export class CallRefusedError extends Error {
  override name = 'CallRefusedError';
}

/** A call that ran and failed other than by reverting (out of gas, execution timeout, invalid opcode, ...). */
export class CallFailedError extends Error {
  override name = 'CallFailedError';
}

/** A pending block's parent was rewound away (or left the history window): build a new one. */
export class PendingStaleError extends Error {
  override name = 'PendingStaleError';
}

export interface ExecutionEngine {
  readonly chainId: bigint;
  /** Highest block durably stored. */
  latestNumber(): bigint;
  /** Base fee the next block will use. */
  nextBaseFee(): bigint;
  /** Gas limit of the next block built toward `target` (0: the head's): one allowed step, < parent/1024 (header rules). */
  nextGasLimit(target: bigint): bigint;
  /** Most gas one transaction may carry in a block at `timestamp` (EIP-7825 from Osaka on); absent: no cap but the block's. */
  txGasCap?(timestamp: bigint): bigint;
  /** The fork ('cancun' | 'prague' | 'osaka') a block at `timestamp` runs under (the chain's schedule). */
  forkAt?(timestamp: bigint): string;
  /**
   * Executes `rawTxs` on top of the head and commits durably; one native call, run off the event loop so JSON-RPC
   * keeps being served meanwhile.
   *
   * `senders[i]`, when given, is taken as the sender of `rawTxs[i]` instead of recovering it again (the costliest
   * part of a block). Trusted input only: this process's own admission recovery of the same bytes (the pool's
   * `sender`), never anything from the network; followers' `verifyAndApply` always recovers.
   */
  executeBlock(env: BlockEnv, rawTxs: readonly Uint8Array[], senders?: readonly Hex[]): Promise<ExecutedBlock>;
  /**
   * Executes `rawTxs` as the next block over the head, off the event loop, leaving out invalid ones as executeBlock
   * does, and keeps the result in memory: nothing is stored and the chain writer is never waited for. `env.number` is
   * ignored (the block follows the head); `senders` as in executeBlock.
   */
  pendingBlock(env: BlockEnv, rawTxs: readonly Uint8Array[], senders?: readonly Hex[]): Promise<PendingBlockView>;
  /**
   * Re-executes a block received from the sequencer; applies it only if its header meets the header rules (the
   * timestamp at most the allowed drift past `nowMs`, the system clock when absent) and every root matches, else
   * changes nothing.
   */
  verifyAndApply(block: SealedBlock, nowMs?: number): Promise<VerifyOutcome>;
  /** The block as replication sends it (raw transactions included), for catch-up requests. */
  sealedBlock(number: bigint): SealedBlock | null;
  /**
   * Non-archive hosts (node/host/pruning.ts): deletes bodies, receipts and tx lookups of at most `maxBlocks` blocks
   * below `below` (never the head), off the event loop; headers stay. Resolves to the new oldest kept block.
   */
  pruneBelow?(below: bigint, maxBlocks: number): Promise<bigint>;
  /** The lowest block whose body and receipts are kept (0 when nothing was pruned). */
  oldestKeptBlock?(): bigint;

  getAccount(address: Hex, block: bigint): { nonce: bigint; balance: bigint };
  getCode(address: Hex, block: bigint): Hex;
  getStorageAt(address: Hex, slot: Hex, block: bigint): Hex;
  /**
   * eth_call / eth_estimateGas on the engine's own call threads (never the event loop, never the pool blocks are
   * built on), each within the call limits (node/host/config.ts `rpc.calls`). Rejects with CallRefusedError when
   * the call queue is full or the gas field is above the cap, CallFailedError "execution timeout ..." when the
   * wall-time budget runs out, StateUnavailableError below the history window.
   */
  call(request: CallRequest, block: bigint): Promise<CallOutcome>;
  estimateGas(request: CallRequest, block: bigint): Promise<CallOutcome>;

  getBlockByNumber(number: bigint): RpcBlock | null;
  getBlockByHash(hash: Hex): RpcBlock | null;
  getTransaction(hash: Hex): RpcTransaction | null;
  getReceipt(hash: Hex): RpcReceipt | null;
  /** Logs of one block in log-index order (the range walk and the bloom check live in the host). */
  getBlockLogs(number: bigint): RpcLog[];
  /** Releases the store (the process may also just exit: every block is durable once stored). */
  close?(): void;
  /**
   * Drops the blocks above `number` and restores the state as of it (unsafe blocks orphaned by a failover). Optional:
   * present once the native Chain offers it.
   */
  rewindTo?(number: bigint): Promise<void>;
}
