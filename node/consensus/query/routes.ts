import { sequencerSetAddress } from '../app/sequencer-set-tx.ts';
import { currentEpoch, epochForBlock } from '../app/epochs.ts';
import { activeValidators } from '../app/validators.ts';
import type { ConsensusState, Epoch, Hex, Proposal } from '../../../protocol/consensus/types.ts';
import { EMPTY_HISTORY, type HistoryView } from '../store/history-archive.ts';

/**
 * The consensus query API (docs/architecture/consensus.md), as a pure function of the committed state. Served over
 * HTTP (query/server.ts) and as ABCI Query paths (same path, same JSON).
 */

export interface CommittedView {
  state: ConsensusState;
  appHash: Hex;
  /** What the state archived (app/history.ts); absent means nothing was. */
  history?: HistoryView;
}

export interface QueryResult {
  status: number;
  body: unknown;
}

export class QueryError extends Error {
  override name = 'QueryError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function page(search: URLSearchParams): { from: number; limit: number } {
  const parse = (name: string, fallback: number, min: number, max: number): number => {
    const raw = search.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new QueryError(400, 'bad_request', `${name} must be a non-negative integer, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new QueryError(400, 'bad_request', `${name} must be between ${min} and ${max}, got ${value}`);
    return value;
  };
  return { from: parse('from', 0, 0, Number.MAX_SAFE_INTEGER), limit: parse('limit', 20, 1, 100) };
}

/** A path segment with its %-escapes decoded; a broken escape is the client's error, not the server's. */
function pathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new QueryError(400, 'bad_request', `${what} is not a valid %-escaped path segment, got "${raw.slice(0, 80)}"`);
  }
}

/** A page of the list made of `parts` one after another (the archived history, then the state's own items). */
function paginate<T>(parts: readonly (readonly T[])[], search: URLSearchParams): { items: T[]; next: number | null } {
  const { from, limit } = page(search);
  const items: T[] = [];
  let offset = 0;
  for (const part of parts) {
    const start = Math.max(0, from - offset);
    if (start < part.length && items.length < limit) items.push(...part.slice(start, start + limit - items.length));
    offset += part.length;
  }
  return { items, next: from + limit < offset ? from + limit : null };
}

/** The archived epoch holding `l2Block`: ranges are contiguous and ascending, so the first whose lastBlock reaches it. */
function archivedEpochFor(epochs: readonly Epoch[], l2Block: number): Epoch | undefined {
  let low = 0;
  let high = epochs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (epochs[mid]!.lastBlock < l2Block) low = mid + 1;
    else high = mid;
  }
  const epoch = epochs[low];
  return epoch && epoch.firstBlock <= l2Block && l2Block <= epoch.lastBlock ? epoch : undefined;
}

function publicProposal(proposal: Proposal): Omit<Proposal, 'votes'> {
  const { votes: _votes, ...rest } = proposal;
  return rest;
}

export function statusOf(view: CommittedView): unknown {
  const { state } = view;
  return {
    chainId: state.chainId,
    height: state.height,
    appHash: view.appHash,
    l2ChainId: state.l2ChainId,
    epoch: currentEpoch(state),
    nextEpoch: state.nextEpoch,
    activeSequencer: currentEpoch(state).sequencer,
    l2: { latest: state.l2.latest, safe: state.l2.safe, finalized: state.l2.finalized },
    mpc: { address: state.mpc.address, threshold: state.mpc.threshold, parties: state.mpc.parties },
    sequencerSet: state.sequencerSet && state.mpc.address ? { address: sequencerSetAddress(state.mpc.address).toLowerCase(), writes: state.sequencerSet.nextNonce } : null,
    params: {
      epochLength: state.params.epochLength,
      blockTimeMs: state.params.blockTimeMs,
      minLock: state.params.minLock,
      maxLock: state.params.maxLock,
      rewardPerBlock: state.params.rewardPerBlock,
      livenessTimeoutMs: state.params.livenessTimeoutMs,
    },
  };
}

/** Answers a GET on the query API. Throws QueryError for 4xx. */
export function routeQuery(view: CommittedView | null, path: string, search: URLSearchParams): QueryResult {
  if (!view) throw new QueryError(503, 'not_ready', 'the consensus app has no committed state yet (waiting for InitChain)');
  const { state } = view;
  const history = view.history ?? EMPTY_HISTORY;
  switch (path) {
    case '/v1/consensus/status':
      return { status: 200, body: statusOf(view) };
    case '/v1/consensus/validators':
      return {
        status: 200,
        body: {
          items: state.validators.map((validator) => ({
            address: validator.address,
            sequencerId: validator.sequencerId,
            owner: validator.owner,
            stake: validator.stake,
            power: validator.power,
            status: validator.status,
            cometPubKey: validator.cometPubKey,
            rpcUrl: validator.rpcUrl,
            peerUrl: validator.peerUrl,
            coolDownUntilEpoch: validator.coolDownUntilEpoch,
          })),
        },
      };
    case '/v1/consensus/sequencer': {
      const raw = search.get('l2Block');
      if (raw === null || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new QueryError(400, 'bad_request', `l2Block must be a non-negative integer, got "${raw ?? ''}"`);
      const l2Block = Number(raw);
      const epoch = epochForBlock(state, l2Block) ?? archivedEpochFor(history.epochs, l2Block);
      if (!epoch) throw new QueryError(404, 'not_elected', `no sequencer is elected for L2 block ${l2Block} yet`);
      return { status: 200, body: { l2Block, sequencer: epoch.sequencer, epoch: epoch.number } };
    }
    case '/v1/consensus/epochs':
      return { status: 200, body: paginate([history.epochs, state.epochs, state.nextEpoch ? [state.nextEpoch] : []], search) };
    case '/v1/consensus/rotations':
      return { status: 200, body: paginate([history.rotations, state.rotations], search) };
    case '/v1/consensus/proposals':
      return { status: 200, body: paginate([state.proposals.map(publicProposal)], search) };
    case '/v1/consensus/mpc':
      return {
        status: 200,
        body: {
          address: state.mpc.address,
          threshold: state.mpc.threshold,
          parties: state.mpc.parties,
          // What a signer checks before it signs: the attested L2 safe head, and the stake a signing set must exceed 2/3 of.
          l2Safe: { number: state.l2.safe, hash: state.l2.safeHash },
          power: Object.fromEntries(activeValidators(state).map((validator) => [validator.address, validator.power])),
          sessions: state.mpc.sessions.map((session) => ({
            id: session.id,
            kind: session.kind,
            purpose: session.purpose,
            status: session.status,
            participants: session.participants,
            request: session.request,
            result: session.result,
            height: session.height,
          })),
        },
      };
  }
  const accountMatch = /^\/v1\/consensus\/accounts\/([^/]+)$/.exec(path);
  if (accountMatch) {
    const raw = pathSegment(accountMatch[1]!, 'account');
    if (!/^0x[0-9a-fA-F]{40}$/.test(raw)) throw new QueryError(400, 'bad_request', `account must be a 0x-prefixed 20-byte address, got "${raw}"`);
    const address = raw.toLowerCase();
    return { status: 200, body: { address, nonce: state.nonces[address] ?? 0 } };
  }
  const proposalMatch = /^\/v1\/consensus\/proposals\/([^/]+)$/.exec(path);
  if (proposalMatch) {
    const raw = pathSegment(proposalMatch[1]!, 'proposal id');
    if (!/^\d+$/.test(raw)) throw new QueryError(400, 'bad_request', `proposal id must be a positive integer, got "${raw}"`);
    const proposal = state.proposals.find((candidate) => candidate.id === Number(raw));
    if (!proposal) throw new QueryError(404, 'not_found', `no proposal ${raw}`);
    return { status: 200, body: { ...publicProposal(proposal), votes: proposal.votes } };
  }
  throw new QueryError(404, 'not_found', `no route ${path}`);
}

/** routeQuery with errors turned into the API's error body. */
export function answerQuery(view: CommittedView | null, path: string, search: URLSearchParams): QueryResult {
  return answering(() => routeQuery(view, path, search));
}

/**
 * The URL of a request target as a client sent it ("/v1/…?from=2"). Anyone can send one (HTTP, or CometBFT's
 * /abci_query), and `new URL` throws on some ("//"): that is a 400, never an exception out of a handler.
 */
export function queryUrl(target: string): URL {
  try {
    return new URL(target, 'http://query.invalid');
  } catch {
    throw new QueryError(400, 'bad_request', `"${target.slice(0, 80)}" is not a URL path`);
  }
}

/** answerQuery for a raw request target; `search` stands in for an empty query string (ABCI Query's data). */
export function answerQueryTarget(view: CommittedView | null, target: string, search = ''): QueryResult {
  return answering(() => {
    const url = queryUrl(target);
    if (search !== '' && url.search === '') url.search = search;
    return routeQuery(view, url.pathname, url.searchParams);
  });
}

function answering(route: () => QueryResult): QueryResult {
  try {
    return route();
  } catch (error) {
    if (error instanceof QueryError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
    return { status: 500, body: { error: { code: 'internal', message: (error as Error).message } } };
  }
}
