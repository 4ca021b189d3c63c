import { block } from './support.ts';

export interface SeenBlock {
  number: number;
  hash: string;
  miner: string;
  /** When this watcher first saw it (ms since epoch). */
  seenAt: number;
}

/**
 * Polls one host's latest block and records when each block number first appeared there and who produced it
 * (the block's miner is its sequencer's address). Blocks skipped between two polls are filled in by number.
 */
export class BlockWatch {
  readonly seen = new Map<number, SeenBlock>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly url: string;
  private readonly intervalMs: number;

  constructor(url: string, intervalMs = 25) {
    this.url = url;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const latest = await block(this.url, 'latest');
      if (!latest) return;
      const now = Date.now();
      const top = Number(latest.number);
      const known = this.seen.size ? Math.max(...this.seen.keys()) : top - 1;
      for (let number = known + 1; number < top; number++) {
        const header = await block(this.url, number);
        if (header) this.seen.set(number, { number, hash: header.hash, miner: header.miner.toLowerCase(), seenAt: now });
      }
      if (!this.seen.has(top)) this.seen.set(top, { number: top, hash: latest.hash, miner: latest.miner.toLowerCase(), seenAt: now });
    } catch {
      // the host is busy or restarting: next poll
    } finally {
      this.busy = false;
    }
  }

  /** The first block (by number) after `after` whose miner is not `miner`. */
  firstAfter(after: number, notMiner: string): SeenBlock | undefined {
    return [...this.seen.values()].filter((seen) => seen.number > after && seen.miner !== notMiner).sort((a, b) => a.number - b.number)[0];
  }

  /** `miner`'s last block and the next block by anyone else (its successor's first), once both were seen. */
  handover(miner: string): { last: SeenBlock; first: SeenBlock } | undefined {
    const last = this.lastBy(miner);
    const first = last && this.firstAfter(last.number, miner);
    return first ? { last: last!, first } : undefined;
  }

  /** The last block produced by `miner`. */
  lastBy(miner: string): SeenBlock | undefined {
    return [...this.seen.values()].filter((seen) => seen.miner === miner).sort((a, b) => b.number - a.number)[0];
  }
}
