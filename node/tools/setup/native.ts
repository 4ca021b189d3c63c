import { join } from 'node:path';
import { NATIVE_DIR, ROOT } from '../../install/paths.ts';
import { run, SetupError, capture } from './run.ts';

/** Builds the napi-rs crate from source (cargo is incremental, so an unchanged crate costs about a second). */
export function buildNative(): void {
  if (capture('cargo', ['--version']) === undefined) {
    throw new SetupError('cargo is not on PATH: install Rust (rustup) to build native/');
  }
  run(join(ROOT, 'node_modules', '.bin', 'napi'), ['build', '--platform', '--release', '--esm'], { cwd: NATIVE_DIR });
}
