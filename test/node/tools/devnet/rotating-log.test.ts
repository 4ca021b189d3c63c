import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingLog } from '../../../../node/tools/devnet/rotating-log.ts';

const write = (log: RotatingLog, text: string) => new Promise<void>((resolve, reject) => log.write(text, (error) => (error ? reject(error) : resolve())));
const end = (log: RotatingLog) => new Promise<void>((resolve) => log.end(resolve));

describe('RotatingLog', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates by size and keeps only the newest files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotating-log-'));
    const path = join(dir, 'x.log');
    const log = new RotatingLog(path, { maxBytes: 100, keep: 2 });
    for (let line = 0; line < 50; line++) await write(log, `line ${String(line).padStart(3, '0')} ${'.'.repeat(20)}\n`);
    await end(log);
    // 50 lines of 29 bytes, 3 lines a file: the live file and two rotated ones survive, nothing older.
    expect(statSync(path).size).toBeLessThanOrEqual(100);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    const newest = readFileSync(path, 'utf8');
    expect(newest).toContain('line 049');
    expect(readFileSync(`${path}.1`, 'utf8')).not.toContain('line 049');
    // Nothing is lost between the files kept: their lines are consecutive.
    const kept = [readFileSync(`${path}.2`, 'utf8'), readFileSync(`${path}.1`, 'utf8'), newest].join('').trim().split('\n');
    const numbers = kept.map((line) => Number(line.slice(5, 8)));
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
  });

  it('appends to an existing file and counts its size', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rotating-log-'));
    const path = join(dir, 'y.log');
    const first = new RotatingLog(path, { maxBytes: 1_000, keep: 1 });
    await write(first, 'a'.repeat(900));
    await end(first);
    const second = new RotatingLog(path, { maxBytes: 1_000, keep: 1 });
    await write(second, 'b'.repeat(200));
    await end(second);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('a'.repeat(900));
    expect(readFileSync(path, 'utf8')).toBe('b'.repeat(200));
  });

  it('refuses a policy that would never rotate or keep a negative count', () => {
    dir = mkdtempSync(join(tmpdir(), 'rotating-log-'));
    expect(() => new RotatingLog(join(dir, 'z.log'), { maxBytes: 0, keep: 1 })).toThrow(RangeError);
    expect(() => new RotatingLog(join(dir, 'z.log'), { maxBytes: 10, keep: -1 })).toThrow(RangeError);
  });
});
