import { ResourceUnavailableError, RpcError } from '../../protocol/jsonrpc/errors.ts';
import { errorResponse, resultResponse, type RpcRequest, type RpcResponse } from '../../protocol/jsonrpc/envelope.ts';
import { UpstreamError, callHost } from './upstream.ts';

// Where each call goes: transactions to the active sequencer, reads to a healthy follower. A read that fails on
// one host is tried once on another; a write whose host fails is retried once on the newly elected sequencer.

export interface Route {
  address: string;
  rpcUrl: string;
  healthy: boolean;
  /** Its self-reported height was far above the other hosts' median (scheduler/health.ts): a last resort for reads. */
  aheadOfMedian?: boolean;
}

export interface RoutingTable {
  active: Route | null;
  /** Healthy hosts other than the active one. */
  followers: Route[];
  l2ChainId: number | null;
  /** The last L2 block of the last batch BatchChain accepted on L1 (the edge's L1 mirror); null before any. */
  l1Covered: number | null;
}

/** What routing needs from the rest of the edge: learning who sequences now, and reporting a failed host. */
export interface RouteEvents {
  /** Re-reads the consensus layer for the active sequencer after `failed` did not answer; null if none is known. */
  reelect(failed: string): Promise<Route | null>;
  hostFailed(route: Route, reason: string): void;
}

export interface ForwardOptions {
  timeoutMs: number;
  events: RouteEvents;
}

/** A call ready to forward: the gateway's own id is its index in the request. */
export interface Outbound {
  request: RpcRequest & { id: number };
  /** Set for eth_sendRawTransaction(Sync): the hash it will have on any host. */
  txHash?: string;
}

/** eth_sendRawTransactionSync (EIP-7966): the host holds the answer until a block includes the transaction. */
function isSync(call: Outbound): boolean {
  return call.request.method === 'eth_sendRawTransactionSync';
}

/** The longest wait a host grants eth_sendRawTransactionSync (node/host/rpc/backend.ts, sendSyncMaxTimeoutMs). */
export const SYNC_MAX_WAIT_MS = 10_000;

// Reads that see the mempool, or that a follower may not have replicated yet right after a write.
const PENDING_TAG = 'pending';
const READ_YOUR_WRITES = new Set(['eth_getTransactionByHash', 'eth_getTransactionReceipt']);

function wantsPending(request: RpcRequest): boolean {
  return Array.isArray(request.params) && request.params.includes(PENDING_TAG);
}

function noHost(id: number, what: string): RpcResponse {
  return errorResponse(id, new ResourceUnavailableError(`no healthy sequencer host is available for ${what}; retry shortly`));
}

/**
 * Picks a healthy follower at random (spreading load), else the active host; never one in `exclude`. A host
 * flagged ahead of the median comes after every other choice: a lie about its height must not draw reads to it.
 */
export function pickReadHost(table: RoutingTable, exclude: ReadonlySet<string> = new Set()): Route | null {
  const followers = table.followers.filter((route) => route.healthy && !exclude.has(route.address));
  const active = table.active && !exclude.has(table.active.address) ? [table.active] : [];
  const choices = [followers.filter((route) => !route.aheadOfMedian), active.filter((route) => !route.aheadOfMedian), followers, active];
  const candidates = choices.find((list) => list.length > 0);
  return candidates ? (candidates[Math.floor(Math.random() * candidates.length)] as Route) : null;
}

/** Forwards reads; answers come back in the order of `calls`. */
export async function forwardReads(calls: Outbound[], table: RoutingTable, options: ForwardOptions): Promise<RpcResponse[]> {
  const toActive = calls.filter((call) => wantsPending(call.request));
  const toFollower = calls.filter((call) => !wantsPending(call.request));
  const answers = new Map<number, RpcResponse>();
  await Promise.all([
    toActive.length > 0 && table.active ? readFrom(toActive, table.active, table, options, answers) : fill(toActive, table, options, answers),
    fill(toFollower, table, options, answers),
  ]);
  // A follower that has not replicated a fresh transaction yet answers null: the active host knows it.
  const misses = calls.filter((call) => READ_YOUR_WRITES.has(call.request.method) && (answers.get(call.request.id) as { result?: unknown })?.result === null);
  if (misses.length > 0 && table.active && table.followers.length > 0) {
    try {
      const fresh = await callHost(table.active.rpcUrl, misses.map((call) => call.request), options.timeoutMs);
      for (const answer of fresh) if ('result' in answer && answer.result !== null) answers.set(answer.id as number, answer);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
    }
  }
  return calls.map((call) => answers.get(call.request.id) ?? noHost(call.request.id, call.request.method));
}

async function fill(calls: Outbound[], table: RoutingTable, options: ForwardOptions, answers: Map<number, RpcResponse>): Promise<void> {
  if (calls.length === 0) return;
  const host = pickReadHost(table);
  if (host) await readFrom(calls, host, table, options, answers);
}

async function readFrom(calls: Outbound[], host: Route, table: RoutingTable, options: ForwardOptions, answers: Map<number, RpcResponse>): Promise<void> {
  const requests = calls.map((call) => call.request);
  try {
    for (const answer of await callHost(host.rpcUrl, requests, options.timeoutMs)) answers.set(answer.id as number, answer);
    return;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    options.events.hostFailed(host, error.message);
  }
  // Reads are idempotent: one more host, then give up.
  const second = pickReadHost(table, new Set([host.address]));
  if (!second) return;
  try {
    for (const answer of await callHost(second.rpcUrl, requests, options.timeoutMs)) answers.set(answer.id as number, answer);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    options.events.hostFailed(second, error.message);
  }
}

/** geth's words (and ours, protocol/jsonrpc/errors.ts) for a transaction the pool already holds. */
function isAlreadyKnown(answer: RpcResponse): boolean {
  return 'error' in answer && /already known|known transaction|already imported/i.test(answer.error.message);
}

/** A host that is up but no longer sequences refuses writes with this (protocol/jsonrpc/errors.ts NotSequencerError). */
function isNotSequencer(answer: RpcResponse): boolean {
  return 'error' in answer && /not the active sequencer/i.test(answer.error.message);
}

/**
 * Forwards transactions to the active sequencer. If it fails mid-request (no answer, or it says it no longer
 * sequences) the consensus layer is asked who sequences now and the whole set is sent there once. Submission is
 * idempotent by hash: "already known", or the new host already holding the transaction, is success.
 */
export async function forwardWrites(calls: Outbound[], table: RoutingTable, forwarding: ForwardOptions): Promise<RpcResponse[]> {
  const requests = calls.map((call) => call.request);
  // A sync send is answered only once its block exists: give the host its longest wait on top of the usual budget.
  const options = calls.some(isSync) ? { ...forwarding, timeoutMs: forwarding.timeoutMs + SYNC_MAX_WAIT_MS } : forwarding;
  const host = table.active;
  let failure = host ? null : 'no active sequencer in the routing table';
  if (host) {
    try {
      const answers = await callHost(host.rpcUrl, requests, options.timeoutMs);
      if (!answers.some(isNotSequencer)) return calls.map((call, i) => settle(call, answers[i] as RpcResponse));
      failure = `${host.address} is no longer the active sequencer`;
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      failure = error.message;
      options.events.hostFailed(host, error.message);
    }
  }
  const next = await options.events.reelect(host?.address ?? '');
  if (!next) return calls.map((call) => unavailable(call, `the active sequencer failed (${failure}) and no replacement is known yet`));
  try {
    const answers = await callHost(next.rpcUrl, requests, options.timeoutMs);
    return await confirmKnown(calls, answers, next, options);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    options.events.hostFailed(next, error.message);
    return calls.map((call) => unavailable(call, `the active sequencer failed (${failure}), and so did its replacement (${error.message})`));
  }
}

function settle(call: Outbound, answer: RpcResponse): RpcResponse {
  return isAlreadyKnown(answer) && call.txHash ? pooledAnswer(call) : answer;
}

/**
 * The answer for a transaction a host already held (the failed one had passed it on): its hash, as a first
 * submission would get; for a sync send, EIP-7966's "not included within the wait" (code 4, the hash as data), since
 * the receipt was not awaited on this path and the client polls for it by hash.
 */
function pooledAnswer(call: Outbound): RpcResponse {
  if (!isSync(call)) return resultResponse(call.request.id, call.txHash);
  return errorResponse(call.request.id, new RpcError(4, 'the transaction was already pooled when the sequencer changed; its receipt was not awaited: poll eth_getTransactionReceipt', call.txHash));
}

function unavailable(call: Outbound, reason: string): RpcResponse {
  // The first host may have taken the transaction before failing: resending the same bytes is always safe.
  return errorResponse(call.request.id, new ResourceUnavailableError(`${reason}; resubmitting the same transaction is safe`));
}

/** After a retry, an error may only mean the first host had already taken the transaction: ask the new host. */
async function confirmKnown(calls: Outbound[], answers: RpcResponse[], host: Route, options: ForwardOptions): Promise<RpcResponse[]> {
  const settled = calls.map((call, i) => settle(call, answers[i] as RpcResponse));
  const doubtful = calls.filter((call, i) => 'error' in (settled[i] as RpcResponse) && call.txHash);
  if (doubtful.length === 0) return settled;
  try {
    const lookups = await callHost(
      host.rpcUrl,
      doubtful.map((call) => ({ jsonrpc: '2.0', id: call.request.id, method: 'eth_getTransactionByHash', params: [call.txHash] })),
      options.timeoutMs,
    );
    const known = new Set(lookups.filter((answer) => 'result' in answer && answer.result !== null).map((answer) => answer.id));
    return settled.map((answer, i) => (known.has(answer.id) ? pooledAnswer(calls[i] as Outbound) : answer));
  } catch {
    return settled;
  }
}
