import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

export interface RotationPolicy {
  /** A file reaching this size is rotated: `x.log` becomes `x.log.1`, `x.log.1` becomes `x.log.2`, ... */
  maxBytes: number;
  /** Rotated files kept besides the live one; the oldest is deleted. */
  keep: number;
}

/** 10 MiB × (1 + 3) files: a process's log never takes more than ~40 MiB, however long the devnet runs. */
export const DEFAULT_ROTATION: RotationPolicy = { maxBytes: 10 * 1024 * 1024, keep: 3 };

/**
 * An append-only log file that rotates by size, so a process's output cannot fill the disk over days. Writes are
 * synchronous: log volume is small, and a line is on disk before the process it came from can crash.
 */
export class RotatingLog extends Writable {
  readonly path: string;
  private readonly policy: RotationPolicy;
  private fd: number;
  private size: number;

  constructor(path: string, policy: RotationPolicy = DEFAULT_ROTATION) {
    super();
    if (!(policy.maxBytes > 0) || !Number.isInteger(policy.keep) || policy.keep < 0) throw new RangeError(`bad log rotation policy ${JSON.stringify(policy)}`);
    this.path = path;
    this.policy = policy;
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      if (this.size > 0 && this.size + chunk.length > this.policy.maxBytes) this.rotate();
      writeSync(this.fd, chunk);
      this.size += chunk.length;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      closeSync(this.fd);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    const numbered = (n: number) => `${this.path}.${n}`;
    if (this.policy.keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(numbered(this.policy.keep), { force: true });
      for (let n = this.policy.keep - 1; n >= 1; n--) if (existsSync(numbered(n))) renameSync(numbered(n), numbered(n + 1));
      renameSync(this.path, numbered(1));
    }
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}
