import type { Evidence } from '../app/extension.ts';
import type { L1Event } from '../app/l1-events.ts';
import type { Epoch, Hex } from '../../../protocol/consensus/types.ts';

/**
 * What a sequencer host feeds into its validator's vote extensions. Every method is synchronous and cheap: it is
 * called inside ExtendVote, on CometBFT's critical path, so hosts answer from state they keep up to date
 * (their replica, their L1 watcher), never with I/O.
 */
export interface ValidatorObserver {
  /** The host's replica head: the newest L2 block it holds. */
  l2Head(): { number: number; hash: Hex } | null;
  /** Hash of the block at `number` in the host's replica (used to attest the agreed head), or null. */
  l2BlockHash(number: number): Hex | null;
  /** Highest L2 block covered by a batch the L1 BatchChain accepted (after confirmations). */
  l2Finalized(): number;
  /**
   * The host's verdict on the sequencer of `epoch`: 'dead' when it has produced no new L2 block within
   * `livenessTimeoutMs` (measured from the later of its last block and the moment the host learned of the
   * epoch). `triggered` is true after the edge scheduler asked validators to check (rotation-trigger).
   */
  livenessVerdict(epoch: Epoch, context: { livenessTimeoutMs: number; triggered: boolean }): 'alive' | 'dead' | 'unknown';
  /** Misbehaviour the host has evidence of; repeated in every extension until the app acts on it. */
  misbehaviour(): Evidence[];
  /**
   * LockingPool events in L1 blocks (afterBlock, head], head = the newest block with `confirmations`
   * confirmations that is fully covered by the returned events (at most `maxEvents`). Null when the host has no
   * L1 view yet.
   */
  l1Events(afterBlock: number, confirmations: number, maxEvents: number): { head: number; events: L1Event[] } | null;
}

/**
 * An observer holding values the host (or a test) sets: the host's replica, liveness monitor and L1 watcher
 * write into it; ExtendVote reads it.
 */
export class MemoryObserver implements ValidatorObserver {
  head: { number: number; hash: Hex } | null = null;
  readonly hashes = new Map<number, Hex>();
  finalized = 0;
  /** Epoch numbers this host considers dead. */
  readonly deadEpochs = new Set<number>();
  evidence: Evidence[] = [];
  l1: { head: number; events: L1Event[] } | null = null;
  /** When set (e.g. an L1Watcher), L1 observations come from it instead of `l1`. */
  l1Source: Pick<ValidatorObserver, 'l1Events'> | null = null;
  lastTriggered = false;

  setHead(number: number, hash: Hex): void {
    this.head = { number, hash };
    this.hashes.set(number, hash);
  }

  l2Head(): { number: number; hash: Hex } | null {
    return this.head;
  }

  l2BlockHash(number: number): Hex | null {
    return this.hashes.get(number) ?? null;
  }

  l2Finalized(): number {
    return this.finalized;
  }

  livenessVerdict(epoch: Epoch, context: { livenessTimeoutMs: number; triggered: boolean }): 'alive' | 'dead' | 'unknown' {
    this.lastTriggered = context.triggered;
    return this.deadEpochs.has(epoch.number) ? 'dead' : 'alive';
  }

  misbehaviour(): Evidence[] {
    return this.evidence;
  }

  l1Events(afterBlock: number, confirmations: number, maxEvents: number): { head: number; events: L1Event[] } | null {
    if (this.l1Source) return this.l1Source.l1Events(afterBlock, confirmations, maxEvents);
    if (!this.l1) return null;
    const events = this.l1.events.filter((event) => event.block > afterBlock).slice(0, maxEvents);
    return { head: this.l1.head, events };
  }
}
