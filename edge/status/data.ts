import { asc, desc, eq } from 'drizzle-orm';
import { database } from '../db/client.ts';
import { batches, hosts, network, rotations, rotationTriggers } from '../db/schema.ts';

// One read of everything the status endpoints show, in one D1 round trip.

export const RECENT = 10;

export async function loadStatus(d1: D1Database) {
  const db = database(d1);
  const [[state], hostRows, recentBatches, recentRotations, triggers] = await db.batch([
    db.select().from(network).where(eq(network.id, 1)),
    db.select().from(hosts).orderBy(desc(hosts.isActive), asc(hosts.address)),
    db.select().from(batches).orderBy(desc(batches.batchIndex)).limit(RECENT),
    db.select().from(rotations).orderBy(desc(rotations.epoch)).limit(RECENT),
    db.select().from(rotationTriggers).orderBy(desc(rotationTriggers.updatedAt)).limit(RECENT),
  ]);
  return {
    synced: state !== undefined,
    syncedAt: state?.syncedAt ?? null,
    consensus: state ? { chainId: state.chainId, height: state.consensusHeight, source: state.source } : null,
    l2ChainId: state?.l2ChainId ?? null,
    activeSequencer: state?.activeSequencer ?? null,
    epoch: state ? { number: state.epoch, firstBlock: state.epochFirstBlock, lastBlock: state.epochLastBlock, reason: state.epochReason, next: state.nextEpoch } : null,
    l2: state ? { latest: state.l2Latest, safe: state.l2Safe, finalized: state.l2Finalized } : null,
    lastBatch: recentBatches[0] ?? null,
    mpc: state ? { address: state.mpcAddress, threshold: state.mpcThreshold, parties: state.mpcParties } : null,
    hosts: hostRows.map((row) => ({
      address: row.address,
      sequencerId: row.sequencerId,
      rpcUrl: row.rpcUrl,
      status: row.status,
      power: row.power,
      active: row.isActive,
      healthy: row.healthy,
      aheadOfMedian: row.aheadOfMedian,
      l2Height: row.l2Height,
      latencyMs: row.latencyMs,
      checkedAt: row.checkedAt,
      lastError: row.lastError,
    })),
    recentBatches,
    recentRotations,
    triggers: triggers.map(({ holder: _holder, leaseUntil: _lease, ...trigger }) => trigger),
  };
}

export type Status = Awaited<ReturnType<typeof loadStatus>>;
