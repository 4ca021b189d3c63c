import { pooledTransactionView } from '@l2-sequencer/native';
import type { RpcTransaction } from '../../engine/records.ts';
import type { PoolTx } from '../../txpool/pool-tx.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { hash32, positional } from '../../../../protocol/jsonrpc/params.ts';
import { bytes } from '../raw-bytes.ts';

/** Sending raw transactions and looking them up (the pool first answers for ones not yet in a block). */
export function transactionMethods(backend: RpcBackend): MethodTable {
  const { engine, pool, admission } = backend;
  return {
    eth_sendRawTransaction: (params) => {
      const [raw] = positional(params, 1, 1);
      return admission.submit(bytes(raw, 'transaction'));
    },
    eth_getTransactionByHash: (params) => {
      const [hash] = positional(params, 1, 1);
      const txHash = hash32(hash, 'transactionHash');
      const stored = engine.getTransaction(txHash);
      if (stored) return stored;
      const pooled = pool.get(txHash);
      return pooled ? pendingTransaction(pooled) : null;
    },
    eth_getTransactionReceipt: (params) => {
      const [hash] = positional(params, 1, 1);
      // Served only from the native store: a receipt exists once its block is durable.
      return engine.getReceipt(hash32(hash, 'transactionHash'));
    },
  };
}

/**
 * A pooled transaction in RPC form, by the native decoder and view that stored transactions use (ethers' parser
 * refuses some transactions the pool rightly holds, e.g. an EIP-7702 authorization with a high s, which the EVM
 * skips); the sender is already known.
 */
export function pendingTransaction(tx: PoolTx): RpcTransaction {
  const view = pooledTransactionView(Buffer.from(tx.raw), tx.sender) as unknown as RpcTransaction;
  return { ...view, blockHash: null, blockNumber: null, transactionIndex: null };
}
