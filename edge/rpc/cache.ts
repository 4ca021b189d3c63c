import { blockNumberOf, type RpcRequest, type RpcResponse } from '../../protocol/jsonrpc/envelope.ts';

// Answers that can never change, kept in the Workers Cache API (a named cache), not in D1: they are a pure
// optimisation (a miss just asks a host), so a per-location cache that evicts on its own is the right store; it
// costs no D1 writes (D1 has one writer, which the scheduler needs), answers in the same location as the request,
// and needs no invalidation because only immutable answers go in: blocks (by hash or number), transactions and
// receipts whose block is covered by a batch on L1.
//
// "Covered" is the last L2 block of the last BatchAppended the edge itself read from L1 (l1/sync.ts, after
// L1_CONFIRMATIONS), never a height a host reports: a host lying about "finalized" (or the consensus query API it
// runs) could otherwise pin answers about blocks that never became final for a year. A batch on BatchChain is
// final (it carries the MPC threshold signature). Null answers ("not found yet") are never cached.

export const RPC_CACHE_NAME = 'rpc-immutable';
const ORIGIN = 'https://rpc-cache.edge.internal';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The last L2 block covered by a batch on L1, or null before the first. */
type Covered = number | null;

/** Whether a call's answer could be cached at all, before asking anyone. */
export function isCacheable(request: RpcRequest, covered: Covered): boolean {
  if (covered === null) return false;
  const params = Array.isArray(request.params) ? request.params : [];
  switch (request.method) {
    case 'eth_getBlockByHash':
    case 'eth_getTransactionByHash':
    case 'eth_getTransactionReceipt':
      return typeof params[0] === 'string';
    case 'eth_getBlockByNumber': {
      const number = blockNumberOf(params[0]);
      return number !== null && number <= covered;
    }
    default:
      return false;
  }
}

/**
 * Whether an answer may be stored: found, about what was asked (its hash or number matches the request, so a
 * confused host cannot pin a wrong answer for a year), and in a block covered by a batch on L1.
 */
export function isImmutableAnswer(request: RpcRequest, answer: RpcResponse, covered: Covered): boolean {
  if (covered === null) return false;
  if (!('result' in answer) || answer.result === null || typeof answer.result !== 'object') return false;
  const result = answer.result as { hash?: unknown; number?: unknown; transactionHash?: unknown; blockNumber?: unknown };
  const asked = Array.isArray(request.params) ? request.params[0] : undefined;
  const same = (value: unknown) => typeof value === 'string' && typeof asked === 'string' && value.toLowerCase() === asked.toLowerCase();
  switch (request.method) {
    case 'eth_getBlockByHash': {
      const number = blockNumberOf(result.number);
      return same(result.hash) && number !== null && number <= covered;
    }
    case 'eth_getBlockByNumber': {
      const number = blockNumberOf(result.number);
      return number !== null && number === blockNumberOf(asked) && number <= covered;
    }
    case 'eth_getTransactionByHash':
      if (!same(result.hash)) return false;
      break;
    case 'eth_getTransactionReceipt':
      if (!same(result.transactionHash)) return false;
      break;
    default:
      return false;
  }
  const number = blockNumberOf(result.blockNumber);
  return number !== null && number <= covered;
}

function keyOf(chainId: number, request: RpcRequest): Request {
  const params = encodeURIComponent(JSON.stringify(request.params ?? []));
  return new Request(`${ORIGIN}/${chainId}/${request.method}?params=${params}`);
}

/** The immutable-answer cache for one L2 chain. */
export class RpcCache {
  readonly #cache: Cache;
  readonly #chainId: number;

  constructor(cache: Cache, chainId: number) {
    this.#cache = cache;
    this.#chainId = chainId;
  }

  /** The cached result for a call, or undefined on a miss. */
  async get(request: RpcRequest): Promise<unknown> {
    const hit = await this.#cache.match(keyOf(this.#chainId, request));
    return hit ? await hit.json() : undefined;
  }

  async put(request: RpcRequest, result: unknown): Promise<void> {
    const response = new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json', 'cache-control': IMMUTABLE } });
    await this.#cache.put(keyOf(this.#chainId, request), response);
  }
}
