import type { PendingBlockView } from '../../engine/engine.ts';
import { quantity, type Hex } from '../../../encoding/hex.ts';
import type { RpcBlock } from '../../engine/records.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { blockRef, bool, hash32, positional, uint64 } from '../../../../protocol/jsonrpc/params.ts';
import { isPending, resolveBlockNumber } from '../resolve.ts';

/**
 * Blocks by number, tag or hash; with transaction hashes or full transactions. "pending" is the pending block
 * (node/host/producer/pending.ts), shaped as geth serves it: number = latest + 1, `hash`, `nonce` and `miner` null, and
 * exactly the transactions whose effects "pending" state reads see (one pending block answers both).
 */
export function blockMethods(backend: RpcBackend): MethodTable {
  const { engine, heads, pending } = backend;
  /** A read of the block `tag` names: `onBlock` with the stored block (null when there is none yet), or `onPending`. */
  const byNumber = <Stored, Pending>(tag: unknown, onBlock: (block: RpcBlock | null) => Stored, onPending: (block: PendingBlockView) => Pending | Promise<Pending>): Stored | Promise<Pending> => {
    const ref = blockRef(tag, 'block');
    if (isPending(ref)) return pending.read(onPending);
    const n = resolveBlockNumber(ref, heads);
    return onBlock(n === null ? null : engine.getBlockByNumber(n));
  };
  const withTransactions = (block: RpcBlock | null, full: boolean) => {
    if (!block || !full) return block;
    return { ...block, transactions: block.transactions.map((hash: Hex) => engine.getTransaction(hash)) };
  };
  const fullFlag = (full: unknown) => (full == null ? false : bool(full, 'fullTransactions'));
  /** geth's hexutil.Uint: a quantity of at most 64 bits; past the block's end the answer is null, not an error. */
  const txIndex = (index: unknown): bigint => uint64(index, 'index');
  const storedTransaction = (block: RpcBlock | null, index: bigint) => {
    const hash = block && index < BigInt(block.transactions.length) ? block.transactions[Number(index)] : undefined;
    return hash ? engine.getTransaction(hash) : null;
  };
  return {
    eth_getBlockByNumber: (params) => {
      const [tag, full] = positional(params, 1, 2);
      const wantFull = fullFlag(full);
      return byNumber(
        tag,
        (block) => withTransactions(block, wantFull),
        async (block) => {
          const header = await block.block();
          // geth (internal/ethapi, newRPCTransactionFromBlockIndex) fills the full transactions' blockHash with the
          // hash of the unsealed pending header; that header needs a state root the pending block never computes,
          // so ours give null, as the block's own `hash` is null. blockNumber and transactionIndex are set as geth's.
          return wantFull ? { ...header, transactions: block.transactions() } : header;
        },
      );
    },
    eth_getBlockByHash: (params) => {
      const [hash, full] = positional(params, 1, 2);
      const blockHash = hash32(hash, 'blockHash');
      return withTransactions(engine.getBlockByHash(blockHash), fullFlag(full));
    },
    eth_getBlockTransactionCountByNumber: (params) => {
      const [tag] = positional(params, 1, 1);
      return byNumber(tag, (block) => (block ? quantity(block.transactions.length) : null), (block) => quantity(block.included));
    },
    eth_getBlockTransactionCountByHash: (params) => {
      const [hash] = positional(params, 1, 1);
      const block = engine.getBlockByHash(hash32(hash, 'blockHash'));
      return block ? quantity(block.transactions.length) : null;
    },
    eth_getTransactionByBlockNumberAndIndex: (params) => {
      const [tag, indexParam] = positional(params, 2, 2);
      const index = txIndex(indexParam);
      return byNumber(tag, (block) => storedTransaction(block, index), (block) => (index < BigInt(block.included) ? block.transaction(Number(index)) : null));
    },
    eth_getTransactionByBlockHashAndIndex: (params) => {
      const [hash, indexParam] = positional(params, 2, 2);
      const blockHash = hash32(hash, 'blockHash');
      return storedTransaction(engine.getBlockByHash(blockHash), txIndex(indexParam));
    },
    eth_getBlockReceipts: (params) => {
      const [tag] = positional(params, 1, 1);
      const ref = blockRef(tag, 'block');
      const receiptsOf = (block: RpcBlock | null) => (block ? block.transactions.map((hash: Hex) => engine.getReceipt(hash)) : null);
      // "pending": the pending block's receipts, as geth ≥ 1.14 answers from its miner's pending block.
      return ref.kind === 'hash' ? receiptsOf(engine.getBlockByHash(ref.hash)) : byNumber(tag, receiptsOf, (block) => block.receipts());
    },
  };
}
