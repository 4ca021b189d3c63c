/**
 * The rollup heads: latest (produced and durably stored), safe (held by more than 2/3 of the sequencer hosts, by
 * stake once consensus weighs it), finalized (its batch is final on L1). Each only moves forward, and
 * finalized <= safe <= latest always holds.
 */
export type HeadName = 'latest' | 'safe' | 'finalized' | 'rewound';

export class Heads {
  latest: bigint;
  safe: bigint;
  finalized: bigint;
  private readonly listeners = new Set<(name: HeadName, number: bigint) => void>();

  constructor(latest: bigint, safe = 0n, finalized = 0n) {
    this.latest = latest;
    this.finalized = finalized > latest ? latest : finalized;
    this.safe = safe < this.finalized ? this.finalized : safe > latest ? latest : safe;
  }

  onChange(listener: (name: HeadName, number: bigint) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setLatest(number: bigint): void {
    if (number <= this.latest) return;
    this.latest = number;
    this.emit('latest', number);
  }

  setSafe(number: bigint): void {
    const clamped = number > this.latest ? this.latest : number;
    if (clamped <= this.safe) return;
    this.safe = clamped;
    this.emit('safe', clamped);
  }

  /** After unsafe blocks were orphaned and dropped: the only way a head moves back (never below safe). */
  rewind(number: bigint): void {
    if (number >= this.latest || number < this.safe) return;
    this.latest = number;
    this.emit('rewound', number);
  }

  /** A block final on L1 is also safe. */
  setFinalized(number: bigint): void {
    const clamped = number > this.latest ? this.latest : number;
    if (clamped <= this.finalized) return;
    this.setSafe(clamped);
    this.finalized = clamped;
    this.emit('finalized', clamped);
  }

  private emit(name: HeadName, number: bigint): void {
    for (const listener of this.listeners) listener(name, number);
  }
}
