import { appendFile, readFile } from 'node:fs/promises';
import type { HeaderFields } from '../../../protocol/header.ts';
import type { ObjectiveRule } from '../../../protocol/header-rules.ts';
import type { Hex } from '../../encoding/hex.ts';

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

/** Proof that the elected sequencer sealed a header breaking an objective header rule against its sealed parent. */
export interface BadHeaderEvidence {
  kind: 'bad-header';
  sequencer: Hex;
  l2Block: number;
  rule: ObjectiveRule;
  block: { header: HeaderFields; seal: Hex };
  parent: { header: HeaderFields; seal: Hex };
}

export type HostEvidence = DoubleSignEvidence | BadHeaderEvidence;

/** Kept in a JSON-lines file so evidence outlives a restart; exposed to the consensus layer via list()/onEvidence. */
export class EvidenceStore {
  private readonly path: string;
  private readonly items: HostEvidence[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<(e: HostEvidence) => void>();

  private constructor(path: string) {
    this.path = path;
  }

  static async open(path: string): Promise<EvidenceStore> {
    const store = new EvidenceStore(path);
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        store.remember(JSON.parse(line) as HostEvidence);
      } catch {
        // A torn last line from a crash: the evidence is re-detected when the conflicting block comes again.
      }
    }
    return store;
  }

  list(): readonly HostEvidence[] {
    return this.items;
  }

  onEvidence(listener: (e: HostEvidence) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async add(evidence: HostEvidence): Promise<boolean> {
    if (!this.remember(evidence)) return false;
    await appendFile(this.path, `${JSON.stringify(evidence)}\n`);
    for (const listener of this.listeners) listener(evidence);
    return true;
  }

  private remember(evidence: HostEvidence): boolean {
    const key = evidence.kind === 'double-sign' ? `${evidence.sequencer}:${evidence.l2Block}:${[evidence.a.hash, evidence.b.hash].sort().join(':')}` : `${evidence.sequencer}:${evidence.l2Block}:bad-header`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.items.push(evidence);
    return true;
  }
}
