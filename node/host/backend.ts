import type { Batcher } from './batcher/batcher.ts';
import type { ExecutionEngine } from './engine/engine.ts';
import type { Heads } from './engine/heads.ts';
import type { NodeKey } from '../identity/node-key.ts';
import type { Admission } from './txpool/admission.ts';
import type { Mempool } from './txpool/pool.ts';
import type { Replicator } from './sync/replicator.ts';
import type { SequencerSchedule } from './sync/schedule.ts';
import type { PendingState, RpcBackend } from './rpc/backend.ts';
import type { SubscriptionHub } from './rpc/subscriptions.ts';
import type { HostConfig } from './config.ts';

export interface BackendParts {
  config: HostConfig;
  engine: ExecutionEngine;
  pool: Mempool;
  admission: Admission;
  heads: Heads;
  pending: PendingState;
  subscriptions: SubscriptionHub;
  replicator: Replicator;
  batcher: Batcher | null;
  schedule: SequencerSchedule;
  key: NodeKey;
}

/** What the JSON-RPC methods read, assembled from the host's parts. */
export function hostBackend(parts: BackendParts): RpcBackend {
  const { config, engine, pool, admission, heads, pending, subscriptions, replicator, batcher, schedule, key } = parts;
  return {
    engine,
    pool,
    admission,
    heads,
    pending,
    subscriptions,
    limits: config.rpc.limits,
    clientVersion: config.clientVersion,
    suggestedPriorityFee: config.rpc.suggestedPriorityFee,
    syncing: () =>
      replicator.highestSeen > heads.latest + 1n ? { startingBlock: heads.latest, currentBlock: heads.latest, highestBlock: replicator.highestSeen } : false,
    metis: {
      transactionProof: async (hash) => batcher?.proof(hash) ?? null,
      batches: async (from, limit) => batcher?.summaries(from, limit) ?? [],
      sequencer: async () => {
        const next = heads.latest + 1n;
        const sequencer = schedule.sequencerFor(next);
        if (!sequencer) await schedule.refresh();
        const active = schedule.sequencerFor(next);
        return {
          sequencer: active ?? ('0x' as const),
          epoch: schedule.epochFor(next),
          source: schedule.source,
          self: key.address,
          active: active === key.address,
          latest: Number(heads.latest),
          safe: Number(heads.safe),
          finalized: Number(heads.finalized),
        };
      },
    },
  };
}
