import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Hex } from '../../encoding/hex.ts';

export type BatchStatus = 'built' | 'signed' | 'submitted' | 'finalized';

/** One batch as the batcher tracks it through signing, L1 submission and finality. */
export interface BatchRecord {
  index: number;
  firstBlock: number;
  lastBlock: number;
  txCount: number;
  txRoot: Hex;
  stateRoot: Hex;
  dataHash: Hex;
  signature: Hex | null;
  status: BatchStatus;
  /** The L1 transaction that appended it (ours or another relayer's), once known. */
  l1TxHash: Hex | null;
  l1BlockNumber: number | null;
  /** Our signed appendBatch transaction, persisted before it is sent so a restart re-sends the same one. */
  l1RawTx?: Hex | null;
  /** Set when the record was learned from L1 rather than built here (no local data file). */
  imported?: boolean;
}

interface StoreFile {
  version: 1;
  batches: BatchRecord[];
}

/**
 * The batcher's durable state: a JSON file replaced atomically (temp, fsync, rename, fsync dir) on every change, and
 * the compressed data of each batch beside it. Written before each step that has an effect on L1, so a restarted
 * batcher knows exactly what it may have sent.
 */
export class BatchStore {
  readonly dir: string;
  private readonly path: string;
  private batches: BatchRecord[];
  /** Batches below this index have no data file left (pruneData); lets each prune step start where the last ended. */
  private dataKeptFrom: number;

  private constructor(dir: string, batches: BatchRecord[], dataKeptFrom: number) {
    this.dir = dir;
    this.path = join(dir, 'batches.json');
    this.batches = batches;
    this.dataKeptFrom = dataKeptFrom;
  }

  static async open(dir: string): Promise<BatchStore> {
    await mkdir(join(dir, 'data'), { recursive: true });
    const text = await readFile(join(dir, 'batches.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    const file = text ? (JSON.parse(text) as StoreFile) : { version: 1, batches: [] };
    if (file.version !== 1) throw new Error(`batch store: unknown version ${file.version}`);
    return new BatchStore(dir, file.batches, await lowestDataIndex(join(dir, 'data')));
  }

  all(): readonly BatchRecord[] {
    return this.batches;
  }

  get(index: number): BatchRecord | undefined {
    return this.batches[index];
  }

  last(): BatchRecord | undefined {
    return this.batches[this.batches.length - 1];
  }

  /** The batch holding `block`, by binary search over the contiguous ranges. */
  ofBlock(block: number): BatchRecord | undefined {
    let low = 0;
    let high = this.batches.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const batch = this.batches[mid] as BatchRecord;
      if (block < batch.firstBlock) high = mid - 1;
      else if (block > batch.lastBlock) low = mid + 1;
      else return batch;
    }
    return undefined;
  }

  async put(record: BatchRecord): Promise<void> {
    if (record.index > this.batches.length) throw new Error(`batch store: gap before batch ${record.index}`);
    const next = this.batches.slice();
    next[record.index] = record;
    await this.write(next);
    this.batches = next;
  }

  /** Drops batches from `index` on (local ones L1 disagrees with); they will be rebuilt. */
  async truncate(index: number): Promise<void> {
    const next = this.batches.slice(0, index);
    await this.write(next);
    this.batches = next;
    this.dataKeptFrom = Math.min(this.dataKeptFrom, index);
  }

  async putData(index: number, compressed: Uint8Array): Promise<void> {
    await writeDurably(join(this.dir, 'data', `${index}.br`), compressed);
  }

  async data(index: number): Promise<Uint8Array | null> {
    return readFile(join(this.dir, 'data', `${index}.br`)).then((b) => new Uint8Array(b), () => null);
  }

  /**
   * Deletes the data files of finalized batches appended to L1 at least `afterL1Blocks` blocks before `l1Head`,
   * oldest first; their records (headers, roots, L1 position) stay. Stops at the first batch not yet old enough, so
   * data is only ever deleted as a prefix. Returns how many files went.
   */
  async pruneData(l1Head: number, afterL1Blocks: number): Promise<number> {
    let deleted = 0;
    for (let index = this.dataKeptFrom; index < this.batches.length; index++) {
      const batch = this.batches[index] as BatchRecord;
      if (batch.status !== 'finalized' || batch.l1BlockNumber === null || l1Head - batch.l1BlockNumber < afterL1Blocks) break;
      await unlink(join(this.dir, 'data', `${index}.br`)).then(
        () => deleted++,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        },
      );
      this.dataKeptFrom = index + 1;
    }
    return deleted;
  }

  private async write(batches: BatchRecord[]): Promise<void> {
    const file: StoreFile = { version: 1, batches };
    await writeDurably(this.path, Buffer.from(JSON.stringify(file)));
  }
}

/** The lowest batch index with a data file (0 when there is none: pruneData then walks from the start once). */
async function lowestDataIndex(dataDir: string): Promise<number> {
  const names = await readdir(dataDir);
  const indices = names.map((name) => /^(\d+)\.br$/.exec(name)?.[1]).filter((index) => index !== undefined).map(Number);
  return indices.length ? Math.min(...indices) : 0;
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
