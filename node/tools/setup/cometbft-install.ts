import { existsSync } from 'node:fs';
import { COMETBFT_BIN, LOCAL_BIN } from '../../install/paths.ts';
import { capture, run, SetupError } from './run.ts';

/** CometBFT release the consensus layer is tested against; `@latest` is the unsupported v1 line. */
export const COMETBFT_VERSION = '0.38.25';

/** The installed binary's version, or undefined when there is no usable binary. */
export function installedCometbftVersion(): string | undefined {
  if (!existsSync(COMETBFT_BIN)) return undefined;
  return capture(COMETBFT_BIN, ['version']);
}

/** Installs the pinned cometbft into the project-local bin folder with `go install`, unless it is already there. */
export function installCometbft(): void {
  if (installedCometbftVersion() === COMETBFT_VERSION) return;
  if (capture('go', ['version']) === undefined) {
    throw new SetupError(`go is not on PATH: it is needed to install cometbft v${COMETBFT_VERSION} into ${LOCAL_BIN}`);
  }
  run('go', ['install', `github.com/cometbft/cometbft/cmd/cometbft@v${COMETBFT_VERSION}`], {
    env: { ...process.env, GOBIN: LOCAL_BIN, GOFLAGS: '-mod=mod' },
  });
  const version = installedCometbftVersion();
  if (version !== COMETBFT_VERSION) {
    throw new SetupError(`go install finished but ${COMETBFT_BIN} reports version ${version ?? '(none)'}`);
  }
}
