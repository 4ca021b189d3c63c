import { ConsensusClient } from '../consensus/client.ts';
import { database } from '../db/client.ts';
import { readConfig, type Env } from '../config/env.ts';
import { syncL1, type L1SyncResult } from '../l1/sync.ts';
import { FilterStore } from '../rpc/filters/store.ts';
import { forgetRoutingTable } from '../rpc/table.ts';
import { syncConsensus, type ConsensusSyncResult } from './consensus-sync.ts';
import { checkHosts, type HostHealth } from './health.ts';
import { PRUNE_BATCH, pruneHistory, type RetentionReport } from './retention.ts';
import { dueRotation, proposeRotation, type DueRotation, type TriggerOutcome } from './rotation.ts';

/** What one run did; logged as JSON, returned for tests. A step that failed says why and the others still ran. */
export interface ScheduledReport {
  runId: string;
  at: number;
  consensus: Omit<ConsensusSyncResult, 'status'> | { error: string };
  health: HostHealth[];
  l1: L1SyncResult | { error: string };
  /** JSON-RPC filters past their deadline, deleted this run (at most PRUNE_BATCH; polls also refuse and delete them). */
  filters: { expired: number } | { error: string };
  /** History beyond what the edge keeps (edge/scheduler/retention.ts), deleted this run. */
  retention: RetentionReport | { error: string };
  due: DueRotation | null;
  trigger: TriggerOutcome | { error: string };
}

function failure(error: unknown): { error: string } {
  return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/**
 * The cron run: mirror the consensus layer, probe every host, pull new L1 events, drop expired JSON-RPC filters
 * and history past its retention (retention.ts), and propose a rotation when the epoch is over without a
 * successor or the active sequencer is unhealthy.
 */
export async function runScheduled(env: Env, now: number): Promise<ScheduledReport> {
  const config = readConfig(env);
  const db = database(env.DB);
  const client = new ConsensusClient({ urls: config.consensusUrls });
  const runId = crypto.randomUUID();

  let synced: ConsensusSyncResult | null = null;
  let consensus: ScheduledReport['consensus'];
  try {
    synced = await syncConsensus(db, client, now);
    const { status: _status, ...rest } = synced;
    consensus = rest;
  } catch (error) {
    consensus = failure(error);
  }

  const [health, l1, filters] = await Promise.all([
    checkHosts(db, { timeoutMs: Math.min(config.upstreamTimeoutMs, 5_000), maxLagBlocks: config.hostMaxLagBlocks, maxLeadBlocks: config.hostMaxLeadBlocks, livenessTimeoutMs: synced?.status.params.livenessTimeoutMs ?? null }, now),
    syncL1(db, config, now).catch(failure),
    new FilterStore(db)
      .deleteExpired(now, PRUNE_BATCH)
      .then((expired) => ({ expired }))
      .catch(failure),
  ]);
  // After the L1 sync, so the batches just read count towards the newest kept.
  const retention = await pruneHistory(env.DB, now).catch(failure);
  forgetRoutingTable();

  let due: DueRotation | null = null;
  let trigger: ScheduledReport['trigger'] = { error: 'no consensus status this run: rotation not evaluated' };
  if (synced) {
    due = dueRotation(synced.status, health);
    trigger = await proposeRotation(db, client, env.SCHEDULER_KEY, synced.status, due, runId, now).catch(failure);
  }
  const report: ScheduledReport = { runId, at: now, consensus, health, l1, filters, retention, due, trigger };
  console.log(JSON.stringify({ scheduled: report }));
  return report;
}
