import type { Batcher } from './batcher/batcher.ts';
import type { ExecutionEngine } from './engine/engine.ts';
import type { Heads } from './engine/heads.ts';
import type { BlockProducer } from './producer/producer.ts';
import type { Admission } from './txpool/admission.ts';
import type { Mempool } from './txpool/pool.ts';
import type { Metrics } from './operator/metrics.ts';
import type { PeerNetwork } from '../p2p/peer-network.ts';
import type { Replicator } from './sync/replicator.ts';
import type { SubscriptionHub } from './rpc/subscriptions.ts';

export interface MetricSources {
  engine: ExecutionEngine;
  pool: Mempool;
  heads: Heads;
  admission: Admission;
  replicator: Replicator;
  network: PeerNetwork;
  batcher: Batcher | null;
  producer: BlockProducer;
  subscriptions: SubscriptionHub;
  isActive(): boolean;
  paused(): boolean;
}

/** The host's gauges for /metrics (read at scrape time). */
export function registerHostMetrics(metrics: Metrics, s: MetricSources): void {
  metrics.gauge('l2_head_latest', 'Latest L2 block (durably stored)', () => s.heads.latest);
  metrics.gauge('l2_head_safe', 'Safe L2 block (held by more than 2/3 of the hosts)', () => s.heads.safe);
  metrics.gauge('l2_head_finalized', 'Finalized L2 block (its batch is final on L1)', () => s.heads.finalized);
  metrics.gauge('l2_sequencer_active', '1 when this host is the elected sequencer of the next block', () => (s.isActive() ? 1 : 0));
  metrics.gauge('l2_sequencer_paused', '1 when paused by the operator', () => (s.paused() ? 1 : 0));
  metrics.gauge('l2_mempool_pending', 'Executable transactions in the pool', () => s.pool.pendingSize);
  metrics.gauge('l2_mempool_queued', 'Transactions waiting for a nonce gap to close', () => s.pool.size - s.pool.pendingSize);
  metrics.gauge('l2_mempool_senders', 'Senders with transactions in the pool', () => s.pool.senderCount);
  metrics.gauge('l2_admission_accepted_total', 'Raw transactions admitted to the pool', () => s.admission.admitted);
  metrics.gauge('l2_admission_refused_total', 'Raw transactions refused at admission', () => s.admission.refused);
  metrics.gauge('l2_producer_failures_total', 'Block production attempts that failed', () => s.producer.failures);
  metrics.gauge('l2_replication_refused_total', 'Blocks from peers that were refused', () => s.replicator.refused);
  metrics.gauge('l2_replication_highest_seen', 'Highest block proven by a sealed block or claimed by a peer not in claim back-off', () => s.replicator.highestSeen);
  metrics.gauge('l2_replication_highest_sealed', 'Highest block proven by a block sealed by its elected sequencer (liveness reads this)', () => s.replicator.highestSealed);
  metrics.gauge('l2_replication_gets_dropped_total', 'Block range requests from peers dropped for exceeding their per-second budget', () => s.replicator.getsDropped);
  metrics.gauge('l2_replication_unfulfilled_claims_total', 'Times a peer claimed heights and sent none of them when asked (its claims then ignored for a while)', () => s.replicator.unfulfilledClaims);
  metrics.gauge('l2_peers_connected', 'Peers with an open link', () => s.network.connectedPeers().length);
  metrics.gauge('l2_rpc_subscriptions', 'Open eth_subscribe subscriptions', () => s.subscriptions.size);
  metrics.gauge('l2_batcher_last_error', '1 when the last batcher pass failed', () => (s.batcher?.lastError ? 1 : 0));
}
