import { epochForBlock } from '../../../node/consensus/app/epochs.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';
import type { MemoryObserver } from '../../../node/consensus/abci/observer.ts';
import { blockHash } from './support.ts';

/**
 * Stands in for the sequencer hosts (they do not exist yet): an L2 chain that grows one block per tick, but only
 * at heights the consensus layer has elected a sequencer for, and not while that sequencer's host is "dead".
 * Every validator's observer sees the new blocks. On a failover it drops the blocks past the cut, as hosts must.
 */
export class L2Driver {
  head = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly dead = new Set<string>();
  private lastCut = 0;

  private readonly observers: MemoryObserver[];
  private readonly view: () => ConsensusState | undefined;
  private readonly tickMs: number;

  constructor(observers: MemoryObserver[], view: () => ConsensusState | undefined, tickMs = 50) {
    this.observers = observers;
    this.view = view;
    this.tickMs = tickMs;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Marks the host of `sequencer` dead: it produces nothing and every observer reports its epoch dead. */
  kill(sequencer: string, epoch: number): void {
    this.dead.add(sequencer);
    for (const observer of this.observers) observer.deadEpochs.add(epoch);
  }

  revive(sequencer: string): void {
    this.dead.delete(sequencer);
  }

  private tick(): void {
    const state = this.view();
    if (!state) return;
    const current = state.epochs[state.epochs.length - 1]!;
    // A recommit cut the chain: hosts drop blocks above the cut.
    if (current.reason !== 'epoch' && current.reason !== 'genesis' && current.firstBlock - 1 !== this.lastCut && this.head >= current.firstBlock) {
      this.lastCut = current.firstBlock - 1;
      this.head = this.lastCut;
    }
    const next = this.head + 1;
    const epoch = epochForBlock(state, next);
    if (!epoch || this.dead.has(epoch.sequencer)) return;
    this.head = next;
    for (const observer of this.observers) observer.setHead(next, blockHash(next, epoch.number));
  }
}
