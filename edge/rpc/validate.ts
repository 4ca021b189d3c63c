import { InvalidInputError, InvalidParamsError, InvalidRawTransactionError, InvalidRequestError, LimitExceededError, MethodNotAllowedError, ParseError, ResourceUnavailableError, } from '../../protocol/jsonrpc/errors.ts';
import { Transaction } from 'ethers';
import { FILTER_METHODS, parseFilterCall, type FilterCall, type FilterMethod } from './filters/criteria.ts';
import type { RpcId, RpcRequest } from '../../protocol/jsonrpc/envelope.ts';
import { SUBSCRIPTION_METHODS, SUBSCRIPTION_OVER_HTTP, parseSubscriptionCall, type SubscriptionCall, type SubscriptionMethod } from './subscription.ts';

// Everything the gateway refuses before a host sees it: oversized bodies and batches, malformed JSON, bad
// envelopes, methods off the allow list, and raw transactions that do not decode or belong to another chain.

/**
 * Where a method is answered: `write` goes to the active sequencer, `read` to a healthy follower, `filter` at the
 * edge itself (filter state in D1, data read from hosts like any other read: edge/rpc/filters/), `subscription`
 * relayed over a host WebSocket held for the client's WebSocket (edge/rpc/socket/; refused over HTTP).
 */
export type MethodKind = 'read' | 'write' | 'filter' | 'subscription';

/** How the call arrived: subscriptions need a connection for their notifications. */
export type Transport = 'http' | 'socket';

/**
 * The allow list. Left out on purpose: signing and account methods (the edge holds no keys), admin/debug/
 * personal namespaces. Subscriptions only on the edge's WebSocket (they need a connection to travel on).
 * Filters are answered by the edge, not forwarded: a follower chosen per request cannot keep their state, so the
 * edge keeps it in D1, which also carries it across rotations and failovers of the active sequencer.
 * eth_newPendingTransactionFilter stays out: the edge never sees the transaction pool (PENDING_FILTER_REFUSAL).
 */
export const METHODS: ReadonlyMap<string, MethodKind> = new Map([
  ['eth_sendRawTransaction', 'write'],
  ['eth_sendRawTransactionSync', 'write'],
  ...(
    [
      'eth_chainId',
      'net_version',
      'web3_clientVersion',
      'eth_blockNumber',
      'eth_syncing',
      'eth_gasPrice',
      'eth_maxPriorityFeePerGas',
      'eth_feeHistory',
      'eth_getBalance',
      'eth_getCode',
      'eth_getStorageAt',
      'eth_getTransactionCount',
      'eth_call',
      'eth_estimateGas',
      'eth_getBlockByNumber',
      'eth_getBlockByHash',
      'eth_getBlockTransactionCountByHash',
      'eth_getBlockTransactionCountByNumber',
      'eth_getTransactionByHash',
      'eth_getTransactionByBlockHashAndIndex',
      'eth_getTransactionByBlockNumberAndIndex',
      'eth_getTransactionReceipt',
      'eth_getBlockReceipts',
      'eth_getLogs',
      'metis_getTransactionProof',
      'metis_sequencer',
      'metis_batches',
    ] as const
  ).map((method) => [method, 'read'] as const),
  ...FILTER_METHODS.map((method) => [method, 'filter'] as const),
  ...SUBSCRIPTION_METHODS.map((method) => [method, 'subscription'] as const),
]);

/** Why eth_newPendingTransactionFilter is refused, for wallets and for whoever reads the error. */
export const PENDING_FILTER_REFUSAL =
  'eth_newPendingTransactionFilter is not available at the edge: the gateway does not see the transaction pool (only the active sequencer has it, and it changes with every rotation); use eth_subscribe("newPendingTransactions") on the edge\'s WebSocket (this same URL, ws:// or wss://)';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

/** A POST whose Content-Type is not JSON: geth answers these 415 too. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
}

/** The media types geth accepts for JSON-RPC over HTTP. */
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/json-rpc', 'application/jsonrequest']);

/**
 * Refuses a body declared as something other than UTF-8 JSON. No Content-Type at all is taken as JSON: command
 * line tools often send none, and the body is parsed strictly anyway.
 */
export function checkContentType(header: string | null): void {
  if (header === null) return;
  const [mediaType = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replaceAll('"', '');
  if (JSON_MEDIA_TYPES.has(mediaType) && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  throw new UnsupportedMediaTypeError(`unsupported content-type "${header.slice(0, 100)}": send the JSON-RPC body as application/json (UTF-8)`);
}

/** Reads the body as text, refusing as soon as it passes `limit` bytes (a missing Content-Length is no way around it). */
export async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new BodyTooLargeError(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

export type Envelope = { batch: false; items: [unknown] } | { batch: true; items: unknown[] };

/**
 * How deep a JSON-RPC body may nest. The deepest legitimate call (a batch holding eth_call with a state override's
 * stateDiff) is about 7 levels; far deeper input only costs the edge and hosts recursion in every later step.
 */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays and objects in JSON text, counted without parsing it (no recursion). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x5d || char === 0x7d) {
      depth -= 1;
    }
  }
  return deepest;
}

/** Parses the body into one call or a batch; errors here answer the whole request. */
export function parseEnvelope(text: string, maxBatch: number): Envelope {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) throw new InvalidRequestError(`JSON nested ${depth} levels deep, the limit is ${MAX_JSON_DEPTH}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) return { batch: false, items: [parsed] };
  if (parsed.length === 0) throw new InvalidRequestError('empty batch');
  if (parsed.length > maxBatch) {
    throw new LimitExceededError(`batch of ${parsed.length} calls exceeds the limit of ${maxBatch}`);
  }
  return { batch: true, items: parsed };
}

/**
 * A call that passed validation. `tx` is set for eth_sendRawTransaction, decoded and checked; `filter` for the
 * filter methods and `subscription` for eth_subscribe/eth_unsubscribe, with their parameters checked.
 */
export interface ValidCall {
  request: RpcRequest;
  kind: MethodKind;
  tx?: { hash: string; from: string; nonce: number };
  filter?: FilterCall;
  subscription?: SubscriptionCall;
}

/**
 * A request without an `id` is a notification (JSON-RPC 2.0 §4.1): it is never answered. Something that is no
 * request at all (no "jsonrpc": "2.0" or no method name) is answered "invalid request" with a null id, as the
 * specification's own examples do (`{"foo": "boo"}`), so garbage never passes silently.
 */
export function isNotification(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'id' in raw) return false;
  const call = raw as Record<string, unknown>;
  return call.jsonrpc === '2.0' && typeof call.method === 'string';
}

/** The id to answer a rejected call with: its own when it has a usable one, else null (JSON-RPC 2.0 §5). */
export function salvageId(raw: unknown): RpcId {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/** Checks one call's shape, method and parameters. `chainId` is the L2's, or null while the edge has not synced it. */
export function validateCall(raw: unknown, chainId: number | null, transport: Transport = 'http'): ValidCall {
  const request = checkShape(raw);
  const kind = METHODS.get(request.method);
  if (request.method === 'eth_newPendingTransactionFilter') throw new MethodNotAllowedError(PENDING_FILTER_REFUSAL);
  if (!kind) throw new MethodNotAllowedError(`method not found or not allowed at the edge: ${request.method}`);
  if (kind === 'subscription' && transport === 'http') throw new MethodNotAllowedError(SUBSCRIPTION_OVER_HTTP(request.method));
  if (request.params !== undefined && !Array.isArray(request.params)) {
    throw new InvalidParamsError(`${request.method} takes positional (array) params`);
  }
  if (kind === 'filter') return { request, kind, filter: parseFilterCall(request.method as FilterMethod, request.params) };
  if (kind === 'subscription') return { request, kind, subscription: parseSubscriptionCall(request.method as SubscriptionMethod, request.params) };
  if (kind !== 'write') return { request, kind };
  const params = request.params ?? [];
  if (request.method === 'eth_sendRawTransaction') return { request, kind, tx: checkRawTransaction(params, chainId) };
  // EIP-7966: the raw transaction, then an optional wait that the host checks (before it admits anything).
  if (params.length > 2) throw new InvalidParamsError('eth_sendRawTransactionSync takes a raw transaction and an optional timeout');
  return { request, kind, tx: checkRawTransaction(params.slice(0, 1), chainId, request.method) };
}

function checkShape(raw: unknown): RpcRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidRequestError('a call must be a JSON object');
  }
  const call = raw as Record<string, unknown>;
  if (call.jsonrpc !== '2.0') throw new InvalidRequestError('"jsonrpc" must be "2.0"');
  if (typeof call.method !== 'string' || call.method.length === 0) {
    throw new InvalidRequestError('"method" must be a non-empty string');
  }
  if ('id' in call && !(call.id === null || typeof call.id === 'string' || (typeof call.id === 'number' && Number.isFinite(call.id)))) {
    throw new InvalidRequestError('"id" must be a string, a number or null');
  }
  if (call.params !== undefined && (typeof call.params !== 'object' || call.params === null)) {
    throw new InvalidRequestError('"params" must be an array or an object');
  }
  return call as unknown as RpcRequest;
}

function checkRawTransaction(params: unknown[], chainId: number | null, method = 'eth_sendRawTransaction'): NonNullable<ValidCall['tx']> {
  const [raw] = params;
  if (params.length !== 1 || typeof raw !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(raw)) {
    throw new InvalidParamsError(`${method} takes one 0x-prefixed hex string`);
  }
  let tx: Transaction;
  try {
    tx = Transaction.from(raw);
  } catch (error) {
    throw new InvalidRawTransactionError(`${shortMessage(error)}`);
  }
  if (!tx.signature) throw new InvalidRawTransactionError('it is not signed');
  let from: string | null;
  try {
    from = tx.from;
  } catch (error) {
    throw new InvalidRawTransactionError(`bad signature (${shortMessage(error)})`);
  }
  if (tx.chainId === 0n) {
    throw new InvalidInputError('transaction has no chain id (pre-EIP-155): only replay-protected transactions are accepted');
  }
  if (chainId === null) {
    throw new ResourceUnavailableError('the edge has not learned the L2 chain id from the consensus layer yet; retry shortly');
  }
  if (tx.chainId !== BigInt(chainId)) {
    throw new InvalidInputError(`wrong chain id: the transaction is for chain ${tx.chainId}, this network is chain ${chainId}`);
  }
  return { hash: tx.hash as string, from: (from as string).toLowerCase(), nonce: tx.nonce };
}

function shortMessage(error: unknown): string {
  const { shortMessage, message } = error as { shortMessage?: string; message?: string };
  return shortMessage ?? message ?? String(error);
}
