import type { Mempool } from '../txpool/pool.ts';
import type { AccountState } from '../txpool/sender-queue.ts';
import { sealBlock } from '../../identity/block-seal.ts';
import type { ExecutedBlock, ExecutionEngine } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { NodeKey } from '../../identity/node-key.ts';
import type { SealStore } from '../engine/seal-store.ts';
import type { WriteLock } from '../engine/write-lock.ts';

export interface ProducerConfig {
  /** A block at least this often while there are transactions. */
  blockTimeMs: number;
  /** Size target: a block is cut early once this many transactions wait. */
  maxBlockTxs: number;
  maxBlockBytes: number;
  /** 0 keeps the parent's (the genesis gas limit). */
  gasLimit: bigint;
  /**
   * An empty block after this long without transactions (0: never). Clients such as ethers' tx.wait() watch for
   * new blocks, so a chain that goes silent would leave them waiting.
   */
  emptyBlockIntervalMs: number;
  beneficiary: Hex;
}

export const DEFAULT_PRODUCER_CONFIG: Omit<ProducerConfig, 'beneficiary'> = {
  blockTimeMs: 1000,
  maxBlockTxs: 5000,
  maxBlockBytes: 4 * 1024 * 1024,
  gasLimit: 0n,
  emptyBlockIntervalMs: 1000,
};

/** Executor rejection codes after which a transaction may still be included later: it stays in the pool. */
const TRANSIENT = /^(NonceTooHigh|FeeCapBelowBaseFee|GasLimitExceedsBlock):/;

export interface ProducedBlock {
  executed: ExecutedBlock;
  seal: Hex;
}

export interface ProducerDeps {
  engine: ExecutionEngine;
  /** Shared with replication and rewinds: one chain writer at a time. */
  lock: WriteLock;
  pool: Mempool;
  heads: Heads;
  key: NodeKey;
  seals: SealStore;
  config: ProducerConfig;
  /** Whether this host may produce block `number` now (it is the elected sequencer and not paused). */
  mayProduce(number: bigint): boolean;
  now(): number;
  onProduced(block: ProducedBlock): void;
  log?: (message: string) => void;
}

/**
 * Cuts blocks from the pool: on the block timer, or at once when the size target is reached. One native call
 * executes and durably stores each block; then the block is sealed, the pool advanced, and listeners told.
 */
export class BlockProducer {
  private readonly deps: ProducerDeps;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  /** The block being executed, if any: production is strictly one block at a time. */
  private inFlight: Promise<ProducedBlock | null> | null = null;
  private lastBlockAt = 0;
  produced = 0;
  failures = 0;

  constructor(deps: ProducerDeps) {
    this.deps = deps;
    this.lastBlockAt = deps.now();
    deps.pool.baseFee = deps.engine.nextBaseFee();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.deps.config.blockTimeMs);
  }

  /** Stops cutting blocks; resolves once a block in flight is stored. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    await this.inFlight?.catch(() => null);
  }

  /** Called after admissions: cut a block now if the size target is met. */
  poke(): void {
    if (!this.running || this.immediate || this.inFlight || this.deps.pool.pendingSize < this.deps.config.maxBlockTxs) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      void this.tick();
    });
  }

  /** Builds, executes, stores and seals one block; null when there is nothing to do or this host may not produce. */
  produce(): Promise<ProducedBlock | null> {
    if (this.inFlight) return this.inFlight;
    const run = this.deps.lock.run(() => this.build()).finally(() => (this.inFlight = null));
    this.inFlight = run;
    return run;
  }

  private async build(): Promise<ProducedBlock | null> {
    const { engine, pool, heads, config } = this.deps;
    const number = heads.latest + 1n;
    if (!this.deps.mayProduce(number)) return null;
    const baseFee = engine.nextBaseFee();
    pool.baseFee = baseFee;
    // The parent as stored (it may come from another sequencer after a rotation, with its clock).
    const parent = engine.getBlockByNumber(heads.latest);
    // One allowed step toward the configured target, so the header meets the gas-limit rule.
    const gasLimit = engine.nextGasLimit(config.gasLimit);
    const txs = pool.selectForBlock({ baseFee, gasLimit, maxTxs: config.maxBlockTxs, maxBytes: config.maxBlockBytes });
    const now = this.deps.now();
    if (txs.length === 0 && (config.emptyBlockIntervalMs === 0 || now - this.lastBlockAt < config.emptyBlockIntervalMs)) return null;
    this.lastBlockAt = now;
    const nowSeconds = BigInt(Math.floor(now / 1000));
    const parentTimestamp = parent ? BigInt(parent.timestamp) : 0n;
    const timestamp = nowSeconds > parentTimestamp ? nowSeconds : parentTimestamp;
    // The pool's senders are this host's own admission recovery: the chain need not recover them again.
    const env = { number, timestamp, beneficiary: config.beneficiary, gasLimit };
    const executed = await engine.executeBlock(env, txs.map((tx) => tx.raw), txs.map((tx) => tx.sender));
    const hash = executed.sealed.hash;
    const seal = sealBlock(this.deps.key, engine.chainId, number, hash);
    void this.deps.seals.put(number, { hash, seal });

    // Advance the pool to the new state of every sender that was offered. A sender whose every pooled transaction
    // was included leaves the pool, so its new state need not be read; the others are read from the new head.
    const rejectedHashes = new Set(executed.rejected.map((r) => r.hash));
    const lastIncluded = new Map<Hex, number>();
    const needsRead = new Set<Hex>();
    for (const tx of txs) {
      if (rejectedHashes.has(tx.hash)) needsRead.add(tx.sender);
      else lastIncluded.set(tx.sender, tx.nonce);
    }
    const accounts = new Map<Hex, AccountState>();
    for (const [sender, nonce] of lastIncluded) {
      if (!needsRead.has(sender) && (pool.highestNonce(sender) ?? -1) <= nonce) accounts.set(sender, { nonce: nonce + 1, balance: 0n });
      else needsRead.add(sender);
    }
    for (const sender of needsRead) {
      const account = engine.getAccount(sender, number);
      accounts.set(sender, { nonce: Number(account.nonce), balance: account.balance });
    }
    pool.applyHead(accounts);
    for (const { hash: rejected, reason } of executed.rejected) {
      // A gap (its predecessor was left out) or a base fee above the cap can pass; the rest cannot succeed later.
      if (TRANSIENT.test(reason)) continue;
      if (pool.drop(rejected)) this.deps.log?.(`dropped ${rejected}: ${reason}`);
    }
    pool.baseFee = engine.nextBaseFee();
    heads.setLatest(number);
    this.produced++;
    const block: ProducedBlock = { executed, seal };
    this.deps.onProduced(block);
    return block;
  }

  private async tick(): Promise<void> {
    if (!this.running || this.inFlight) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const started = this.deps.now();
    try {
      await this.produce();
    } catch (error) {
      this.failures++;
      this.deps.log?.(`block production failed: ${(error as Error).message}`);
    }
    // Catch up at once while the size target is still met; otherwise wait out the rest of the block time.
    const elapsed = this.deps.now() - started;
    this.poke();
    this.schedule(Math.max(0, this.deps.config.blockTimeMs - elapsed));
  }

  private schedule(delay: number): void {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delay);
  }
}
