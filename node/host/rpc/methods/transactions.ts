import { Transaction } from 'ethers';
import { quantity, toHex, type Hex } from '../../../encoding/hex.ts';
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

/** A pooled transaction in RPC form. Parsed on demand (ethers' RLP reader); the sender is already known. */
export function pendingTransaction(tx: PoolTx): RpcTransaction {
  const parsed = Transaction.from(toHex(tx.raw));
  const sig = parsed.signature;
  const legacy = parsed.type === 0;
  const out: RpcTransaction = {
    hash: tx.hash,
    type: quantity(parsed.type ?? 0),
    nonce: quantity(parsed.nonce),
    from: tx.sender,
    to: (parsed.to?.toLowerCase() ?? null) as Hex | null,
    gas: quantity(parsed.gasLimit),
    gasPrice: quantity(legacy || parsed.type === 1 ? (parsed.gasPrice ?? 0n) : tx.maxFeePerGas),
    value: quantity(parsed.value),
    input: parsed.data as Hex,
    v: quantity(sig ? (legacy ? BigInt(sig.networkV ?? sig.v) : BigInt(sig.yParity)) : 0n),
    r: (sig?.r ?? '0x0') as Hex,
    s: (sig?.s ?? '0x0') as Hex,
    blockHash: null,
    blockNumber: null,
    transactionIndex: null,
  };
  if (parsed.chainId) out.chainId = quantity(parsed.chainId);
  if (!legacy) {
    out.yParity = quantity(sig?.yParity ?? 0);
    out.accessList = (parsed.accessList ?? []).map((e) => ({ address: e.address.toLowerCase() as Hex, storageKeys: e.storageKeys as Hex[] }));
  }
  if (parsed.type === 2 || parsed.type === 4) {
    out.maxFeePerGas = quantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas);
  }
  return out;
}
