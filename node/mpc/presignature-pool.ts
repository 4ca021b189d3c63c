import type { MpcPresignature } from '@l2-sequencer/native';

interface Entry {
  id: string;
  presignature: MpcPresignature;
  /** The signing session this entry is offered to, if any: an entry is offered to one session at a time. */
  reservedBy: string | null;
}

/**
 * Presignatures ready for one-round signing, per (key generation, signing set). Every entry is handed out
 * at most once: `take` removes it before the signing round starts, so a presignature can never sign twice,
 * whatever happens to that round. Entries live in memory only; a restart simply starts with an empty pool.
 */
export class PresignaturePool {
  private readonly pools = new Map<string, Entry[]>();
  private readonly maxPerSet: number;

  /** `maxPerSet`: presignatures kept per signing set (a set's leader could otherwise have us make them endlessly). */
  constructor(maxPerSet = Number.POSITIVE_INFINITY) {
    this.maxPerSet = maxPerSet;
  }

  static key(keyId: string, setFingerprint: string): string {
    return `${keyId}/${setFingerprint}`;
  }

  /** False (and nothing kept) when the set's pool is full. */
  add(poolKey: string, id: string, presignature: MpcPresignature): boolean {
    const list = this.pools.get(poolKey) ?? [];
    if (list.length >= this.maxPerSet) return false;
    list.push({ id, presignature, reservedBy: null });
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.pools.set(poolKey, list);
    return true;
  }

  size(poolKey: string): number {
    return this.pools.get(poolKey)?.filter((e) => e.reservedBy === null).length ?? 0;
  }

  /** Reserves up to `max` free entries for `session` and returns their ids, oldest first. */
  offer(poolKey: string, session: string, max: number): string[] {
    const ids: string[] = [];
    for (const entry of this.pools.get(poolKey) ?? []) {
      if (ids.length >= max) break;
      if (entry.reservedBy === null && entry.presignature.available) {
        entry.reservedBy = session;
        ids.push(entry.id);
      }
    }
    return ids;
  }

  /** Removes and returns the entry; null if it is not there (or not reserved by this session). */
  take(poolKey: string, session: string, id: string): MpcPresignature | null {
    const list = this.pools.get(poolKey) ?? [];
    const index = list.findIndex((e) => e.id === id && e.reservedBy === session);
    if (index < 0) return null;
    const [entry] = list.splice(index, 1);
    return entry?.presignature ?? null;
  }

  /** Frees every entry still reserved by `session`. */
  release(session: string): void {
    for (const list of this.pools.values()) for (const e of list) if (e.reservedBy === session) e.reservedBy = null;
  }

  /** Drops everything, e.g. after a reshare made every presignature of the old generation useless. */
  clear(): void {
    this.pools.clear();
  }

  total(): number {
    let n = 0;
    for (const list of this.pools.values()) n += list.length;
    return n;
  }
}
