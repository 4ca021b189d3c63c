import { InvalidParamsError, type RpcError } from '../../../protocol/jsonrpc/errors.ts';
import { logFilter, positional, type BlockRef, type LogFilter } from '../../../protocol/jsonrpc/params.ts';

// The parameters of the filter methods, checked before any host or D1 sees them. Log filter criteria go through
// the host's own eth_getLogs parser (protocol/jsonrpc/params.ts), so a filter accepts exactly what eth_getLogs accepts
// (address one or many, topics with null and OR-arrays, fromBlock/toBlock as tag or number, the same -32602
// reasons), plus what a filter that follows new blocks cannot take: a blockHash, "pending" (geth refuses both),
// and a toBlock of "safe" or "finalized" (polls bound their range by a host's latest block only).

/** Criteria in eth_getLogs form: what is stored, and what eth_getFilterLogs sends to a host. */
export interface LogCriteria {
  address?: string[];
  topics?: (string[] | null)[];
  /** A hex quantity or a tag ("earliest", "latest", "safe", "finalized"). */
  fromBlock?: string;
  /** A hex quantity, "earliest" or "latest". */
  toBlock?: string;
}

/** The block range a filter's polls are confined to; null is unbounded on that side. */
export interface PollBounds {
  from: number | null;
  to: number | null;
}

/** A filter method call with its parameters checked. */
export type FilterCall =
  | { method: 'eth_newFilter'; criteria: LogCriteria }
  | { method: 'eth_newBlockFilter' }
  | { method: 'eth_getFilterChanges' | 'eth_getFilterLogs' | 'eth_uninstallFilter'; id: string };

export const FILTER_METHODS = ['eth_newFilter', 'eth_newBlockFilter', 'eth_getFilterChanges', 'eth_getFilterLogs', 'eth_uninstallFilter'] as const;
export type FilterMethod = (typeof FILTER_METHODS)[number];

/** Checks a filter method's params; throws RpcError (-32602 with the reason) on anything else. */
export function parseFilterCall(method: FilterMethod, params: unknown): FilterCall {
  switch (method) {
    case 'eth_newFilter': {
      const [raw] = positional(params, 1, 1);
      return { method, criteria: parseCriteria(raw) };
    }
    case 'eth_newBlockFilter':
      positional(params, 0, 0);
      return { method };
    default: {
      const [id] = positional(params, 1, 1);
      if (typeof id !== 'string' || !/^0x[0-9a-f]{1,64}$/i.test(id)) {
        throw new InvalidParamsError('filter id: expected a hex string (the id eth_newFilter or eth_newBlockFilter returned)');
      }
      return { method, id: id.toLowerCase() };
    }
  }
}

export function parseCriteria(raw: unknown): LogCriteria {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as Record<string, unknown>).blockHash != null) {
    throw invalid('filter.blockHash is not allowed in a filter, which follows new blocks: use eth_getLogs for one block');
  }
  const checked = logFilter(raw);
  const criteria: LogCriteria = matchCriteria(checked);
  if (checked.fromBlock) criteria.fromBlock = blockBound(checked.fromBlock, 'fromBlock');
  if (checked.toBlock) criteria.toBlock = blockBound(checked.toBlock, 'toBlock');
  const { from, to } = pollBounds(criteria);
  if (from !== null && to !== null && from > to) throw invalid(`invalid block range: fromBlock ${from} is after toBlock ${to}`);
  return criteria;
}

/**
 * Criteria of an eth_subscribe("logs") call: address and topics only, checked by the same host parser as
 * eth_getLogs (a subscription follows new blocks from now on, so the host refuses any block range, and so do we).
 */
export function parseSubscriptionCriteria(raw: unknown): Pick<LogCriteria, 'address' | 'topics'> {
  return matchCriteria(logFilter(raw, 'filter', false));
}

/** The address and topics of checked criteria in eth_getLogs form (empty ones left out, as clients send them). */
function matchCriteria(checked: LogFilter): Pick<LogCriteria, 'address' | 'topics'> {
  const criteria: Pick<LogCriteria, 'address' | 'topics'> = {};
  if (checked.addresses.length > 0) criteria.address = checked.addresses;
  if (checked.topics.length > 0) criteria.topics = checked.topics;
  return criteria;
}

function blockBound(ref: BlockRef, field: 'fromBlock' | 'toBlock'): string {
  if (ref.kind === 'hash') throw invalid(`filter.${field}: a block hash is not allowed in a filter; give a block number or tag`);
  if (ref.kind === 'number') {
    if (ref.number > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`filter.${field}: block number ${ref.number} is too large`);
    return `0x${ref.number.toString(16)}`;
  }
  if (ref.tag === 'pending') throw invalid(`filter.${field}: pending logs are not supported`);
  if (field === 'toBlock' && (ref.tag === 'safe' || ref.tag === 'finalized')) {
    throw invalid(`filter.toBlock: "${ref.tag}" is not supported in a filter; give a block number or "latest"`);
  }
  return ref.tag;
}

/** Where polls start and stop: "earliest" is block 0; "latest" and the other tags bound nothing (polls follow the head). */
export function pollBounds(criteria: LogCriteria): PollBounds {
  return { from: boundNumber(criteria.fromBlock), to: boundNumber(criteria.toBlock) };
}

function boundNumber(value: string | undefined): number | null {
  if (value === undefined || value === 'latest' || value === 'safe' || value === 'finalized') return null;
  if (value === 'earliest') return 0;
  return Number.parseInt(value, 16);
}

function invalid(detail: string): RpcError {
  return new InvalidParamsError(detail);
}

