import { and, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import { TxCode } from '../../protocol/consensus/errors.ts';
import type { ConsensusClient } from '../consensus/client.ts';
import type { ConsensusStatus } from '../../protocol/consensus/query.ts';
import type { Database } from '../db/client.ts';
import { rotationTriggers, syncCursors } from '../db/schema.ts';
import type { HostHealth } from './health.ts';
import { signTrigger, type TriggerReason } from './trigger.ts';

// The scheduler watches from outside and proposes; only the consensus layer decides. A rotation is proposed when
// the epoch's last block has been reached and no next epoch is elected, or when the active sequencer is unhealthy
// (unreachable, or its height has not moved for longer than the liveness timeout). Each (epoch, reason) is proposed
// once: the run that wins the D1 lease sends it; overlapping runs see the lease taken and do nothing.

export interface DueRotation {
  epoch: number;
  reason: TriggerReason;
  detail: string;
  observedL2Height: number;
}

/** How long a run holds a lease before another run may take over (a run that died mid-send). */
export const LEASE_MS = 30_000;
/** After a refusal, wait this long before proposing the same (epoch, reason) again. */
export const RETRY_AFTER_REFUSAL_MS = 60_000;
export const MAX_ATTEMPTS = 5;
const NONCE_CURSOR = 'scheduler:nonce';

export function dueRotation(status: ConsensusStatus, health: HostHealth[]): DueRotation | null {
  const active = health.find((host) => host.address === status.activeSequencer.toLowerCase());
  if (active && !active.healthy) {
    return { epoch: status.epoch.number, reason: 'liveness', detail: `active sequencer ${active.address}: ${active.error}`, observedL2Height: active.height ?? status.l2.latest };
  }
  if (status.nextEpoch === null && status.l2.latest >= status.epoch.lastBlock) {
    return {
      epoch: status.epoch.number,
      reason: 'epoch',
      detail: `epoch ${status.epoch.number} ended at L2 block ${status.epoch.lastBlock} and no next epoch is elected`,
      observedL2Height: status.l2.latest,
    };
  }
  return null;
}

export type TriggerOutcome =
  | { sent: false; why: 'not-due' | 'no-key' | 'lease-held' }
  | { sent: true; key: string; accepted: boolean; code: number | null; log: string; txHash: string | null };

/** Takes the lease for `key`: true for exactly one of any number of concurrent callers. */
export async function takeLease(db: Database, due: DueRotation, holder: string, now: number): Promise<boolean> {
  const key = `${due.epoch}:${due.reason}`;
  await db
    .insert(rotationTriggers)
    .values({ key, epoch: due.epoch, reason: due.reason, status: 'pending', leaseUntil: 0, observedL2Height: due.observedL2Height, updatedAt: now })
    .onConflictDoNothing();
  const taken = await db
    .update(rotationTriggers)
    .set({ holder, leaseUntil: now + LEASE_MS, attempts: sql`${rotationTriggers.attempts} + 1`, observedL2Height: due.observedL2Height, updatedAt: now })
    .where(
      and(
        eq(rotationTriggers.key, key),
        inArray(rotationTriggers.status, ['pending', 'rejected', 'failed']),
        lte(rotationTriggers.leaseUntil, now),
        lt(rotationTriggers.attempts, MAX_ATTEMPTS),
      ),
    )
    .run();
  return taken.meta.changes === 1;
}

export async function proposeRotation(
  db: Database,
  client: ConsensusClient,
  key: string | undefined,
  status: ConsensusStatus,
  due: DueRotation | null,
  runId: string,
  now: number,
): Promise<TriggerOutcome> {
  if (!due) return { sent: false, why: 'not-due' };
  if (!key) return { sent: false, why: 'no-key' };
  if (!(await takeLease(db, due, runId, now))) return { sent: false, why: 'lease-held' };
  const leaseKey = `${due.epoch}:${due.reason}`;

  // D1 keeps the nonce after the scheduler's last accepted trigger, which saves a read per trigger.
  let nonce = await storedNonce(db);
  const trigger = { chainId: status.chainId, epoch: due.epoch, reason: due.reason, detail: due.detail, observedL2Height: due.observedL2Height, observedAt: now };
  try {
    const signed = signTrigger(key, { ...trigger, nonce });
    let result = await client.submitTx(signed.tx);
    // A bad nonce (code 4: D1 lost or behind the layer): the layer's account route has the next one; resend once.
    if (result.code === TxCode.badNonce) {
      const { nonce: expected } = await client.account(signed.from);
      if (expected !== nonce) {
        nonce = expected;
        result = await client.submitTx(signTrigger(key, { ...trigger, nonce }).tx);
      }
    }
    const accepted = result.code === 0;
    await db.batch([
      db
        .update(rotationTriggers)
        .set({
          status: accepted ? 'sent' : 'rejected',
          code: result.code,
          log: result.log,
          txHash: result.hash,
          leaseUntil: accepted ? now + LEASE_MS : now + RETRY_AFTER_REFUSAL_MS,
          updatedAt: now,
        })
        .where(and(eq(rotationTriggers.key, leaseKey), eq(rotationTriggers.holder, runId))),
      db
        .insert(syncCursors)
        .values({ name: NONCE_CURSOR, position: accepted ? nonce + 1 : nonce, updatedAt: now })
        .onConflictDoUpdate({ target: syncCursors.name, set: { position: accepted ? nonce + 1 : nonce, updatedAt: now } }),
    ]);
    return { sent: true, key: leaseKey, accepted, code: result.code, log: result.log, txHash: result.hash };
  } catch (error) {
    // Not delivered: release the lease so the next run tries again.
    const log = error instanceof Error ? error.message : String(error);
    await db
      .update(rotationTriggers)
      .set({ status: 'failed', log, leaseUntil: now, updatedAt: now })
      .where(and(eq(rotationTriggers.key, leaseKey), eq(rotationTriggers.holder, runId)));
    return { sent: true, key: leaseKey, accepted: false, code: null, log, txHash: null };
  }
}

async function storedNonce(db: Database): Promise<number> {
  const [row] = await db.select({ position: syncCursors.position }).from(syncCursors).where(eq(syncCursors.name, NONCE_CURSOR));
  return row?.position ?? 0;
}
