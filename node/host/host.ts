import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { Batcher } from './batcher/batcher.ts';
import { LocalKeySigner, type BatchSigner } from './batcher/batch-signer.ts';
import { BatchStore } from './batcher/batch-store.ts';
import { nativeMerkle } from './batcher/merkle.ts';
import type { CallLimits, ExecutionEngine, TxDecoder, VerifyOutcome } from './engine/engine.ts';
import { Heads } from './engine/heads.ts';
import type { Hex } from '../encoding/hex.ts';
import { NativeTxDecoder } from './engine/native-decoder.ts';
import { NodeKey } from '../identity/node-key.ts';
import { PendingBlocks } from './producer/pending.ts';
import { BlockProducer } from './producer/producer.ts';
import { RecordLog } from '../storage/record-log.ts';
import type { RpcLog, RpcReceipt } from './engine/records.ts';
import { SealStore } from './engine/seal-store.ts';
import { BatchChainSubmitter } from '../l1/submitter.ts';
import { Admission } from './txpool/admission.ts';
import { PoolHandoff } from './txpool/handoff.ts';
import { Mempool } from './txpool/pool.ts';
import type { AccountState } from './txpool/sender-queue.ts';
import { Metrics } from './operator/metrics.ts';
import { operatorApp, startOperatorServer, type OperatorServer } from './operator/server.ts';
import { ConsensusSchedule } from './sync/consensus-schedule.ts';
import { EnvelopeSigner } from '../p2p/envelope.ts';
import { EvidenceStore } from './sync/evidence.ts';
import { PeerNetwork } from '../p2p/peer-network.ts';
import { Replicator } from './sync/replicator.ts';
import { SafeHeadTracker } from './sync/safe-head.ts';
import { UnsafeReorg } from './sync/unsafe-reorg.ts';
import { WriteLock } from './engine/write-lock.ts';
import { StaticSchedule, type SequencerSchedule } from './sync/schedule.ts';
import { Dispatcher } from './rpc/dispatch.ts';
import { NotSequencerError, SequencerPausedError } from '../../protocol/jsonrpc/errors.ts';
import { rpcMethods } from './rpc/methods/index.ts';
import { startRpcServer, type RpcServer } from './rpc/server.ts';
import { PublicRpcSwitch } from './public-rpc-switch.ts';
import { SubscriptionHub } from './rpc/subscriptions.ts';
import { hostBackend } from './backend.ts';
import type { HostConfig } from './config.ts';
import { hostPort, LOOPBACK } from '../net/listen-address.ts';
import { registerHostMetrics } from './metrics.ts';
import { BlockPruner } from './pruning.ts';

export interface HostDeps {
  /** Opens the native chain in `dir` from `genesis` (node/host/engine/native-engine.ts). */
  openEngine(dir: string, genesis: Record<string, unknown>, calls: CallLimits): ExecutionEngine;
  decoder?: TxDecoder;
  /** Overrides the configured batch signer (e.g. the MPC engine's). */
  batchSigner?: BatchSigner;
  /** Overrides the schedule built from `config.sequencer` (tests drive rotations with it). */
  schedule?: SequencerSchedule;
  log?: (message: string) => void;
}

export interface Host {
  readonly address: Hex;
  readonly rpcUrl: string;
  readonly wsUrl: string;
  readonly operatorUrl: string;
  readonly peerUrl: string;
  readonly engine: ExecutionEngine;
  readonly pool: Mempool;
  readonly heads: Heads;
  readonly producer: BlockProducer;
  readonly replicator: Replicator;
  readonly network: PeerNetwork;
  readonly batcher: Batcher | null;
  readonly evidence: EvidenceStore;
  readonly schedule: SequencerSchedule;
  readonly handoff: PoolHandoff;
  paused: boolean;
  /** Whether this host is the elected sequencer of the next block. */
  isActive(): boolean;
  stop(): Promise<void>;
}

/** Brings up one sequencer host: chain, pool, producer, replication, RPC, operator API and (optionally) the batcher. */
export async function startHost(config: HostConfig, deps: HostDeps): Promise<Host> {
  const log = deps.log ?? ((message: string) => console.log(`[host] ${message}`));
  const key = new NodeKey(config.nodeKey);
  const engine = deps.openEngine(join(config.dataDir, 'chain'), config.genesis, config.rpc.calls);
  const seals = await SealStore.open(join(config.dataDir, 'seals.log'));
  const evidence = await EvidenceStore.open(join(config.dataDir, 'evidence.jsonl'));
  const { log: journal, entries: journaled } = await RecordLog.open(join(config.dataDir, 'mempool.journal'));
  const batchStore = config.batcher ? await BatchStore.open(join(config.dataDir, 'batcher')) : null;
  const finalizedBatch = [...(batchStore?.all() ?? [])].reverse().find((b) => b.status === 'finalized');
  const heads = new Heads(engine.latestNumber(), 0n, BigInt(finalizedBatch?.lastBlock ?? 0));
  const pool = new Mempool(config.pool);
  const subscriptions = new SubscriptionHub();
  const metrics = new Metrics();

  const schedule: SequencerSchedule =
    deps.schedule ?? (config.sequencer.mode === 'static' ? new StaticSchedule(config.sequencer.address) : new ConsensusSchedule(config.sequencer.url));
  await schedule.refresh();
  let checkOrphans = (): Promise<unknown> => Promise.resolve();
  const scheduleTimer = setInterval(() => void schedule.refresh().then(() => checkOrphans()), 500);
  scheduleTimer.unref();

  let paused = false;
  const isActive = () => schedule.sequencerFor(heads.latest + 1n) === key.address;
  const headAccount = (sender: Hex): AccountState => {
    const account = engine.getAccount(sender, heads.latest);
    // Any code at the head is an EIP-7702 delegation here (a contract cannot send): the pool's set-code rules apply.
    const delegated = engine.getCode(sender, heads.latest) !== '0x';
    return { nonce: Number(account.nonce), balance: account.balance, delegated };
  };
  const blockGasLimit = () => BigInt(engine.getBlockByNumber(heads.latest)?.gasLimit ?? 30_000_000);
  let gasLimitCache = blockGasLimit();
  heads.onChange((name) => {
    if (name === 'latest') gasLimitCache = blockGasLimit();
  });

  const admission = new Admission({
    decoder: deps.decoder ?? new NativeTxDecoder(engine.chainId, config.rpc.maxTxSize),
    pool,
    journal,
    account: headAccount,
    blockGasLimit: () => gasLimitCache,
    txGasCap: (timestamp) => engine.txGasCap?.(timestamp),
    forkAt: (timestamp) => engine.forkAt?.(timestamp),
    maxTxSize: config.rpc.maxTxSize,
    assertAccepting: () => {
      if (paused) throw new SequencerPausedError();
      if (!isActive()) throw new NotSequencerError(schedule.sequencerFor(heads.latest + 1n));
    },
    now: () => Date.now(),
  });
  const restored = admission.replay(journaled);
  await journal.rewrite([...pool.all()].map((tx) => tx.raw));
  if (journaled.length) log(`mempool journal: ${restored.admitted} restored, ${restored.skipped} already included or stale`);
  pool.onAdded((tx) => subscriptions.publishPendingTransaction(tx.hash));

  const publishBlock = (block: Parameters<SubscriptionHub['publishBlock']>[0], receipts: readonly RpcReceipt[]) => {
    if (subscriptions.size === 0) return;
    const logs: RpcLog[] = [];
    for (const receipt of receipts) logs.push(...receipt.logs);
    subscriptions.publishBlock(block, logs);
  };

  const peerDrops = metrics.counter('l2_peer_dropped_total', 'Peer-port messages dropped and connections refused, by reason');
  const network = new PeerNetwork({
    host: config.peer.host ?? LOOPBACK,
    port: config.peer.port,
    signer: new EnvelopeSigner(key, engine.chainId.toString()),
    network: engine.chainId.toString(),
    peers: () => config.peer.peers,
    limits: config.peer.limits,
    onDrop: (reason) => peerDrops(1, { reason }),
    log,
  });
  const weights = new Map<Hex, bigint>(
    config.weights
      ? Object.entries(config.weights).map(([a, w]) => [a.toLowerCase() as Hex, BigInt(w)])
      : [key.address, ...config.peer.peers.map((p) => p.address.toLowerCase() as Hex)].map((a) => [a, 1n]),
  );
  const lock = new WriteLock();
  const reorg = new UnsafeReorg({
    engine,
    heads,
    seals,
    schedule,
    log,
    onRewound: (_number, raws) => {
      // Senders move back to the rewound state, then the orphaned (acknowledged) transactions return to the pool.
      const senders = new Map<Hex, AccountState>();
      for (const tx of pool.all()) if (!senders.has(tx.sender)) senders.set(tx.sender, headAccount(tx.sender));
      pool.applyHead(senders);
      for (const raw of raws) admission.submit(raw, true).catch(() => undefined);
    },
  });
  const safe = new SafeHeadTracker(key.address, weights);
  heads.setSafe(safe.safe(heads.latest));
  const blocksApplied = metrics.counter('l2_blocks_applied_total', 'Blocks received from the sequencer, verified and applied');
  const replicator = new Replicator({
    bus: network,
    engine,
    heads,
    seals,
    schedule,
    evidence,
    safe,
    key,
    lock,
    reorg,
    serveBlocksPerSecond: config.peer.serveBlocksPerSecond,
    log,
    onApplied: (_block, outcome: Extract<VerifyOutcome, { ok: true }>) => {
      // Transactions this host held that the sequencer included: move their senders to the new state.
      const senders = new Map<Hex, AccountState>();
      for (const receipt of outcome.receipts) if (pool.pendingNonce(receipt.from) !== undefined) senders.set(receipt.from, headAccount(receipt.from));
      pool.applyHead(senders);
      blocksApplied();
      publishBlock(outcome.block, outcome.receipts);
    },
  });

  const blocksProduced = metrics.counter('l2_blocks_produced_total', 'Blocks this host produced and sealed');
  const txsIncluded = metrics.counter('l2_transactions_included_total', 'Transactions included in blocks this host produced');
  const txsRejected = metrics.counter('l2_transactions_rejected_total', 'Pooled transactions the executor left out');
  const blockPhase = metrics.counter('l2_block_phase_microseconds_total', 'Time the native executeBlock spent per phase (decode, execute, roots, commit)');
  const producer = new BlockProducer({
    engine,
    pool,
    heads,
    key,
    seals,
    lock,
    config: { ...config.producer, gasLimit: BigInt(config.producer.gasLimit ?? 0), beneficiary: key.address },
    governedBlockTimeMs: () => schedule.governedBlockTimeMs?.() ?? null,
    // Never on top of a block a failover orphaned (see unsafe-reorg.ts).
    mayProduce: (number) => !paused && reorg.forkedAt === null && schedule.sequencerFor(number) === key.address,
    now: () => Date.now(),
    log,
    onProduced: (produced) => {
      blocksProduced();
      txsIncluded(produced.executed.receipts.length);
      if (produced.executed.rejected.length) txsRejected(produced.executed.rejected.length);
      const timings = produced.executed.timingsUs;
      if (timings) for (const [phase, us] of Object.entries(timings)) blockPhase(us, { phase });
      replicator.publish(produced);
      publishBlock(produced.executed.block, produced.executed.receipts);
    },
  });
  admission.onAdmitted = () => producer.poke();
  checkOrphans = () => {
    replicator.updateSafe();
    return replicator.checkOrphans().catch((error: unknown) => log(`rewind failed: ${(error as Error).message}`));
  };

  // Rotation: when this host stops being the sequencer (or restarts as a follower with journaled transactions), its
  // acknowledged transactions go to the one that is.
  const handoff = new PoolHandoff({ bus: network, pool, admission, isActive, log });
  let wasActive = isActive();
  let owesHandoff = !wasActive && pool.size > 0;
  const watchRole = () => {
    const active = isActive();
    if (wasActive && !active) owesHandoff = true;
    wasActive = active;
    if (!owesHandoff || active) return;
    const next = schedule.sequencerFor(heads.latest + 1n);
    if (next && network.connectedPeers().includes(next)) {
      handoff.handTo(next);
      owesHandoff = false;
    }
  };
  heads.onChange((name) => name === 'latest' && watchRole());
  const roleTimer = setInterval(watchRole, 250);
  roleTimer.unref();

  let batcher: Batcher | null = null;
  let l1Provider: JsonRpcProvider | null = null;
  if (config.batcher && batchStore) {
    const b = config.batcher;
    l1Provider = new JsonRpcProvider(b.l1Url, undefined, { staticNetwork: true, pollingInterval: 250 });
    const signer = deps.batchSigner ?? (b.signer.kind === 'local-key' ? new LocalKeySigner(b.signer.key) : null);
    if (!signer) throw new Error('config.batcher.signer is "mpc": pass the MPC engine as deps.batchSigner');
    batcher = new Batcher({
      engine,
      heads,
      store: batchStore,
      signer,
      l1: new BatchChainSubmitter(b.batchChain, new Wallet(b.l1Key, l1Provider)),
      merkle: nativeMerkle,
      config: b,
      shouldSubmit: () => !paused && isActive(),
      now: () => Date.now(),
      log,
    });
  }

  const pruner = config.prune.mode === 'pruned' ? new BlockPruner(engine, heads, config.prune, log) : null;

  // "pending" reads: the pool's next block as this host's producer would cut it, executed but never stored.
  const pending = new PendingBlocks({ engine, pool, config: { ...config.producer, gasLimit: BigInt(config.producer.gasLimit ?? 0), beneficiary: key.address }, now: () => Date.now() });
  const backend = hostBackend({ config, engine, pool, admission, heads, pending, subscriptions, replicator, batcher, schedule, key });
  const rpcErrors = metrics.counter('rpc_errors_total', 'JSON-RPC calls answered with an error, by code');
  const dispatcher = new Dispatcher(rpcMethods(backend), { maxBatchSize: config.rpc.limits.maxBatchSize, onError: (_m, e) => rpcErrors(1, { code: String(e.code) }) });

  const journalTimer = setInterval(() => {
    // Compaction: the journal only needs what the pool still holds.
    if (journal.bytes > 4 * 1024 * 1024 || (pool.size === 0 && journal.bytes > 0)) void journal.rewrite([...pool.all()].map((tx) => tx.raw));
    pool.expireQueued(Date.now(), 3 * 3600_000);
  }, 5000);
  journalTimer.unref();

  let rpc: RpcServer | null = null;
  let publicRpc: PublicRpcSwitch | null = null;
  let operator: OperatorServer | null = null;
  try {
    await network.start();
    replicator.start();
    const startPublicRpc = () => startRpcServer(dispatcher, { host: config.rpc.host ?? LOOPBACK, port: config.rpc.port, maxBodyBytes: 5 * 1024 * 1024, maxWsBufferedBytes: 16 * 1024 * 1024 });
    rpc = await startPublicRpc();
    publicRpc = new PublicRpcSwitch(rpc, startPublicRpc, log);
    registerHostMetrics(metrics, { engine, pool, heads, admission, replicator, network, batcher, producer, subscriptions, isActive, paused: () => paused });
    const control = {
      health: () => {
        const peers = network.status();
        const lastError = batcher?.lastError ?? null;
        return {
          ok: !paused && lastError === null && reorg.forkedAt === null,
          forkedAt: reorg.forkedAt === null ? null : Number(reorg.forkedAt),
          address: key.address,
          role: isActive() ? 'sequencer' : 'follower',
          paused,
          latest: Number(heads.latest),
          safe: Number(heads.safe),
          finalized: Number(heads.finalized),
          pool: pool.counts(),
          peers: { connected: peers.filter((p) => p.connected).length, known: peers.length },
          batcher: batcher ? { lastError } : null,
          schedule: schedule.source,
          blockTimeMs: producer.blockTimeMs(),
        };
      },
      metrics: () => metrics.render(),
      pause: () => {
        paused = true;
        log('paused by operator');
      },
      resume: () => {
        paused = false;
        log('resumed by operator');
      },
      peers: () => network.status(),
      setPublicRpc: (up: boolean) => publicRpc!.set(up),
    };
    operator = await startOperatorServer(operatorApp(control, config.operator.token), config.operator.host ?? LOOPBACK, config.operator.port);
  } catch (error) {
    await rpc?.close();
    await network.close();
    throw error;
  }
  producer.start();
  batcher?.start();

  const rpcServer = rpc;
  const publicRpcSwitch = publicRpc!;
  const operatorServer = operator;
  const host: Host = {
    address: key.address,
    rpcUrl: rpcServer.url,
    wsUrl: rpcServer.wsUrl,
    operatorUrl: operatorServer.url,
    peerUrl: `ws://${hostPort(config.peer.advertise ?? config.peer.host ?? LOOPBACK, network.port)}`,
    engine,
    pool,
    heads,
    producer,
    replicator,
    network,
    batcher,
    evidence,
    schedule,
    handoff,
    get paused() {
      return paused;
    },
    set paused(value: boolean) {
      paused = value;
    },
    isActive,
    stop: async () => {
      await producer.stop();
      await replicator.stop();
      clearInterval(scheduleTimer);
      clearInterval(journalTimer);
      clearInterval(roleTimer);
      await batcher?.stop();
      await pruner?.stop();
      await publicRpcSwitch.close();
      await operatorServer.close();
      await network.close();
      await journal.close();
      await seals.close();
      l1Provider?.destroy();
      engine.close?.();
    },
  };
  return host;
}
