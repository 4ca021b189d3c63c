import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ROTATION, RotatingLog, type RotationPolicy } from './rotating-log.ts';

/** One long-running process of the devnet, with its output in a log file. */
export interface Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited, with its exit code or signal. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/** Starts processes, keeps their logs under one folder, and stops them all (children first in reverse order). */
export class Supervisor {
  readonly #logDir: string;
  readonly #rotation: RotationPolicy;
  readonly #processes: Supervised[] = [];
  #stopping = false;

  constructor(logDir: string, rotation: RotationPolicy = DEFAULT_ROTATION) {
    this.#logDir = logDir;
    this.#rotation = rotation;
    mkdirSync(logDir, { recursive: true });
  }

  /** Spawns `command args`, piping stdout and stderr into `<logDir>/<name>.log` (rotated by size). */
  start(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Supervised {
    const logFile = join(this.#logDir, `${name}.log`);
    const log = new RotatingLog(logFile, this.#rotation);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<number | NodeJS.Signals>((resolve) => {
      child.once('exit', (code, signal) => {
        log.end();
        resolve(code ?? signal ?? 0);
      });
      child.once('error', (error) => {
        log.write(`[supervisor] ${name} could not start: ${error.message}\n`);
        log.end();
        resolve(1);
      });
    });
    const supervised: Supervised = { name, child, logFile, exited };
    this.#processes.push(supervised);
    return supervised;
  }

  /** Calls `onExit` when any supervised process dies while the devnet is not stopping. */
  watch(onExit: (process: Supervised, code: number | NodeJS.Signals) => void): void {
    for (const process of this.#processes) {
      void process.exited.then((code) => {
        if (!this.#stopping) onExit(process, code);
      });
    }
  }

  /** Stops every process, last started first: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    for (const process of [...this.#processes].reverse()) {
      if (process.child.exitCode !== null || process.child.signalCode !== null) continue;
      process.child.kill('SIGTERM');
      const timer = setTimeout(() => process.child.kill('SIGKILL'), graceMs);
      await process.exited;
      clearTimeout(timer);
    }
  }
}

/** Polls `probe` until it resolves true, or throws after `timeoutMs` with `what` in the message. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s${reason}`);
}
