// What the edge keeps in D1, and for how long. Every table that grows with blocks, time or clients has a rule here,
// run by every scheduler run; the rest grow only with what a staked party signs on L1 or in consensus (LockingPool
// events, the sequencer registry, governance proposals and votes) and are kept whole, so the REST API can list them.
//
//   batches                  the newest BATCH_HISTORY (one row per BatchAppended, so with L2 blocks); the gateway
//                            needs only the newest (its covered height), the REST API and status page recent ones.
//   l1_events (BatchChain)   those older than the oldest batch kept: they repeat the batches rows.
//   epochs, rotations        the newest EPOCH_HISTORY each (one row per epoch, so with time).
//   rotation_triggers        settled ones (not pending) last touched more than TRIGGER_RETENTION_MS ago: a trigger
//                            is keyed by its epoch, long over by then, so it can never be re-sent.
//   filters                  past their deadline: edge/rpc/filters/store.ts (deleteExpired), also run here.
// A run deletes at most PRUNE_BATCH rows per rule (a D1 statement stays short); a backlog drains over the runs.

export const BATCH_HISTORY = 10_000;
export const EPOCH_HISTORY = 10_000;
export const TRIGGER_RETENTION_MS = 7 * 24 * 3_600_000;
export const PRUNE_BATCH = 5_000;

export interface RetentionLimits {
  batchHistory: number;
  epochHistory: number;
  triggerRetentionMs: number;
  pruneBatch: number;
}

export const RETENTION: RetentionLimits = { batchHistory: BATCH_HISTORY, epochHistory: EPOCH_HISTORY, triggerRetentionMs: TRIGGER_RETENTION_MS, pruneBatch: PRUNE_BATCH };

/** Rows each rule deleted this run. */
export interface RetentionReport {
  batches: number;
  batchEvents: number;
  epochs: number;
  rotations: number;
  triggers: number;
}

/** Deletes the oldest rows of `table` (by `key`) beyond the newest `keep`, at most `limit` of them. */
function keepNewest(db: D1Database, table: string, key: string, keep: number, limit: number): D1PreparedStatement {
  return db
    .prepare(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${key} < (SELECT ${key} FROM ${table} ORDER BY ${key} DESC LIMIT 1 OFFSET ?1) ORDER BY ${key} LIMIT ?2)`)
    .bind(keep - 1, limit);
}

/** Applies every rule once, in one D1 batch (a transaction). */
export async function pruneHistory(db: D1Database, now: number, limits: RetentionLimits = RETENTION): Promise<RetentionReport> {
  const { batchHistory, epochHistory, triggerRetentionMs, pruneBatch } = limits;
  const results = await db.batch([
    keepNewest(db, 'batches', 'batch_index', batchHistory, pruneBatch),
    db
      .prepare(
        `DELETE FROM l1_events WHERE rowid IN (SELECT rowid FROM l1_events WHERE contract = 'BatchChain' AND block_number < (SELECT min(l1_block) FROM batches) ORDER BY block_number LIMIT ?1)`,
      )
      .bind(pruneBatch),
    keepNewest(db, 'epochs', 'number', epochHistory, pruneBatch),
    keepNewest(db, 'rotations', 'epoch', epochHistory, pruneBatch),
    db.prepare(`DELETE FROM rotation_triggers WHERE key IN (SELECT key FROM rotation_triggers WHERE status != 'pending' AND updated_at < ?1 LIMIT ?2)`).bind(now - triggerRetentionMs, pruneBatch),
  ]);
  const [batches, batchEvents, epochs, rotations, triggers] = results.map((result) => result.meta.changes ?? 0);
  return { batches: batches!, batchEvents: batchEvents!, epochs: epochs!, rotations: rotations!, triggers: triggers! };
}
