import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../../../node/install/paths.ts';

export interface ChildHost {
  child: ChildProcess;
  rpc: string;
  ws: string;
  operator: string;
  output(): string;
  /** SIGKILL: no cleanup of any kind runs. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Writes `config` next to the data dir and runs `node node/host/main.ts <config>` until it prints its ready line.
 * `root`: another checkout to run the host from (benchmarks compare against the code before a change); `nodeArgs`:
 * flags for node before the script (e.g. a TypeScript loader's).
 */
export async function startChildHost(dir: string, config: Record<string, unknown>, options: { root?: string; nodeArgs?: string[] } = {}): Promise<ChildHost> {
  const path = join(dir, 'host.json');
  await writeFile(path, JSON.stringify(config, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  const root = options.root ?? ROOT;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(root, 'node/host/main.ts'), path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = await new Promise<{ rpc: string; ws: string; operator: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).ready);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    ...ready,
    output: () => out,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
