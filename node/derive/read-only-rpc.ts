import { MethodNotSupportedError, TransactionRejectedError } from '../../protocol/jsonrpc/errors.ts';
import type { ExecutionEngine } from '../host/engine/engine.ts';
import type { Heads } from '../host/engine/heads.ts';
import type { Hex } from '../encoding/hex.ts';
import { NativeTxDecoder } from '../host/engine/native-decoder.ts';
import { PendingBlocks } from '../host/producer/pending.ts';
import { DEFAULT_PRODUCER_CONFIG } from '../host/producer/producer.ts';
import { Admission } from '../host/txpool/admission.ts';
import { Mempool } from '../host/txpool/pool.ts';
import { DEFAULT_RPC_LIMITS, type BatchSummary, type RpcBackend } from '../host/rpc/backend.ts';
import { Dispatcher, type MethodTable } from '../host/rpc/dispatch.ts';
import { rpcMethods } from '../host/rpc/methods/index.ts';
import { SubscriptionHub } from '../host/rpc/subscriptions.ts';
import type { DerivedBatch } from './deriver.ts';

/** Methods that would change something; a node derived from L1 has no sequencer to hand them to. */
const WRITE_METHODS = ['eth_sendRawTransaction', 'eth_sendRawTransactionSync', 'eth_sendTransaction', 'metis_sequencer'] as const;

/** What a transaction sent to a verifier is refused with, should it ever reach admission. */
export class ReadOnlyNodeError extends TransactionRejectedError {
  constructor() {
    super('this node derives the L2 from L1 and is read-only: send transactions to a sequencer');
  }
}

export interface ReadOnlyRpcParts {
  engine: ExecutionEngine;
  heads: Heads;
  batches(): readonly DerivedBatch[];
  clientVersion: string;
  now(): number;
}

/**
 * The wallet JSON-RPC of the host (node/rpc) over a derived chain: every read method as the hosts serve it, over
 * blocks re-executed from L1 and matched batch by batch; every write answered -32004 (EIP-1474 method not supported).
 * "latest", "safe" and "finalized" are all the last matched batch's last block: nothing unsafe exists here.
 */
export function readOnlyDispatcher(parts: ReadOnlyRpcParts): Dispatcher {
  const { engine, heads } = parts;
  const pool = new Mempool({});
  const admission = new Admission({
    decoder: new NativeTxDecoder(engine.chainId, 128 * 1024),
    pool,
    journal: null,
    account: () => ({ nonce: 0, balance: 0n }),
    blockGasLimit: () => 0n,
    maxTxSize: 128 * 1024,
    assertAccepting: () => {
      throw new ReadOnlyNodeError();
    },
    now: parts.now,
  });
  const beneficiary = `0x${'00'.repeat(20)}` as Hex;
  const backend: RpcBackend = {
    engine,
    pool,
    admission,
    heads,
    pending: new PendingBlocks({ engine, pool, config: { ...DEFAULT_PRODUCER_CONFIG, gasLimit: 0n, beneficiary }, now: parts.now }),
    subscriptions: new SubscriptionHub(),
    limits: DEFAULT_RPC_LIMITS,
    clientVersion: parts.clientVersion,
    suggestedPriorityFee: 0n,
    syncing: () => false,
    metis: {
      transactionProof: async () => null,
      sequencer: async () => {
        throw new MethodNotSupportedError('metis_sequencer');
      },
      batches: async (from, limit) => parts.batches().slice(from, from + limit).map(summaryOf),
    },
  };
  const methods: Record<string, MethodTable[string]> = { ...rpcMethods(backend) };
  for (const method of WRITE_METHODS) {
    methods[method] = () => {
      throw new MethodNotSupportedError(method);
    };
  }
  return new Dispatcher(methods, { maxBatchSize: DEFAULT_RPC_LIMITS.maxBatchSize });
}

function summaryOf(batch: DerivedBatch): BatchSummary {
  return {
    index: batch.index,
    firstBlock: batch.firstBlock,
    lastBlock: batch.lastBlock,
    txCount: batch.txCount,
    root: batch.txRoot,
    dataHash: batch.dataHash,
    status: 'finalized',
    l1TxHash: batch.l1TxHash,
    l1BlockNumber: batch.l1BlockNumber,
  };
}
