import type { Mempool } from '../txpool/pool.ts';
import { PendingStaleError, type ExecutionEngine, type PendingBlockView } from '../engine/engine.ts';
import type { Hex } from '../../encoding/hex.ts';

/** What the pending block takes from the pool: the same bounds the producer applies to a real block. */
export interface PendingBlockConfig {
  beneficiary: Hex;
  /** 0 keeps the parent's. */
  gasLimit: bigint;
  maxBlockTxs: number;
  maxBlockBytes: number;
}

export interface PendingBlocksDeps {
  engine: ExecutionEngine;
  pool: Mempool;
  config: PendingBlockConfig;
  now(): number;
}

/**
 * How long a pending block is reused while neither the head nor the pool changed, so that its timestamp does not go
 * stale on a quiet chain (geth keeps its pending block 2 s, keyed by parent only; we also rebuild on any pool change).
 */
export const PENDING_MAX_AGE_MS = 2000;

/**
 * The pending block "pending" reads and calls see: the pool's executable transactions, chosen exactly as the producer
 * chooses the next block's (`selectForBlock` at the next base fee, same bounds), executed over the head by the native
 * chain off the event loop and never stored. One build per (head, pool version), shared by every caller; at most one
 * build runs at a time (callers that need a newer one wait for it and share the next), and none ever takes the
 * chain's write lock, so the producer never waits on it beyond the native read of one execution.
 */
export class PendingBlocks {
  private readonly deps: PendingBlocksDeps;
  private ready: { key: string; at: number; view: PendingBlockView } | null = null;
  private building: { key: string; promise: Promise<PendingBlockView> } | null = null;
  private next: Promise<PendingBlockView> | null = null;
  /** Native executions started (for metrics and tests). */
  builds = 0;

  constructor(deps: PendingBlocksDeps) {
    this.deps = deps;
  }

  /** The pending block for the current head and pool. */
  current(): Promise<PendingBlockView> {
    const key = this.key();
    const ready = this.ready;
    if (ready && ready.key === key && this.deps.now() - ready.at < PENDING_MAX_AGE_MS) return Promise.resolve(ready.view);
    if (this.building?.key === key) return this.building.promise;
    if (this.building) {
      // An older one is being built: wait for it, then look again (one follow-up build for everyone waiting).
      this.next ??= this.building.promise
        .catch(() => undefined)
        .then(() => {
          this.next = null;
          return this.current();
        });
      return this.next;
    }
    return this.build(key);
  }

  /** Runs `read` on the pending block; once more on a fresh one if its parent was rewound away meanwhile. */
  async read<T>(read: (block: PendingBlockView) => T | Promise<T>): Promise<T> {
    const block = await this.current();
    try {
      return await read(block);
    } catch (error) {
      if (!(error instanceof PendingStaleError)) throw error;
      if (this.ready?.view === block) this.ready = null;
      return await read(await this.current());
    }
  }

  private key(): string {
    return `${this.deps.engine.latestNumber()}:${this.deps.pool.version}`;
  }

  private build(key: string): Promise<PendingBlockView> {
    const { engine, pool, config } = this.deps;
    const latest = engine.latestNumber();
    const baseFee = engine.nextBaseFee();
    const gasLimit = engine.nextGasLimit(config.gasLimit);
    // Selected synchronously, so the block holds exactly what `key` names.
    const txs = pool.selectForBlock({ baseFee, gasLimit, maxTxs: config.maxBlockTxs, maxBytes: config.maxBlockBytes });
    const startedAt = this.deps.now();
    const env = { number: latest + 1n, timestamp: BigInt(Math.floor(startedAt / 1000)), beneficiary: config.beneficiary, gasLimit };
    this.builds++;
    const promise = engine.pendingBlock(env, txs.map((tx) => tx.raw), txs.map((tx) => tx.sender));
    const building = { key, promise };
    this.building = building;
    promise.then(
      (view) => {
        this.ready = { key, at: startedAt, view };
      },
      () => undefined,
    ).finally(() => {
      if (this.building === building) this.building = null;
    });
    return promise;
  }
}
