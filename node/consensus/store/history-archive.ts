import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Archived } from '../app/history.ts';
import type { Epoch, Rotation } from '../../../protocol/consensus/types.ts';

/** The archived part of the schedule, oldest first; with the state's own lists it is the whole history. */
export interface HistoryView {
  readonly epochs: readonly Epoch[];
  readonly rotations: readonly Rotation[];
}

export const EMPTY_HISTORY: HistoryView = { epochs: [], rotations: [] };

type Kind = keyof Archived;
const KINDS: readonly Kind[] = ['epochs', 'rotations'];

/**
 * Epochs and rotations the state machine archived (app/history.ts), kept by this node: in memory for the query API
 * and, with a directory, in one append-only JSON-lines file per kind. Item i of a file is the i-th archived item,
 * so the state's `archived` counts say how much of a file is committed: a crash between the append and the state
 * save leaves lines the state does not count yet, which the replayed block then finds already written. A torn last
 * line (a crash inside the append) is dropped on load.
 */
export class History implements HistoryView {
  readonly epochs: Epoch[] = [];
  readonly rotations: Rotation[] = [];
  private readonly dir: string | null;

  constructor(dir: string | null) {
    this.dir = dir;
    if (!dir) return;
    for (const kind of KINDS) {
      const file = this.file(kind);
      if (!existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      const list = this[kind] as unknown[];
      for (const line of lines) {
        if (!line) continue;
        try {
          list.push(JSON.parse(line));
        } catch {
          break;
        }
      }
    }
  }

  /**
   * Records a committed block's archived items; `counts` are the state's `archived` counts after that block. Items
   * already held (a block replayed after a crash) are skipped.
   */
  append(archived: Archived, counts: { epochs: number; rotations: number } | undefined): void {
    for (const kind of KINDS) {
      const items = archived[kind];
      if (items.length === 0) continue;
      const total = counts?.[kind] ?? items.length;
      const list = this[kind] as unknown[];
      const first = total - items.length;
      if (first > list.length) throw new Error(`history: the ${kind} archive holds ${list.length} items, the state counts ${first} before this block`);
      const fresh = items.slice(list.length - first);
      if (fresh.length === 0) continue;
      if (this.dir) this.write(kind, fresh);
      list.push(...fresh);
    }
  }

  private file(kind: Kind): string {
    return join(this.dir!, `history-${kind}.jsonl`);
  }

  private write(kind: Kind, items: readonly unknown[]): void {
    const file = this.file(kind);
    appendFileSync(file, items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
