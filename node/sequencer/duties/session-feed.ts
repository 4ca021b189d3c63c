import type { ConsensusClient } from '../../consensus/client/client.ts';
import type { MpcStateView } from '../../../protocol/consensus/query.ts';

/** The consensus layer's committed MPC state, as GET /v1/consensus/mpc returns it. */
export type MpcSnapshot = MpcStateView;

type Waiter = { match: (snapshot: MpcSnapshot) => boolean; resolve: (snapshot: MpcSnapshot) => void };

/**
 * Polls the consensus layer's MPC state and hands every new snapshot to the duty runner and to anyone waiting
 * for a session to settle. Polling (not CometBFT events) because the query API is the one interface every host
 * has; a failed poll is logged once per run of failures and retried on the next tick.
 */
export class SessionFeed {
  private readonly consensus: ConsensusClient;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  private readonly listeners: ((snapshot: MpcSnapshot) => void)[] = [];
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private failing = false;
  private halted = false;
  latest: MpcSnapshot | null = null;

  get stopped(): boolean {
    return this.halted;
  }

  constructor(consensus: ConsensusClient, pollMs: number, log: (line: string) => void) {
    this.consensus = consensus;
    this.pollMs = pollMs;
    this.log = log;
  }

  onSnapshot(listener: (snapshot: MpcSnapshot) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    const loop = () => {
      if (this.halted) return;
      this.timer = setTimeout(() => void this.poll().finally(loop), this.pollMs);
    };
    void this.poll().finally(loop);
  }

  async stop(): Promise<void> {
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    for (const waiter of this.waiters) waiter.resolve(this.latest as MpcSnapshot);
    this.waiters.clear();
  }

  /** Reads the state now (outside the polling rhythm), publishing it like a poll. */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const snapshot = await this.consensus.mpc();
        if (this.failing) this.log('duties: consensus query API reachable again');
        this.failing = false;
        this.publish(snapshot);
      } catch (error) {
        if (!this.failing) this.log(`duties: cannot read MPC sessions from ${this.consensus.baseUrl}: ${(error as Error).message}`);
        this.failing = true;
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  /** Resolves with the first snapshot (current or later) for which `match` holds; null after `timeoutMs` or stop. */
  waitFor(match: (snapshot: MpcSnapshot) => boolean, timeoutMs: number): Promise<MpcSnapshot | null> {
    if (this.latest && match(this.latest)) return Promise.resolve(this.latest);
    if (this.halted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(null);
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (snapshot) => {
          clearTimeout(timer);
          resolve(this.halted ? null : snapshot);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private publish(snapshot: MpcSnapshot): void {
    this.latest = snapshot;
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.log(`duties: snapshot listener failed: ${(error as Error).stack ?? (error as Error).message}`);
      }
    }
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(snapshot)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(snapshot);
    }
  }
}
