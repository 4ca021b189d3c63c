import { sealSigner } from '../../identity/block-seal.ts';
import type { ExecutionEngine } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import { fromHex, type Hex } from '../../encoding/hex.ts';
import type { SealStore } from '../engine/seal-store.ts';
import type { SequencerSchedule } from './schedule.ts';

export interface UnsafeReorgDeps {
  engine: ExecutionEngine;
  heads: Heads;
  seals: SealStore;
  schedule: SequencerSchedule;
  /** The orphaned blocks' transactions, to go back into the pool (they were acknowledged). */
  onRewound(number: bigint, raws: Uint8Array[]): void;
  log?: (message: string) => void;
}

/**
 * Failover leaves unsafe blocks behind: the consensus layer cuts the old epoch at the agreed safe head, so blocks
 * the old sequencer sealed above it are orphaned, and the new sequencer starts at safe + 1. A host holding such a
 * block (sealed by someone the schedule no longer elects for its height) rewinds to just below it, re-pools its
 * transactions, and follows (or, if it is the new sequencer, builds on) the agreed chain. Safe blocks never move.
 * Without a native rewind the host stops producing and reports the fork instead of building on orphans.
 */
export class UnsafeReorg {
  private readonly deps: UnsafeReorgDeps;
  private readonly signers = new Map<bigint, { hash: Hex; signer: Hex | null }>();
  /** Lowest orphaned height this host holds but cannot drop (no native rewind); null when consistent. */
  forkedAt: bigint | null = null;
  rewinds = 0;

  constructor(deps: UnsafeReorgDeps) {
    this.deps = deps;
  }

  /** The lowest stored unsafe block whose sealer is not the sequencer the schedule now elects for it. */
  firstOrphan(): bigint | null {
    const { heads, seals, schedule, engine } = this.deps;
    for (let n = heads.safe + 1n; n <= heads.latest; n++) {
      const stored = seals.get(n);
      const elected = schedule.sequencerFor(n);
      if (!stored || !elected) continue;
      let known = this.signers.get(n);
      if (!known || known.hash !== stored.hash) {
        known = { hash: stored.hash, signer: sealSigner(engine.chainId, n, stored.hash, stored.seal) };
        this.signers.set(n, known);
      }
      if (known.signer !== elected) return n;
    }
    for (const n of this.signers.keys()) if (n <= heads.safe) this.signers.delete(n);
    return null;
  }

  /** Rewinds below the first orphaned block, if any; true when the chain moved back. */
  async check(): Promise<boolean> {
    const orphan = this.firstOrphan();
    if (orphan === null) {
      this.forkedAt = null;
      return false;
    }
    const { engine, heads } = this.deps;
    if (!engine.rewindTo) {
      if (this.forkedAt !== orphan) this.deps.log?.(`block ${orphan} was sealed by a sequencer no longer elected for it; this host cannot rewind (native rewindTo missing) and stops producing`);
      this.forkedAt = orphan;
      return false;
    }
    const raws: Uint8Array[] = [];
    for (let n = orphan; n <= heads.latest; n++) for (const raw of engine.sealedBlock(n)?.transactions ?? []) raws.push(fromHex(raw));
    const dropped = heads.latest - orphan + 1n;
    await engine.rewindTo(orphan - 1n);
    heads.rewind(orphan - 1n);
    for (let n = orphan; n <= orphan + dropped; n++) this.signers.delete(n);
    this.forkedAt = null;
    this.rewinds++;
    this.deps.log?.(`rewound ${dropped} orphaned unsafe block(s) to ${orphan - 1n}; ${raws.length} transactions back in the pool`);
    this.deps.onRewound(orphan - 1n, raws);
    return true;
  }
}
