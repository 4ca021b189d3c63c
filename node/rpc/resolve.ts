import type { ExecutionEngine } from '../chain/engine.ts';
import type { Heads } from '../chain/heads.ts';
import { ResourceNotFoundError } from './errors.ts';
import type { BlockRef, BlockTag } from './params.ts';

/**
 * Block tags to numbers. `pending` reads as `latest`: the pending block is built only when it is produced, and the
 * pool's nonces are served separately by eth_getTransactionCount.
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
