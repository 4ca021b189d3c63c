import { and, count, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { filters } from '../../db/schema.ts';
import type { LogCriteria } from './criteria.ts';

// Filters in D1. No host holds any filter state, so a filter survives rotations and failovers of the active
// sequencer and is served by whichever host is healthy. Every change is one statement or one D1 batch (a
// transaction): the per-client bound and the cursor move are never half applied.

/** geth's deadline: a filter not polled for this long is gone. */
export const FILTER_TTL_MS = 5 * 60_000;
/** Live filters per client IP; each is polled every few seconds, so the per-IP request budget runs out first. */
export const FILTERS_PER_CLIENT = 100;

export type FilterKind = 'logs' | 'blocks';

export interface StoredFilter {
  id: string;
  kind: FilterKind;
  criteria: LogCriteria | null;
  cursor: number;
  lastPolledAt: number;
}

/** A random 16-byte id as a hex quantity, like geth's (rpc.NewID). */
export function newFilterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('').replace(/^0+/, '');
  return `0x${hex || '0'}`;
}

export class FilterStore {
  readonly #db: Database;
  readonly perClient: number;

  constructor(db: Database, perClient = FILTERS_PER_CLIENT) {
    this.#db = db;
    this.perClient = perClient;
  }

  /**
   * Installs a filter unless `client` already has `perClient` live ones; returns its id, or null when over the
   * bound. Insert and check run in one D1 batch, so concurrent creations cannot overshoot together.
   */
  async create(client: string, kind: FilterKind, criteria: LogCriteria | null, cursor: number, now: number): Promise<string | null> {
    const id = newFilterId();
    const live = this.#db
      .select({ n: count() })
      .from(filters)
      .where(and(eq(filters.client, client), gte(filters.lastPolledAt, now - FILTER_TTL_MS)));
    const [, removed] = await this.#db.batch([
      this.#db.insert(filters).values({ id, client, kind, criteria: criteria as Record<string, unknown> | null, cursor, createdAt: now, lastPolledAt: now }),
      this.#db
        .delete(filters)
        .where(and(eq(filters.id, id), sql`(${live}) > ${this.perClient}`))
        .returning({ id: filters.id }),
    ]);
    return removed.length > 0 ? null : id;
  }

  /** The filter, or null when it does not exist or has expired (an expired one is deleted on the way). */
  async get(id: string, now: number): Promise<StoredFilter | null> {
    const [row] = await this.#db.select().from(filters).where(eq(filters.id, id));
    if (!row) return null;
    if (row.lastPolledAt < now - FILTER_TTL_MS) {
      await this.#db.delete(filters).where(and(eq(filters.id, id), eq(filters.lastPolledAt, row.lastPolledAt)));
      return null;
    }
    return { id: row.id, kind: row.kind, criteria: row.criteria as LogCriteria | null, cursor: row.cursor, lastPolledAt: row.lastPolledAt };
  }

  /**
   * Moves the cursor from `from` to `to` and records the poll, only if nobody moved it since `from` was read.
   * False means another poll got there first (its caller hands out that range, so this one must not).
   */
  async advance(id: string, from: number, to: number, now: number): Promise<boolean> {
    const moved = await this.#db
      .update(filters)
      .set({ cursor: to, lastPolledAt: now })
      .where(and(eq(filters.id, id), eq(filters.cursor, from)))
      .returning({ id: filters.id });
    return moved.length > 0;
  }

  /** True if a live filter was removed. */
  async remove(id: string, now: number): Promise<boolean> {
    const removed = await this.#db.delete(filters).where(eq(filters.id, id)).returning({ lastPolledAt: filters.lastPolledAt });
    return removed.some((row) => row.lastPolledAt >= now - FILTER_TTL_MS);
  }

  /** Deletes up to `limit` expired filters (bounded work per scheduler run); returns how many. */
  async deleteExpired(now: number, limit = 1_000): Promise<number> {
    const expired = this.#db
      .select({ id: filters.id })
      .from(filters)
      .where(lt(filters.lastPolledAt, now - FILTER_TTL_MS))
      .limit(limit);
    const removed = await this.#db.delete(filters).where(inArray(filters.id, expired)).returning({ id: filters.id });
    return removed.length;
  }
}
