import { ErrorCode, InvalidParamsError, RpcError } from '../../../protocol/jsonrpc/errors.ts';
import { errorResponse, resultResponse, type RpcId, type RpcResponse } from '../../../protocol/jsonrpc/envelope.ts';
import { blockChanges, logChanges, readHead, type ReadHosts } from './changes.ts';
import type { FilterCall } from './criteria.ts';
import { FILTER_TTL_MS, type FilterStore } from './store.ts';

// The filter methods, answered at the edge: state in D1 (store.ts), data from hosts through the gateway's read
// routing (changes.ts). eth_newPendingTransactionFilter is not among them: see validate.ts.

export type { ReadHosts } from './changes.ts';
export { FILTER_METHODS, parseFilterCall, type FilterCall } from './criteria.ts';
export { FilterStore } from './store.ts';

export interface FilterContext {
  store: FilterStore;
  /** The client key (CF-Connecting-IP) live filters are counted against. */
  client: string;
  read: ReadHosts;
  now: () => number;
}

/** geth's code and words: viem installs the filter again on it (ethers v6 only logs it and keeps polling). */
export class FilterNotFoundError extends RpcError {
  override name = 'FilterNotFoundError';
  constructor() {
    super(ErrorCode.invalidInput, 'filter not found');
  }
}

/**
 * Answers a request's filter calls concurrently, in the calls' order. Safe because every store operation is
 * atomic on its own: creations cannot overshoot the bound together, and two polls cannot hand out one range.
 */
export async function answerFilterCalls(calls: { id: RpcId; call: FilterCall }[], context: FilterContext): Promise<RpcResponse[]> {
  return await Promise.all(
    calls.map(async ({ id, call }) => {
      try {
        return resultResponse(id, await answer(call, context));
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        return errorResponse(id, error);
      }
    }),
  );
}

async function answer(call: FilterCall, context: FilterContext): Promise<unknown> {
  const { store, read, now } = context;
  switch (call.method) {
    case 'eth_newFilter':
    case 'eth_newBlockFilter': {
      const head = await readHead(read);
      if (head instanceof RpcError) throw head;
      const logs = call.method === 'eth_newFilter';
      const id = await store.create(context.client, logs ? 'logs' : 'blocks', logs ? call.criteria : null, head, now());
      if (id === null) {
        throw new RpcError(
          ErrorCode.limitExceeded,
          `too many filters: ${context.client} already has ${store.perClient} live filters (uninstall one with eth_uninstallFilter, or let it expire ${FILTER_TTL_MS / 60_000} minutes after its last poll)`,
        );
      }
      return id;
    }
    case 'eth_getFilterChanges': {
      const filter = await store.get(call.id, now());
      if (!filter) throw new FilterNotFoundError();
      const changes = filter.kind === 'logs' ? await logChanges(filter.criteria ?? {}, filter.cursor, read) : await blockChanges(filter.cursor, read);
      if (changes instanceof RpcError) throw changes;
      // Another poll of the same filter that moved the cursor first hands out this range; this one hands out nothing.
      const mine = await store.advance(filter.id, filter.cursor, changes.cursor, now());
      return mine ? changes.items : [];
    }
    case 'eth_getFilterLogs': {
      const filter = await store.get(call.id, now());
      if (!filter) throw new FilterNotFoundError();
      if (filter.kind !== 'logs') throw new InvalidParamsError(`${call.id} is a block filter; eth_getFilterLogs takes a log filter`);
      const [logs] = (await read([{ method: 'eth_getLogs', params: [filter.criteria ?? {}] }])) as [RpcResponse];
      if ('error' in logs) throw new RpcError(logs.error.code, logs.error.message, logs.error.data);
      return logs.result;
    }
    case 'eth_uninstallFilter':
      return await store.remove(call.id, now());
  }
}
