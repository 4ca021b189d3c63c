import { desc, eq } from 'drizzle-orm';
import { ConsensusClient } from '../consensus/client.ts';
import { database, type Database } from '../db/client.ts';
import { batches, hosts, network } from '../db/schema.ts';
import type { Route, RouteEvents, RoutingTable } from './route.ts';

// The routing table lives in D1 (the scheduler keeps it fresh). Each isolate keeps its last read for a moment so a
// busy gateway does not read D1 on every request; a host failure seen by this isolate drops it at once.

/** The only module-level state of the gateway: one entry, replaced after `ttlMs` (bounded by construction). */
let memo: { at: number; table: Promise<RoutingTable> } | null = null;

export function forgetRoutingTable(): void {
  memo = null;
}

export function loadRoutingTable(db: D1Database, ttlMs: number, now = Date.now()): Promise<RoutingTable> {
  if (memo && now - memo.at < ttlMs) return memo.table;
  const table = readRoutingTable(database(db));
  memo = { at: now, table };
  table.catch(() => forgetRoutingTable());
  return table;
}

async function readRoutingTable(db: Database): Promise<RoutingTable> {
  const [rows, state, covered] = await db.batch([
    db.select({ address: hosts.address, rpcUrl: hosts.rpcUrl, healthy: hosts.healthy, isActive: hosts.isActive, aheadOfMedian: hosts.aheadOfMedian }).from(hosts),
    db.select({ l2ChainId: network.l2ChainId }).from(network).where(eq(network.id, 1)),
    // The edge's own L1 mirror (l1/sync.ts), not what any host says is finalized: see edge/rpc/cache.ts. Batches
    // are contiguous (BatchChain refuses gaps), so the last one by index (the primary key) covers the most.
    db.select({ lastBlock: batches.lastBlock }).from(batches).orderBy(desc(batches.batchIndex)).limit(1),
  ]);
  const active = rows.find((row) => row.isActive);
  return {
    active: active ? { address: active.address, rpcUrl: active.rpcUrl, healthy: active.healthy, aheadOfMedian: active.aheadOfMedian } : null,
    followers: rows.filter((row) => !row.isActive && row.healthy).map(({ address, rpcUrl, healthy, aheadOfMedian }) => ({ address, rpcUrl, healthy, aheadOfMedian })),
    l2ChainId: state[0]?.l2ChainId ?? null,
    l1Covered: covered[0]?.lastBlock ?? null,
  };
}

export interface FailoverOptions {
  consensusUrls: string[];
  /** How long a write may wait for the consensus layer to elect a replacement. */
  waitMs: number;
  pollMs?: number;
  waitUntil(promise: Promise<unknown>): void;
}

/** Routing's side effects against D1 and the consensus layer. */
export function routeEvents(d1: D1Database, options: FailoverOptions): RouteEvents {
  const db = database(d1);
  return {
    hostFailed(route, reason) {
      forgetRoutingTable();
      options.waitUntil(db.update(hosts).set({ healthy: false, lastError: reason, checkedAt: Date.now() }).where(eq(hosts.address, route.address)));
    },
    async reelect(failed) {
      forgetRoutingTable();
      const client = new ConsensusClient({ urls: options.consensusUrls });
      const deadline = Date.now() + options.waitMs;
      let active: string;
      try {
        // Failover is the consensus layer's decision: wait (briefly) for it to name someone else.
        for (;;) {
          active = (await client.status()).activeSequencer.toLowerCase();
          if (active !== failed || Date.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
        }
      } catch {
        return null;
      }
      const route = await routeOf(db, client, active);
      if (route) {
        options.waitUntil(
          db.batch([db.update(hosts).set({ isActive: false }).where(eq(hosts.isActive, true)), db.update(hosts).set({ isActive: true }).where(eq(hosts.address, active))]),
        );
      }
      return route;
    },
  };
}

async function routeOf(db: Database, client: ConsensusClient, address: string): Promise<Route | null> {
  const [row] = await db.select({ rpcUrl: hosts.rpcUrl }).from(hosts).where(eq(hosts.address, address));
  if (row) return { address, rpcUrl: row.rpcUrl, healthy: true };
  // Elected before the scheduler has mirrored it: the validator set has its URL.
  const validator = (await client.validators()).find((v) => v.address.toLowerCase() === address);
  return validator ? { address, rpcUrl: validator.rpcUrl, healthy: true } : null;
}
