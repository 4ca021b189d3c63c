import { eq } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.ts';
import { hosts } from '../db/schema.ts';
import { blockNumberOf } from '../../protocol/jsonrpc/envelope.ts';
import { UpstreamError, callHost } from '../rpc/upstream.ts';

// Probes every host's JSON-RPC (eth_blockNumber) and records what it saw: whether the host answered, its L2 height,
// how long it took, and since when its height has not moved. The gateway reads only from healthy hosts.
//
// Heights are self-reported and a host may lie. They are judged against the median of the reported heights, not
// the highest: one host claiming a huge height would otherwise make every honest host "lagging" and draw all
// reads to itself (and make an honest active sequencer look stalled to the rotation check). While fewer than
// half of the hosts lie in one direction the median lies between honest heights. A host far below the median is
// unhealthy; one far above it stays healthy (an honest host may briefly lead) but is flagged and not preferred.

export interface HealthOptions {
  timeoutMs: number;
  /** A host further below the median height than this serves no reads. */
  maxLagBlocks: number;
  /** A host further above the median height than this is flagged and read from only when no other can serve. */
  maxLeadBlocks: number;
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
  /** Reported more than maxLeadBlocks above the median height. */
  aheadOfMedian: boolean;
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
    if (!answer || !('result' in answer)) {
      return { height: null, latencyMs: null, error: `eth_blockNumber failed: ${answer && 'error' in answer ? answer.error.message : 'no result'}` };
    }
    const height = blockNumberOf(answer.result);
    if (height === null) return { height: null, latencyMs: null, error: `eth_blockNumber returned no usable height: ${JSON.stringify(answer.result)?.slice(0, 80)}` };
    return { height, latencyMs: Date.now() - started, error: null };
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    return { height: null, latencyMs: null, error: error.message };
  }
}

/** The lower median: with an even count, the lower of the two middle heights (a high liar cannot lift it). */
export function medianHeight(heights: number[]): number | null {
  if (heights.length === 0) return null;
  const sorted = [...heights].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

export async function checkHosts(db: Database, options: HealthOptions, now: number): Promise<HostHealth[]> {
  const rows = await db.select().from(hosts);
  const probes = await Promise.all(rows.map((row) => probe(row.rpcUrl, options.timeoutMs)));
  const heights = probes.map((p) => p.height).filter((h): h is number => h !== null);
  const median = medianHeight(heights);

  const results: HostHealth[] = [];
  const statements: BatchItem<'sqlite'>[] = [];
  rows.forEach((row, i) => {
    const p = probes[i] as Probe;
    const moved = p.height !== null && p.height !== row.l2Height;
    const heightChangedAt = moved ? now : (row.heightChangedAt ?? now);
    const stalledMs = now - heightChangedAt;
    let error = p.error;
    if (!error && median !== null && p.height !== null && median - p.height > options.maxLagBlocks) {
      error = `${median - p.height} blocks below the median host height ${median} (limit ${options.maxLagBlocks})`;
    }
    const aheadOfMedian = median !== null && p.height !== null && p.height - median > options.maxLeadBlocks;
    if (!error && row.isActive && options.livenessTimeoutMs !== null && stalledMs > options.livenessTimeoutMs) {
      error = `L2 height ${p.height} has not moved for ${stalledMs} ms (liveness timeout ${options.livenessTimeoutMs} ms)`;
    }
    const healthy = error === null;
    results.push({ address: row.address, isActive: row.isActive, answered: p.height !== null, height: p.height, latencyMs: p.latencyMs, error, stalledMs, healthy, aheadOfMedian });
    statements.push(
      db
        .update(hosts)
        .set({ healthy, aheadOfMedian, l2Height: p.height ?? row.l2Height, heightChangedAt, latencyMs: p.latencyMs, checkedAt: now, lastError: error })
        .where(eq(hosts.address, row.address)),
    );
  });
  if (statements.length > 0) await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  return results;
}
