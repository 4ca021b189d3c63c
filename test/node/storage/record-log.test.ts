import { mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordLog } from '../../../node/storage/record-log.ts';

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});
const bytes = (...values: number[]) => new Uint8Array(values);

describe('RecordLog (the mempool journal and seal log)', () => {
  it('returns what was appended, in order, after reopening', async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-log-'));
    const path = join(dir, 'j.log');
    const { log } = await RecordLog.open(path);
    // Concurrent appends are group-committed; every promise resolves once durable.
    await Promise.all([log.append([bytes(1, 2)]), log.append([bytes(3)]), log.append([bytes(4, 5, 6), bytes()])]);
    await log.close();
    const reopened = await RecordLog.open(path);
    expect(reopened.entries.map((e) => [...e])).toEqual([[1, 2], [3], [4, 5, 6], []]);
    await reopened.log.close();
  });

  it('cuts a torn or corrupted tail and keeps every whole record before it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-log-'));
    const path = join(dir, 'j.log');
    const { log } = await RecordLog.open(path);
    await log.append([bytes(7, 7, 7), bytes(8)]);
    await log.close();
    const whole = (await stat(path)).size;
    await appendFile(path, Buffer.from([0, 0, 0, 9, 1, 2])); // header of a record that never finished
    let reopened = await RecordLog.open(path);
    expect(reopened.entries.map((e) => [...e])).toEqual([[7, 7, 7], [8]]);
    expect((await stat(path)).size).toBe(whole);
    await reopened.log.append([bytes(9)]);
    await reopened.log.close();
    // Flip a byte inside the last record: its checksum fails and only it is dropped.
    const data = await readFile(path);
    data[data.length - 1] = (data[data.length - 1] as number) ^ 0xff;
    await writeFile(path, data);
    reopened = await RecordLog.open(path);
    expect(reopened.entries.map((e) => [...e])).toEqual([[7, 7, 7], [8]]);
    await reopened.log.close();
  });

  it('rewrites atomically and keeps appending to the new file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-log-'));
    const path = join(dir, 'j.log');
    const { log } = await RecordLog.open(path);
    await log.append([bytes(1), bytes(2), bytes(3)]);
    const rewritten = log.rewrite([bytes(2)]);
    const appended = log.append([bytes(4)]);
    await Promise.all([rewritten, appended]);
    expect(log.bytes).toBe(2 * 9);
    await log.close();
    const reopened = await RecordLog.open(path);
    expect(reopened.entries.map((e) => [...e])).toEqual([[2], [4]]);
    await reopened.log.close();
  });
});
