import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Absolute paths of the project's folders, so no module depends on the current directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NATIVE_DIR = join(ROOT, 'native');
export const CONTRACTS_DIR = join(ROOT, 'contracts');
export const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts');
export const LOCAL_BIN = join(ROOT, '.bin');
export const COMETBFT_BIN = join(LOCAL_BIN, 'cometbft');
