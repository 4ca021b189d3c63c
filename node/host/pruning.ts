import type { ExecutionEngine } from './engine/engine.ts';
import type { Heads } from './engine/heads.ts';

/**
 * `archive` (default) keeps every block: the RPC answers all history. `pruned` deletes bodies, receipts and tx
 * lookups of blocks more than `keepBlocks` below the finalized head (docs/pruning.md); headers stay.
 */
export type PruneConfig = { mode: 'archive' } | { mode: 'pruned'; keepBlocks: number; maxBlocksPerStep: number };

export const DEFAULT_PRUNE_CONFIG: PruneConfig = { mode: 'archive' };
const DEFAULT_MAX_BLOCKS_PER_STEP = 256;

/** `prune` from a config file: absent means archive; anything malformed is refused at start. */
export function parsePruneConfig(input: unknown): PruneConfig {
  if (input === undefined || input === null) return DEFAULT_PRUNE_CONFIG;
  const raw = input as { mode?: unknown; keepBlocks?: unknown; maxBlocksPerStep?: unknown };
  if (raw.mode === 'archive') return DEFAULT_PRUNE_CONFIG;
  if (raw.mode !== 'pruned') throw new Error(`config.prune.mode: 'archive' or 'pruned', got ${JSON.stringify(raw.mode)}`);
  const keepBlocks = raw.keepBlocks;
  if (typeof keepBlocks !== 'number' || !Number.isSafeInteger(keepBlocks) || keepBlocks < 0) throw new Error('config.prune.keepBlocks: a whole number of blocks kept below the finalized head');
  const maxBlocksPerStep = raw.maxBlocksPerStep ?? DEFAULT_MAX_BLOCKS_PER_STEP;
  if (typeof maxBlocksPerStep !== 'number' || !Number.isInteger(maxBlocksPerStep) || maxBlocksPerStep < 1 || maxBlocksPerStep > 100_000) {
    throw new Error('config.prune.maxBlocksPerStep: an integer from 1 to 100000');
  }
  return { mode: 'pruned', keepBlocks, maxBlocksPerStep };
}

/** Blocks below this bound may be pruned: never at or above the finalized head minus the margin. */
export function pruneBound(finalized: bigint, keepBlocks: number): bigint {
  const bound = finalized - BigInt(keepBlocks);
  return bound > 0n ? bound : 0n;
}

/**
 * Follows the finalized head: after each advance, prunes in steps of at most `maxBlocksPerStep` blocks (each one
 * native write off the event loop) until the bound is reached. One step at a time; a failed step is logged and
 * retried at the next advance.
 */
export class BlockPruner {
  private running: Promise<void> | null = null;
  private again = false;
  private readonly unsubscribe: () => void;
  private readonly engine: Pick<ExecutionEngine, 'pruneBelow' | 'oldestKeptBlock'>;
  private readonly heads: Heads;
  private readonly config: Extract<PruneConfig, { mode: 'pruned' }>;
  private readonly log: (message: string) => void;

  constructor(engine: Pick<ExecutionEngine, 'pruneBelow' | 'oldestKeptBlock'>, heads: Heads, config: Extract<PruneConfig, { mode: 'pruned' }>, log: (message: string) => void = () => {}) {
    this.engine = engine;
    this.heads = heads;
    this.config = config;
    this.log = log;
    if (!engine.pruneBelow) throw new Error('config.prune: the native build offers no pruning (rebuild native)');
    this.unsubscribe = heads.onChange((name) => name === 'finalized' && this.trigger());
    this.trigger();
  }

  /** Resolves once every step due so far has run (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.idle();
  }

  private trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  private async run(): Promise<void> {
    const prune = this.engine.pruneBelow as NonNullable<ExecutionEngine['pruneBelow']>;
    try {
      let oldest = this.engine.oldestKeptBlock?.() ?? 0n;
      for (;;) {
        const bound = pruneBound(this.heads.finalized, this.config.keepBlocks);
        if (oldest >= bound) return;
        const next = await prune.call(this.engine, bound, this.config.maxBlocksPerStep);
        if (next <= oldest) return;
        oldest = next;
      }
    } catch (error) {
      this.log(`pruning: ${(error as Error).message}`);
    }
  }
}
