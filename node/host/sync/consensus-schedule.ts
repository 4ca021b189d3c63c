import { ConsensusClient } from '../../consensus/client/client.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { SequencerSchedule } from './schedule.ts';

interface EpochView {
  number: number;
  firstBlock: number;
  lastBlock: number;
  sequencer: Hex;
}

/**
 * The schedule as the consensus layer decides it, read through ConsensusClient (status and epochs from the committed
 * state of the query API) and cached: lookups stay synchronous; refresh() runs on a timer and whenever a lookup
 * misses. Epochs can be cut short by a failover, so the cache is replaced on every refresh, never merged blindly.
 */
export class ConsensusSchedule implements SequencerSchedule {
  readonly source = 'consensus' as const;
  private readonly client: ConsensusClient;
  private epochs: EpochView[] = [];
  private safe: bigint | null = null;
  private refreshing: Promise<void> | null = null;
  lastError: string | null = null;

  constructor(client: ConsensusClient | string) {
    this.client = typeof client === 'string' ? new ConsensusClient(client, { timeoutMs: 3000 }) : client;
  }

  sequencerFor(number: bigint): Hex | null {
    return this.find(number)?.sequencer ?? null;
  }

  epochFor(number: bigint): number | null {
    return this.find(number)?.number ?? null;
  }

  agreedSafe(): bigint | null {
    return this.safe;
  }

  /**
   * Loads the epochs from the committed consensus state (paged) plus the next one. Only the newest two cached epochs
   * and what follows are read again: a failover cuts only the current epoch and replaces only the one elected after
   * it, so older epochs never change (the list's index is the epoch number).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .then(() => void (this.lastError = null))
      .catch((error: unknown) => void (this.lastError = (error as Error).message))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const known = this.epochs.reduce((max, epoch) => Math.max(max, epoch.number), -1);
    let from: number | null = Math.max(0, known - 1);
    const epochs: EpochView[] = this.epochs.filter((epoch) => epoch.number < from!);
    while (from !== null) {
      const page = await this.client.epochs({ from, limit: 100 });
      epochs.push(...page.items.map(view));
      from = page.next;
    }
    const status = await this.client.status();
    for (const epoch of [status.epoch, status.nextEpoch]) {
      if (!epoch) continue;
      const at = epochs.findIndex((e) => e.number === epoch.number);
      if (at >= 0) epochs[at] = view(epoch);
      else epochs.push(view(epoch));
    }
    epochs.sort((a, b) => a.firstBlock - b.firstBlock);
    this.epochs = epochs;
    this.safe = BigInt(status.l2.safe);
  }

  private find(number: bigint): EpochView | undefined {
    const n = Number(number);
    // The newest epoch covering n wins: a failover's epoch replaces the tail of the one it cut short.
    let found: EpochView | undefined;
    for (const epoch of this.epochs) if (epoch.firstBlock <= n && n <= epoch.lastBlock && (!found || epoch.number > found.number)) found = epoch;
    if (!found) void this.refresh();
    return found;
  }
}

function view(epoch: EpochView): EpochView {
  return { number: epoch.number, firstBlock: epoch.firstBlock, lastBlock: epoch.lastBlock, sequencer: epoch.sequencer.toLowerCase() as Hex };
}
