import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The edge's view of the network, refreshed by the scheduler. Addresses are 0x-prefixed lowercase hex,
// amounts (wei) decimal strings, times milliseconds since the epoch. Nothing here is authoritative: the
// consensus layer and L1 are; these tables are mirrors the gateway and the REST API can read in one query.

/** One row (id = 1): the consensus layer's last committed status as seen by the scheduler. */
export const network = sqliteTable('network', {
  id: integer('id').primaryKey(),
  chainId: text('chain_id').notNull(),
  consensusHeight: integer('consensus_height').notNull(),
  l2ChainId: integer('l2_chain_id').notNull(),
  epoch: integer('epoch').notNull(),
  epochFirstBlock: integer('epoch_first_block').notNull(),
  epochLastBlock: integer('epoch_last_block').notNull(),
  epochReason: text('epoch_reason').notNull(),
  nextEpoch: integer('next_epoch'),
  activeSequencer: text('active_sequencer').notNull(),
  l2Latest: integer('l2_latest').notNull(),
  l2Safe: integer('l2_safe').notNull(),
  l2Finalized: integer('l2_finalized').notNull(),
  mpcAddress: text('mpc_address'),
  mpcThreshold: integer('mpc_threshold').notNull(),
  mpcParties: text('mpc_parties', { mode: 'json' }).$type<string[]>().notNull(),
  params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  source: text('source').notNull(),
  syncedAt: integer('synced_at').notNull(),
});

/** The routing table: every sequencer host the consensus layer knows, with the scheduler's health probe. */
export const hosts = sqliteTable('hosts', {
  address: text('address').primaryKey(),
  sequencerId: integer('sequencer_id'),
  owner: text('owner'),
  rpcUrl: text('rpc_url').notNull(),
  peerUrl: text('peer_url'),
  stake: text('stake').notNull().default('0'),
  power: integer('power').notNull().default(0),
  status: text('status').notNull(),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(false),
  healthy: integer('healthy', { mode: 'boolean' }).notNull().default(false),
  /**
   * Its reported height was more than HOST_MAX_LEAD_BLOCKS above the median of all hosts': heights are
   * self-reported, so such a host serves reads only when no other healthy host can.
   */
  aheadOfMedian: integer('ahead_of_median', { mode: 'boolean' }).notNull().default(false),
  l2Height: integer('l2_height'),
  /** When l2Height last moved: a live-but-stalled active sequencer is as bad as a dead one. */
  heightChangedAt: integer('height_changed_at'),
  latencyMs: integer('latency_ms'),
  checkedAt: integer('checked_at'),
  lastError: text('last_error'),
});

export const epochs = sqliteTable('epochs', {
  number: integer('number').primaryKey(),
  firstBlock: integer('first_block').notNull(),
  lastBlock: integer('last_block').notNull(),
  sequencer: text('sequencer').notNull(),
  seed: text('seed').notNull(),
  reason: text('reason').notNull(),
  startedAtHeight: integer('started_at_height').notNull(),
});

export const rotations = sqliteTable('rotations', {
  epoch: integer('epoch').primaryKey(),
  fromAddress: text('from_address'),
  toAddress: text('to_address').notNull(),
  reason: text('reason').notNull(),
  l2StartBlock: integer('l2_start_block').notNull(),
  height: integer('height').notNull(),
});

export const proposals = sqliteTable('proposals', {
  /** Index in the consensus layer's proposal list: the pagination key. */
  position: integer('position').primaryKey(),
  id: text('id').notNull().unique(),
  proposer: text('proposer').notNull(),
  kind: text('kind').notNull(),
  change: text('change', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  status: text('status').notNull(),
  submittedHeight: integer('submitted_height').notNull(),
  votingEndHeight: integer('voting_end_height').notNull(),
  effectiveHeight: integer('effective_height'),
  tally: text('tally', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
});

export const votes = sqliteTable(
  'votes',
  {
    proposalId: text('proposal_id').notNull(),
    voter: text('voter').notNull(),
    option: text('option').notNull(),
    power: text('power').notNull(),
    height: integer('height').notNull(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.voter] })],
);

/** Sequencers as registered on L1 (LockingPool), projected from its events. */
export const sequencers = sqliteTable(
  'sequencers',
  {
    sequencerId: integer('sequencer_id').primaryKey(),
    signer: text('signer').notNull(),
    owner: text('owner').notNull(),
    locked: text('locked').notNull().default('0'),
    reward: text('reward').notNull().default('0'),
    status: text('status').notNull(),
    rewardRecipient: text('reward_recipient'),
    unlockClaimTime: integer('unlock_claim_time'),
    updatedAtBlock: integer('updated_at_block').notNull(),
  },
  (t) => [index('sequencers_signer').on(t.signer), index('sequencers_owner').on(t.owner)],
);

/** Every decoded L1 log of LockingPool and BatchChain, in chain order: the stake history per address. */
export const l1Events = sqliteTable(
  'l1_events',
  {
    blockNumber: integer('block_number').notNull(),
    logIndex: integer('log_index').notNull(),
    txHash: text('tx_hash').notNull(),
    contract: text('contract').notNull(),
    name: text('name').notNull(),
    sequencerId: integer('sequencer_id'),
    /** Every address among the event's arguments, comma-separated, for lookups by address. */
    addresses: text('addresses').notNull(),
    args: text('args', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockNumber, t.logIndex] }), index('l1_events_sequencer').on(t.sequencerId)],
);

/** Batches accepted by BatchChain on L1 (BatchAppended). */
export const batches = sqliteTable('batches', {
  batchIndex: integer('batch_index').primaryKey(),
  firstBlock: integer('first_block').notNull(),
  lastBlock: integer('last_block').notNull(),
  txRoot: text('tx_root').notNull(),
  stateRoot: text('state_root').notNull(),
  dataHash: text('data_hash').notNull(),
  relayer: text('relayer').notNull(),
  l1Block: integer('l1_block').notNull(),
  l1TxHash: text('l1_tx_hash').notNull(),
});

/** Where each feed (L1 logs, consensus lists) resumes. */
export const syncCursors = sqliteTable('sync_cursors', {
  name: text('name').primaryKey(),
  position: integer('position').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * One row per rotation the scheduler may propose, keyed by `${epoch}:${reason}`. A run takes the lease with a
 * conditional UPDATE, so overlapping runs never send the same trigger twice.
 */
export const rotationTriggers = sqliteTable('rotation_triggers', {
  key: text('key').primaryKey(),
  epoch: integer('epoch').notNull(),
  reason: text('reason').notNull(),
  status: text('status', { enum: ['pending', 'sent', 'rejected', 'failed'] }).notNull(),
  holder: text('holder'),
  leaseUntil: integer('lease_until').notNull(),
  attempts: integer('attempts').notNull().default(0),
  observedL2Height: integer('observed_l2_height').notNull(),
  txHash: text('tx_hash'),
  code: integer('code'),
  log: text('log'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * JSON-RPC filters (eth_newFilter, eth_newBlockFilter) kept by the edge, not by a host: reads go to whichever
 * follower is healthy, and the active sequencer rotates, so no host could hold them. `cursor` is the last block
 * whose changes were handed out; a poll moves it with a conditional UPDATE (WHERE cursor = the one it read).
 */
export const filters = sqliteTable(
  'filters',
  {
    /** geth's shape: 16 random bytes as a hex quantity. */
    id: text('id').primaryKey(),
    /** The client IP that created it (CF-Connecting-IP): live filters are bounded per client. */
    client: text('client').notNull(),
    kind: text('kind', { enum: ['logs', 'blocks'] }).notNull(),
    /** The checked criteria in eth_getLogs form; null for block filters. */
    criteria: text('criteria', { mode: 'json' }).$type<Record<string, unknown>>(),
    cursor: integer('cursor').notNull(),
    createdAt: integer('created_at').notNull(),
    /** Creation or the last eth_getFilterChanges: a filter not polled for 5 minutes expires (geth's deadline). */
    lastPolledAt: integer('last_polled_at').notNull(),
  },
  (t) => [index('filters_client').on(t.client, t.lastPolledAt), index('filters_last_polled').on(t.lastPolledAt)],
);
