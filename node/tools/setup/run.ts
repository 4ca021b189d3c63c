import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

/** Raised when a setup step cannot finish; the message says what to fix. */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** Runs a command to completion, streaming its output, and throws with the command line if it fails. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new SetupError(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    throw new SetupError(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

/** Runs a command and returns its trimmed stdout, or undefined when it cannot run or fails. */
export function capture(command: string, args: string[], options: SpawnSyncOptions = {}): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error || result.status !== 0) return undefined;
  return String(result.stdout).trim();
}
