import type { Hex } from '../../encoding/hex.ts';

/**
 * The safe head: the highest block held by more than 2/3 of the hosts' weight (equal weights until the consensus
 * layer supplies stake). A host's ack counts only if its hash matches ours at that height.
 */
export class SafeHeadTracker {
  private readonly acked = new Map<Hex, bigint>();
  private weights: ReadonlyMap<Hex, bigint>;
  private readonly self: Hex;

  constructor(self: Hex, weights: ReadonlyMap<Hex, bigint>) {
    this.self = self;
    this.weights = weights;
  }

  setWeights(weights: ReadonlyMap<Hex, bigint>): void {
    this.weights = weights;
  }

  /** Records that `host` holds our block `number` (its hash already checked against ours); acks only move forward. */
  ack(host: Hex, number: bigint): void {
    if ((this.acked.get(host) ?? -1n) < number) this.acked.set(host, number);
  }

  /** Highest number held by > 2/3 of total weight, counting this host at `latest`. */
  safe(latest: bigint): bigint {
    const total = [...this.weights.values()].reduce((a, b) => a + b, 0n);
    if (total === 0n) return latest;
    const heights: { number: bigint; weight: bigint }[] = [];
    for (const [host, weight] of this.weights) {
      const number = host === this.self ? latest : (this.acked.get(host) ?? -1n);
      heights.push({ number: number > latest ? latest : number, weight });
    }
    heights.sort((a, b) => (a.number > b.number ? -1 : a.number < b.number ? 1 : 0));
    let sum = 0n;
    for (const { number, weight } of heights) {
      sum += weight;
      if (sum * 3n > total * 2n) return number < 0n ? 0n : number;
    }
    return 0n;
  }

  acks(): ReadonlyMap<Hex, bigint> {
    return this.acked;
  }
}
