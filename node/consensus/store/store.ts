import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ConsensusState, Hex } from '../../../protocol/consensus/types.ts';

/**
 * The app's committed state on disk: one JSON file replaced atomically (write, fsync, rename) at every Commit,
 * so a crash leaves either the previous or the new height, never a torn file. CometBFT replays whatever blocks
 * the app is missing (Info reports the stored height and app hash).
 */
export class StateStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  private get file(): string {
    return join(this.dir, 'consensus-state.json');
  }

  load(): { state: ConsensusState; appHash: Hex } | null {
    if (!existsSync(this.file)) return null;
    const stored = JSON.parse(readFileSync(this.file, 'utf8')) as { appHash: Hex; state: ConsensusState };
    return { state: stored.state, appHash: stored.appHash };
  }

  save(state: ConsensusState, appHash: Hex): void {
    writeAtomically(this.file, JSON.stringify({ appHash, state }));
  }
}

export function writeAtomically(file: string, contents: string): void {
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/** The validator's private randomness key (never in consensus state): created once, kept across restarts. */
export function loadOrCreateRandaoKey(dir: string): Uint8Array {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'randao.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const key = randomBytes(32);
  writeAtomically(file, key.toString('hex'));
  return key;
}
