import type { Epoch } from '../../protocol/consensus/types.ts';

export type LivenessVerdict = 'alive' | 'dead' | 'unknown';

export interface LivenessOptions {
  now?: () => number;
  /** The genesis epoch before block 1: the sequencer processes of a new network boot one by one. */
  genesisGraceMs?: number;
  /** With the peer link to the sequencer down for `linkDownMs`, silence longer than this is enough. */
  fastSilenceMs?: number;
  linkDownMs?: number;
}

export interface LivenessContext {
  livenessTimeoutMs: number;
  /** This host's latest block, null when it has no chain yet. */
  latest: number | null;
  /** Whether this host's peer link to the epoch's sequencer is up; null when this host is that sequencer. */
  linkUp: boolean | null;
}

/**
 * This host's judgement of the active sequencer, by its own clock (vote extensions are exactly the place for
 * subjective observations; the app acts only when >2/3 of stake agrees). Silence is measured from the later of the
 * last block that reached this host and the moment this host first heard of the epoch (a freshly elected
 * sequencer gets the full timeout to start). The sequencer is dead when:
 * - silence exceeds the network's `livenessTimeoutMs` (a hung or partitioned sequencer), or
 * - the peer link to it has been down for `linkDownMs` and silence exceeds `fastSilenceMs`: a crashed process
 *   drops its TCP connections at once, so a kill is seen within a block time, not after the long timeout, while a
 *   slow block from a sequencer that is still connected never triggers this path.
 * The genesis epoch before block 1 only uses `genesisGraceMs`.
 */
export class LivenessMonitor {
  private readonly now: () => number;
  private readonly genesisGraceMs: number;
  private readonly fastSilenceMs: number;
  private readonly linkDownMs: number;
  private lastBlockAt: number;
  private readonly firstSeen = new Map<number, number>();
  private downSince: { epoch: number; at: number } | null = null;

  constructor(options: LivenessOptions = {}) {
    this.now = options.now ?? Date.now;
    this.genesisGraceMs = options.genesisGraceMs ?? 15_000;
    this.fastSilenceMs = options.fastSilenceMs ?? 1_200;
    this.linkDownMs = options.linkDownMs ?? 300;
    this.lastBlockAt = this.now();
  }

  /** The host's latest block moved (produced here or applied from a peer). */
  blockArrived(): void {
    this.lastBlockAt = this.now();
  }

  verdict(epoch: Epoch, context: LivenessContext): LivenessVerdict {
    if (context.latest === null) return 'unknown';
    const now = this.now();
    let seen = this.firstSeen.get(epoch.number);
    if (seen === undefined) {
      seen = now;
      this.firstSeen.set(epoch.number, seen);
      for (const number of this.firstSeen.keys()) if (number < epoch.number - 8) this.firstSeen.delete(number);
    }
    const silence = now - Math.max(this.lastBlockAt, seen);
    if (epoch.reason === 'genesis' && context.latest < epoch.firstBlock) return silence > Math.max(this.genesisGraceMs, context.livenessTimeoutMs) ? 'dead' : 'alive';
    if (silence > context.livenessTimeoutMs) return 'dead';
    if (context.linkUp === false) {
      if (this.downSince?.epoch !== epoch.number) this.downSince = { epoch: epoch.number, at: now };
      if (now - this.downSince.at >= this.linkDownMs && silence > this.fastSilenceMs) return 'dead';
    } else {
      this.downSince = null;
    }
    return 'alive';
  }
}
