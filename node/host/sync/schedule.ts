import type { Hex } from '../../encoding/hex.ts';

/**
 * Who may produce block N. A static schedule (one configured sequencer) stands in until the consensus layer serves
 * elections; the consensus-backed one reads ConsensusClient. Lookups are synchronous over a cache so the producer and
 * the block verifier never wait on I/O; null means "not known yet, ask again after refresh()".
 */
export interface SequencerSchedule {
  sequencerFor(number: bigint): Hex | null;
  /** Epoch of block N when the source knows epochs. */
  epochFor(number: bigint): number | null;
  readonly source: 'consensus' | 'config';
  /**
   * The safe head as the consensus layer agrees it (> 2/3 of stake), when there is one. A failover cuts the old epoch
   * there, so the host never calls a block safe above it.
   */
  agreedSafe?(): bigint | null;
  refresh(): Promise<void>;
}

export class StaticSchedule implements SequencerSchedule {
  readonly source = 'config' as const;
  private readonly sequencer: Hex;

  constructor(sequencer: Hex) {
    this.sequencer = sequencer.toLowerCase() as Hex;
  }

  sequencerFor(): Hex {
    return this.sequencer;
  }

  epochFor(): number | null {
    return null;
  }

  async refresh(): Promise<void> {}
}
