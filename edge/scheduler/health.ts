import { eq } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.ts';
import { hosts } from '../db/schema.ts';
import { UpstreamError, callHost } from '../rpc/upstream.ts';

// Probes every host's JSON-RPC (eth_blockNumber) and records what it saw: whether the host answered, its L2 height,
// how long it took, and since when its height has not moved. The gateway reads only from healthy hosts.

export interface HealthOptions {
  timeoutMs: number;
  /** A host further behind the highest one than this serves no reads. */
  maxLagBlocks: number;
  /** The consensus layer's liveness timeout: an active host whose height has not moved for longer is stalled. */
  livenessTimeoutMs: number | null;
}

export interface HostHealth {
  address: string;
  isActive: boolean;
  answered: boolean;
  height: number | null;
  latencyMs: number | null;
  error: string | null;
  /** How long the height has not moved (0 when it just did). */
  stalledMs: number;
  healthy: boolean;
}

interface Probe {
  height: number | null;
  latencyMs: number | null;
  error: string | null;
}

async function probe(rpcUrl: string, timeoutMs: number): Promise<Probe> {
  const started = Date.now();
  try {
    const [answer] = await callHost(rpcUrl, [{ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }], timeoutMs);
    if (!answer || !('result' in answer) || typeof answer.result !== 'string') {
      return { height: null, latencyMs: null, error: `eth_blockNumber failed: ${answer && 'error' in answer ? answer.error.message : 'no result'}` };
    }
    return { height: Number.parseInt(answer.result, 16), latencyMs: Date.now() - started, error: null };
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    return { height: null, latencyMs: null, error: error.message };
  }
}

export async function checkHosts(db: Database, options: HealthOptions, now: number): Promise<HostHealth[]> {
  const rows = await db.select().from(hosts);
  const probes = await Promise.all(rows.map((row) => probe(row.rpcUrl, options.timeoutMs)));
  const heights = probes.map((p) => p.height).filter((h): h is number => h !== null);
  const top = heights.length > 0 ? Math.max(...heights) : null;

  const results: HostHealth[] = [];
  const statements: BatchItem<'sqlite'>[] = [];
  rows.forEach((row, i) => {
    const p = probes[i] as Probe;
    const moved = p.height !== null && p.height !== row.l2Height;
    const heightChangedAt = moved ? now : (row.heightChangedAt ?? now);
    const stalledMs = now - heightChangedAt;
    let error = p.error;
    if (!error && top !== null && p.height !== null && top - p.height > options.maxLagBlocks) {
      error = `${top - p.height} blocks behind the highest host (limit ${options.maxLagBlocks})`;
    }
    if (!error && row.isActive && options.livenessTimeoutMs !== null && stalledMs > options.livenessTimeoutMs) {
      error = `L2 height ${p.height} has not moved for ${stalledMs} ms (liveness timeout ${options.livenessTimeoutMs} ms)`;
    }
    const healthy = error === null;
    results.push({ address: row.address, isActive: row.isActive, answered: p.height !== null, height: p.height, latencyMs: p.latencyMs, error, stalledMs, healthy });
    statements.push(
      db
        .update(hosts)
        .set({ healthy, l2Height: p.height ?? row.l2Height, heightChangedAt, latencyMs: p.latencyMs, checkedAt: now, lastError: error })
        .where(eq(hosts.address, row.address)),
    );
  });
  if (statements.length > 0) await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  return results;
}
