import type { ExecutionEngine } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import { ResourceNotFoundError } from '../../../protocol/jsonrpc/errors.ts';
import type { BlockRef, BlockTag } from '../../../protocol/jsonrpc/params.ts';

/** "pending" state is the pending block (node/host/producer/pending.ts), read through RpcBackend.pending, not a stored block. */
export function isPending(ref: BlockRef): boolean {
  return ref.kind === 'tag' && ref.tag === 'pending';
}

/**
 * Block tags to numbers, for reads that do not take the pending block themselves. Those that do check `isPending`
 * first and never get here with "pending": eth_getBlockByNumber, eth_getBlockTransactionCountByNumber,
 * eth_getTransactionByBlockNumberAndIndex and eth_getBlockReceipts answer the pending block (methods/blocks.ts);
 * eth_getBalance/Code/StorageAt, eth_call and eth_estimateGas read its state (methods/state.ts); and
 * eth_getTransactionCount takes the pool's nonces. For the rest (eth_feeHistory's newest block, eth_getLogs ranges)
 * `pending` reads as `latest`: they walk stored blocks only.
 */
export function tagNumber(tag: BlockTag, heads: Heads): bigint {
  switch (tag) {
    case 'latest':
    case 'pending':
      return heads.latest;
    case 'safe':
      return heads.safe;
    case 'finalized':
      return heads.finalized;
    case 'earliest':
      return 0n;
  }
}

/** For state reads: the block must exist, else geth's "header not found" (-32001 resource not found). */
export function resolveStateBlock(ref: BlockRef, engine: ExecutionEngine, heads: Heads): bigint {
  if (ref.kind === 'tag') return tagNumber(ref.tag, heads);
  if (ref.kind === 'number') {
    if (ref.number > heads.latest) throw new ResourceNotFoundError('header not found');
    return ref.number;
  }
  const block = engine.getBlockByHash(ref.hash);
  if (!block) throw new ResourceNotFoundError(`header for hash not found`);
  return BigInt(block.number);
}

/** For block reads: a number, or null when there is no such block yet. */
export function resolveBlockNumber(ref: BlockRef, heads: Heads): bigint | null {
  if (ref.kind === 'tag') return tagNumber(ref.tag, heads);
  if (ref.kind === 'number') return ref.number > heads.latest ? null : ref.number;
  return null;
}
