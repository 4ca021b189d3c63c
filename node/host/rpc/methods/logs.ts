import type { RpcLog } from '../../engine/records.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { InvalidParamsError, LimitExceededError, ResourceNotFoundError, RpcError } from '../../../../protocol/jsonrpc/errors.ts';
import { bloomMayMatch, matchesLog } from '../log-filter.ts';
import { logFilter, positional, type BlockRef } from '../../../../protocol/jsonrpc/params.ts';
import { tagNumber } from '../resolve.ts';

/** A range reaching below what a pruned host keeps (docs/pruning.md); -32000 as geth's missing-history errors. */
export class PrunedHistoryError extends RpcError {
  constructor(block: bigint, oldestKept: bigint) {
    super(-32000, `pruned: block ${block} is below the oldest kept block ${oldestKept}`);
  }
}

/** eth_getLogs over a bounded block range; blocks whose bloom rules the filter out are never read. */
export function logMethods(backend: RpcBackend): MethodTable {
  const { engine, heads, limits } = backend;
  const toNumber = (ref: BlockRef | undefined): bigint => {
    if (!ref) return heads.latest;
    if (ref.kind === 'tag') return tagNumber(ref.tag, heads);
    if (ref.kind === 'number') return ref.number;
    const block = engine.getBlockByHash(ref.hash);
    if (!block) throw new ResourceNotFoundError('header for hash not found');
    return BigInt(block.number);
  };
  return {
    eth_getLogs: (params) => {
      const [raw] = positional(params, 1, 1);
      const filter = logFilter(raw);
      let from: bigint;
      let to: bigint;
      if (filter.blockHash) {
        const block = engine.getBlockByHash(filter.blockHash);
        if (!block) throw new ResourceNotFoundError('unknown block');
        from = to = BigInt(block.number);
      } else {
        from = toNumber(filter.fromBlock);
        to = toNumber(filter.toBlock);
        if (from > to) throw new InvalidParamsError(`invalid block range: fromBlock ${from} is after toBlock ${to}`);
        if (to - from + 1n > BigInt(limits.maxLogBlockRange)) {
          throw new LimitExceededError(`query exceeds max block range ${limits.maxLogBlockRange}`);
        }
        if (to > heads.latest) to = heads.latest;
      }
      const oldestKept = engine.oldestKeptBlock?.() ?? 0n;
      if (from < oldestKept) throw new PrunedHistoryError(from, oldestKept);
      const out: RpcLog[] = [];
      for (let n = from; n <= to; n++) {
        const block = engine.getBlockByNumber(n);
        if (!block || !bloomMayMatch(block.logsBloom, filter)) continue;
        for (const log of engine.getBlockLogs(n)) {
          if (!matchesLog(log, filter)) continue;
          if (out.length >= limits.maxLogResults) throw new LimitExceededError(`query returned more than ${limits.maxLogResults} results`);
          out.push(log);
        }
      }
      return out;
    },
  };
}
