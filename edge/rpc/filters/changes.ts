import { ErrorCode, ResourceUnavailableError, RpcError } from '../../../protocol/jsonrpc/errors.ts';
import { blockNumberOf, type RpcResponse } from '../../../protocol/jsonrpc/envelope.ts';
import { pollBounds, type LogCriteria } from './criteria.ts';

// What one eth_getFilterChanges hands out: the logs or block hashes of the blocks after the filter's cursor, up
// to the head of the host that answers, at most MAX_BLOCKS_PER_POLL blocks (the rest comes with the next poll).
//
// Hosts differ in height (followers lag the active sequencer a little, and each poll may reach another one),
// so a range is only handed out once the host that served it is known to hold all of it:
//  - logs: eth_blockNumber and eth_getLogs go in one batch to one host. Hosts run a batch's calls in order (ours
//    invoke each handler in turn before awaiting any, node/host/rpc/dispatch.ts; geth runs them one by one), so
//    eth_getLogs saw at least the head eth_blockNumber reported, and everything up to that head is complete.
//    Logs past it are dropped and come with the next poll. A lagging host hands out nothing new rather than
//    too little.
//  - blocks: the head from any host, then eth_getBlockByNumber for each number after the cursor; only the
//    unbroken run of blocks found from the cursor on is handed out, so a host behind the head answering the
//    second step just shortens the run.
//
// Reorgs: the L2 never reorganises below the safe head, but after a failover the unsafe blocks the old sequencer
// sealed above it are orphaned and replaced. A filter hands out each height once, as it was seen: logs or hashes
// of an orphaned block that were handed out are not retracted (no `removed: true` entries), and the replacement
// blocks at heights already handed out are not reported. Clients that must not see orphaned data keep their
// range at or below the safe head (eth_getLogs with toBlock "safe").

/** Blocks one poll may cover. The host's own eth_getLogs range limit is 10,000; this keeps each poll small. */
export const MAX_BLOCKS_PER_POLL = 1_000;
/** eth_getBlockByNumber calls per upstream batch, within any host's batch limit. */
const BLOCKS_PER_BATCH = 100;
/** How many times one poll narrows its range (tenfold each) when a host says a range has too many logs. */
const NARROWINGS = 2;

/** One read through the gateway's routing: all calls go to one healthy host (another one if it fails). */
export type ReadHosts = (calls: { method: string; params?: unknown[] }[]) => Promise<RpcResponse[]>;

export interface Changes {
  items: unknown[];
  /** The cursor after handing out `items`; equal to the old one when nothing new was complete. */
  cursor: number;
}

export async function logChanges(criteria: LogCriteria, cursor: number, read: ReadHosts): Promise<Changes | RpcError> {
  const bounds = pollBounds(criteria);
  const start = Math.max(cursor, bounds.from === null ? -1 : bounds.from - 1) + 1;
  const last = Math.min(start + MAX_BLOCKS_PER_POLL - 1, bounds.to ?? Number.MAX_SAFE_INTEGER);
  if (last < start) return { items: [], cursor };
  let span = last - start + 1;
  for (let narrowed = 0; ; narrowed++) {
    const end = start + span - 1;
    const [headAnswer, logsAnswer] = (await read([
      { method: 'eth_blockNumber' },
      { method: 'eth_getLogs', params: [{ ...criteria, fromBlock: hex(start), toBlock: hex(end) }] },
    ])) as [RpcResponse, RpcResponse];
    const head = quantityResult(headAnswer);
    if (head instanceof RpcError) return head;
    if (head < start) return { items: [], cursor };
    if ('error' in logsAnswer) {
      if (logsAnswer.error.code === ErrorCode.limitExceeded && span > 1 && narrowed < NARROWINGS) {
        span = Math.ceil(span / 10);
        continue;
      }
      return new RpcError(logsAnswer.error.code, logsAnswer.error.message, logsAnswer.error.data);
    }
    if (!Array.isArray(logsAnswer.result)) return badAnswer('eth_getLogs did not return an array');
    const upTo = Math.min(end, head);
    const items = logsAnswer.result.filter((log) => {
      const number = blockNumberOf((log as { blockNumber?: unknown } | null)?.blockNumber);
      return number !== null && number >= start && number <= upTo;
    });
    return { items, cursor: upTo };
  }
}

/** The head of whichever host answers. */
export async function readHead(read: ReadHosts): Promise<number | RpcError> {
  const [answer] = (await read([{ method: 'eth_blockNumber' }])) as [RpcResponse];
  return quantityResult(answer);
}

export async function blockChanges(cursor: number, read: ReadHosts): Promise<Changes | RpcError> {
  const head = await readHead(read);
  if (head instanceof RpcError) return head;
  const last = Math.min(head, cursor + MAX_BLOCKS_PER_POLL);
  if (last <= cursor) return { items: [], cursor };
  const numbers = Array.from({ length: last - cursor }, (_, i) => cursor + 1 + i);
  const chunks: number[][] = [];
  for (let i = 0; i < numbers.length; i += BLOCKS_PER_BATCH) chunks.push(numbers.slice(i, i + BLOCKS_PER_BATCH));
  const answers = (await Promise.all(chunks.map((chunk) => read(chunk.map((n) => ({ method: 'eth_getBlockByNumber', params: [hex(n), false] })))))).flat();
  const hashes: string[] = [];
  for (const [i, answer] of answers.entries()) {
    const block = 'result' in answer ? (answer.result as { number?: unknown; hash?: unknown } | null) : null;
    if (!block || blockNumberOf(block.number) !== numbers[i] || typeof block.hash !== 'string') break;
    hashes.push(block.hash);
  }
  return { items: hashes, cursor: cursor + hashes.length };
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function quantityResult(answer: RpcResponse): number | RpcError {
  if ('error' in answer) return new RpcError(answer.error.code, answer.error.message, answer.error.data);
  return blockNumberOf(answer.result) ?? badAnswer(`eth_blockNumber returned ${JSON.stringify(answer.result)}`);
}

function badAnswer(what: string): RpcError {
  return new ResourceUnavailableError(`a sequencer host answered unusably (${what}); retry shortly`);
}
