import { eq } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.ts';
import { syncCursors } from '../db/schema.ts';
import type { EdgeConfig } from '../config/env.ts';
import { UpstreamError, callHost } from '../rpc/upstream.ts';
import { decodeLog, type L1Contract, type RawLog } from './events.ts';
import { projectEvents } from './project.ts';

// Pulls LockingPool and BatchChain logs from L1 (eth_getLogs) from the last synced block on, in bounded ranges,
// and stores each range with its cursor in one D1 batch: a range is either wholly mirrored or not at all.

const CURSOR = 'l1:block';
/** Blocks per eth_getLogs: within what public L1 RPCs accept. */
export const L1_RANGE = 2_000;
/** Ranges per run: bounds a run's time; the cursor carries on next minute. */
const MAX_RANGES = 10;

export class L1RpcError extends Error {
  override name = 'L1RpcError';
}

export type L1SyncResult = { skipped: string } | { fromBlock: number; toBlock: number; head: number; events: number };

async function l1(url: string, method: string, params: unknown[]): Promise<unknown> {
  const [answer] = await callHost(url, [{ jsonrpc: '2.0', id: 1, method, params }], 10_000);
  if (!answer || 'error' in answer) throw new L1RpcError(`${method} on ${url}: ${answer && 'error' in answer ? answer.error.message : 'no answer'}`);
  return answer.result;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export async function syncL1(db: Database, config: EdgeConfig, now: number): Promise<L1SyncResult> {
  const contracts = new Map<string, L1Contract>();
  if (config.lockingPool) contracts.set(config.lockingPool, 'LockingPool');
  if (config.batchChain) contracts.set(config.batchChain, 'BatchChain');
  if (contracts.size === 0 || !config.l1RpcUrl) return { skipped: 'no L1 RPC URL or contract addresses configured' };

  let head: number;
  try {
    head = Number.parseInt((await l1(config.l1RpcUrl, 'eth_blockNumber', [])) as string, 16);
  } catch (error) {
    if (error instanceof UpstreamError) throw new L1RpcError(error.message);
    throw error;
  }
  const safe = head - config.l1Confirmations;
  const [row] = await db.select({ position: syncCursors.position }).from(syncCursors).where(eq(syncCursors.name, CURSOR));
  const start = row ? row.position + 1 : config.l1StartBlock;
  let from = start;
  let events = 0;
  for (let i = 0; i < MAX_RANGES && from <= safe; i++) {
    const to = Math.min(safe, from + L1_RANGE - 1);
    const logs = (await l1(config.l1RpcUrl, 'eth_getLogs', [{ fromBlock: hex(from), toBlock: hex(to), address: [...contracts.keys()] }])) as RawLog[];
    const decoded = logs
      .filter((log) => !log.removed && contracts.has(log.address.toLowerCase()))
      .map((log) => decodeLog(contracts.get(log.address.toLowerCase()) as L1Contract, log))
      .filter((event) => event !== null)
      .sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
    const statements: BatchItem<'sqlite'>[] = await projectEvents(db, decoded);
    statements.push(
      db.insert(syncCursors).values({ name: CURSOR, position: to, updatedAt: now }).onConflictDoUpdate({ target: syncCursors.name, set: { position: to, updatedAt: now } }),
    );
    await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
    events += decoded.length;
    from = to + 1;
  }
  return { fromBlock: start, toBlock: from - 1, head, events };
}
