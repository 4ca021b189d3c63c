import { randomBytes } from 'node:crypto';
import type { Hex } from '../../encoding/hex.ts';
import type { RpcBlock, RpcLog } from '../engine/records.ts';
import type { SubscriberConnection } from './dispatch.ts';
import { LimitExceededError } from '../../../protocol/jsonrpc/errors.ts';
import { matchesLog } from './log-filter.ts';
import type { LogFilter } from '../../../protocol/jsonrpc/params.ts';

type Subscription =
  | { kind: 'newHeads'; id: Hex; connection: SubscriberConnection }
  | { kind: 'logs'; id: Hex; connection: SubscriberConnection; filter: LogFilter }
  | { kind: 'newPendingTransactions'; id: Hex; connection: SubscriberConnection };

/** eth_subscribe state: subscriptions per WebSocket connection, fan-out of heads, logs and pending hashes. */
export class SubscriptionHub {
  private readonly byId = new Map<Hex, Subscription>();
  private readonly perConnection = new Map<number, Set<Hex>>();
  private readonly maxPerConnection: number;
  private pendingCount = 0;

  constructor(maxPerConnection = 100) {
    this.maxPerConnection = maxPerConnection;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Whether anybody listens for pending transactions (so the pool need not format them otherwise). */
  get wantsPending(): boolean {
    return this.pendingCount > 0;
  }

  subscribe(connection: SubscriberConnection, kind: Subscription['kind'], filter?: LogFilter): Hex {
    let ids = this.perConnection.get(connection.id);
    if (!ids) {
      ids = new Set();
      this.perConnection.set(connection.id, ids);
      connection.onClose(() => this.dropConnection(connection.id));
    }
    if (ids.size >= this.maxPerConnection) throw new LimitExceededError(`at most ${this.maxPerConnection} subscriptions per connection`);
    const id = `0x${randomBytes(16).toString('hex')}` as Hex;
    const sub: Subscription =
      kind === 'logs' ? { kind, id, connection, filter: filter ?? { addresses: [], topics: [] } } : { kind, id, connection };
    this.byId.set(id, sub);
    ids.add(id);
    if (kind === 'newPendingTransactions') this.pendingCount++;
    return id;
  }

  /** Only the connection that made a subscription can cancel it. */
  unsubscribe(connection: SubscriberConnection, id: Hex): boolean {
    const sub = this.byId.get(id);
    if (!sub || sub.connection.id !== connection.id) return false;
    this.remove(sub);
    return true;
  }

  publishBlock(block: RpcBlock, logs: readonly RpcLog[]): void {
    let header: string | null = null;
    for (const sub of this.byId.values()) {
      if (sub.kind === 'newHeads') {
        header ??= JSON.stringify(headerOf(block));
        sub.connection.send(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${sub.id}","result":${header}}}`);
      } else if (sub.kind === 'logs') {
        for (const log of logs) if (matchesLog(log, sub.filter)) notify(sub, log);
      }
    }
  }

  publishPendingTransaction(hash: Hex): void {
    if (this.pendingCount === 0) return;
    for (const sub of this.byId.values()) if (sub.kind === 'newPendingTransactions') notify(sub, hash);
  }

  private dropConnection(connectionId: number): void {
    const ids = this.perConnection.get(connectionId);
    if (!ids) return;
    for (const id of ids) {
      const sub = this.byId.get(id);
      if (sub) this.remove(sub);
    }
    this.perConnection.delete(connectionId);
  }

  private remove(sub: Subscription): void {
    this.byId.delete(sub.id);
    this.perConnection.get(sub.connection.id)?.delete(sub.id);
    if (sub.kind === 'newPendingTransactions') this.pendingCount--;
  }
}

function notify(sub: Subscription, result: unknown): void {
  sub.connection.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: sub.id, result } }));
}

/** newHeads carries the header only: the block without its transaction list. */
function headerOf(block: RpcBlock): Omit<RpcBlock, 'transactions' | 'uncles'> {
  const { transactions: _t, uncles: _u, ...header } = block;
  return header;
}
