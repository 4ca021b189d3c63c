import { InvalidParamsError, type RpcError } from '../../protocol/jsonrpc/errors.ts';
import { positional } from '../../protocol/jsonrpc/params.ts';
import { parseSubscriptionCriteria, type LogCriteria } from './filters/criteria.ts';

// eth_subscribe / eth_unsubscribe as the edge's WebSocket takes them, checked before any host sees them. The
// kinds and rules are the host's (node/host/rpc/methods/subscribe.ts); log criteria go through the same parser as
// eth_getLogs and edge filters (filters/criteria.ts).

export const SUBSCRIPTION_METHODS = ['eth_subscribe', 'eth_unsubscribe'] as const;
export type SubscriptionMethod = (typeof SUBSCRIPTION_METHODS)[number];

/** The host's bound (node/host/rpc/subscriptions.ts SubscriptionHub), kept per client connection at the edge too. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

export type SubscriptionKind = 'newHeads' | 'logs' | 'newPendingTransactions';

export type SubscriptionCall =
  | { method: 'eth_subscribe'; kind: 'newHeads' | 'newPendingTransactions' }
  | { method: 'eth_subscribe'; kind: 'logs'; criteria: Pick<LogCriteria, 'address' | 'topics'> }
  | { method: 'eth_unsubscribe'; id: string };

/** What eth_subscribe sends upstream for a subscription: its kind, and for logs its checked criteria. */
export function subscribeParams(call: Extract<SubscriptionCall, { method: 'eth_subscribe' }>): unknown[] {
  return call.kind === 'logs' ? [call.kind, call.criteria] : [call.kind];
}

/** Over HTTP: a subscription needs a connection for its notifications to travel on. */
export const SUBSCRIPTION_OVER_HTTP = (method: string) =>
  `${method} needs a WebSocket: open this same URL with ws:// or wss:// (Upgrade: websocket) and subscribe there`;

/** Checks eth_subscribe / eth_unsubscribe params; throws RpcError (-32602 with the reason) on anything else. */
export function parseSubscriptionCall(method: SubscriptionMethod, params: unknown): SubscriptionCall {
  if (method === 'eth_unsubscribe') {
    const [id] = positional(params, 1, 1);
    if (typeof id !== 'string' || !/^0x[0-9a-f]{1,64}$/i.test(id)) {
      throw invalid('subscription id: expected a hex string (the id eth_subscribe returned)');
    }
    return { method, id: id.toLowerCase() };
  }
  const [kind, options] = positional(params, 1, 2);
  switch (kind) {
    case 'newHeads':
    case 'newPendingTransactions':
      // geth's optional "full transactions" flag for pending is not offered: the host sends hashes only.
      if (options != null && options !== false) throw invalid(`${kind} takes no options`);
      return { method, kind };
    case 'logs':
      return { method, kind, criteria: options == null ? {} : parseSubscriptionCriteria(options) };
    default:
      throw invalid(`unsupported subscription type ${JSON.stringify(kind)}; use newHeads, logs or newPendingTransactions`);
  }
}

function invalid(detail: string): RpcError {
  return new InvalidParamsError(detail);
}
