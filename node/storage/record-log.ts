import { open, rename, mkdir, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { dirname } from 'node:path';

const HEADER = 8; // u32 length + u32 crc32

/**
 * An append-only file of byte records that survives kill -9: the mempool's journal of acknowledged transactions and
 * the block seal log. Appends that arrive while a write is in flight are group-committed by the next write: one write
 * and one fdatasync per group, never per record. Records are [u32 length][u32 crc32][bytes]; a torn tail (crash
 * mid-write) is cut off when the log is opened.
 */
export class RecordLog {
  readonly path: string;
  private handle: FileHandle;
  private size: number;
  private queued: Buffer[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private chain: Promise<void> = Promise.resolve();
  private flushScheduled = false;

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path;
    this.handle = handle;
    this.size = size;
  }

  /** Opens (creating if needed) the log and returns the records it holds, oldest first. */
  static async open(path: string): Promise<{ log: RecordLog; entries: Uint8Array[] }> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a+');
    const buffer = await handle.readFile();
    const entries: Uint8Array[] = [];
    let offset = 0;
    while (offset + HEADER <= buffer.length) {
      const length = buffer.readUInt32BE(offset);
      const checksum = buffer.readUInt32BE(offset + 4);
      const end = offset + HEADER + length;
      if (end > buffer.length) break;
      const body = buffer.subarray(offset + HEADER, end);
      if (crc32(body) !== checksum) break;
      entries.push(new Uint8Array(body));
      offset = end;
    }
    if (offset < buffer.length) {
      await handle.truncate(offset);
      await handle.datasync();
    }
    return { log: new RecordLog(path, handle, offset), entries };
  }

  get bytes(): number {
    return this.size;
  }

  /** Resolves once every given record is on disk (fdatasync'd). */
  append(raws: readonly Uint8Array[]): Promise<void> {
    if (raws.length === 0) return Promise.resolve();
    for (const raw of raws) this.queued.push(encode(raw));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.chain = this.chain.then(() => this.flush());
    }
    return done;
  }

  /**
   * Replaces the log with `raws` (e.g. the pool's current contents), atomically: temp file, fsync, rename, fsync dir.
   * The snapshot is taken by the caller now; appends made after this call land in the new file.
   */
  rewrite(raws: readonly Uint8Array[]): Promise<void> {
    const body = Buffer.concat(raws.map(encode));
    const run = async () => {
      const tmp = `${this.path}.tmp`;
      const out = await open(tmp, 'w');
      await out.write(body, 0, body.length, 0);
      await out.datasync();
      await out.close();
      await rename(tmp, this.path);
      const dir = await open(dirname(this.path), 'r');
      await dir.sync().finally(() => dir.close());
      await this.handle.close();
      this.handle = await open(this.path, 'a');
      this.size = body.length;
    };
    const done = this.chain.then(run);
    this.chain = done.catch(() => undefined);
    return done;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const buffers = this.queued;
    const waiters = this.waiters;
    this.queued = [];
    this.waiters = [];
    try {
      const body = Buffer.concat(buffers);
      await this.handle.write(body, 0, body.length);
      await this.handle.datasync();
      this.size += body.length;
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }
}

function encode(raw: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER + raw.length);
  record.writeUInt32BE(raw.length, 0);
  record.writeUInt32BE(crc32(raw), 4);
  record.set(raw, HEADER);
  return record;
}
