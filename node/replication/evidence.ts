import { appendFile, readFile } from 'node:fs/promises';
import type { Hex } from '../chain/hex.ts';

/**
 * Proof that the sequencer elected for a height signed two different blocks at it: the consensus layer's
 * `double-sign` evidence, verifiable by anyone from the two seals alone.
 */
export interface DoubleSignEvidence {
  kind: 'double-sign';
  sequencer: Hex;
  l2Block: number;
  a: { hash: Hex; signature: Hex };
  b: { hash: Hex; signature: Hex };
}

/** Kept in a JSON-lines file so evidence outlives a restart; exposed to the consensus layer via list()/onEvidence. */
export class EvidenceStore {
  private readonly path: string;
  private readonly items: DoubleSignEvidence[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<(e: DoubleSignEvidence) => void>();

  private constructor(path: string) {
    this.path = path;
  }

  static async open(path: string): Promise<EvidenceStore> {
    const store = new EvidenceStore(path);
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        store.remember(JSON.parse(line) as DoubleSignEvidence);
      } catch {
        // A torn last line from a crash: the evidence is re-detected when the conflicting block comes again.
      }
    }
    return store;
  }

  list(): readonly DoubleSignEvidence[] {
    return this.items;
  }

  onEvidence(listener: (e: DoubleSignEvidence) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async add(evidence: DoubleSignEvidence): Promise<boolean> {
    if (!this.remember(evidence)) return false;
    await appendFile(this.path, `${JSON.stringify(evidence)}\n`);
    for (const listener of this.listeners) listener(evidence);
    return true;
  }

  private remember(evidence: DoubleSignEvidence): boolean {
    const [x, y] = [evidence.a.hash, evidence.b.hash].sort();
    const key = `${evidence.sequencer}:${evidence.l2Block}:${x}:${y}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.items.push(evidence);
    return true;
  }
}
