import { quantity, type Hex } from '../../chain/hex.ts';
import type { RpcBlock } from '../../chain/records.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { blockRef, bool, hash32, positional } from '../params.ts';
import { resolveBlockNumber } from '../resolve.ts';

/** Blocks by number, tag or hash; with transaction hashes or full transactions. */
export function blockMethods(backend: RpcBackend): MethodTable {
  const { engine, heads } = backend;
  const byNumber = (tag: unknown): RpcBlock | null => {
    const n = resolveBlockNumber(blockRef(tag, 'block'), heads);
    return n === null ? null : engine.getBlockByNumber(n);
  };
  const withTransactions = (block: RpcBlock | null, full: boolean) => {
    if (!block || !full) return block;
    return { ...block, transactions: block.transactions.map((hash: Hex) => engine.getTransaction(hash)) };
  };
  return {
    eth_getBlockByNumber: (params) => {
      const [tag, full] = positional(params, 1, 2);
      const wantFull = full == null ? false : bool(full, 'fullTransactions');
      return withTransactions(byNumber(tag), wantFull);
    },
    eth_getBlockByHash: (params) => {
      const [hash, full] = positional(params, 1, 2);
      const blockHash = hash32(hash, 'blockHash');
      const wantFull = full == null ? false : bool(full, 'fullTransactions');
      return withTransactions(engine.getBlockByHash(blockHash), wantFull);
    },
    eth_getBlockTransactionCountByNumber: (params) => {
      const [tag] = positional(params, 1, 1);
      const block = byNumber(tag);
      return block ? quantity(block.transactions.length) : null;
    },
    eth_getBlockTransactionCountByHash: (params) => {
      const [hash] = positional(params, 1, 1);
      const block = engine.getBlockByHash(hash32(hash, 'blockHash'));
      return block ? quantity(block.transactions.length) : null;
    },
    eth_getBlockReceipts: (params) => {
      const [tag] = positional(params, 1, 1);
      const ref = blockRef(tag, 'block');
      const block = ref.kind === 'hash' ? engine.getBlockByHash(ref.hash) : byNumber(tag);
      return block ? block.transactions.map((hash: Hex) => engine.getReceipt(hash)) : null;
    },
  };
}
