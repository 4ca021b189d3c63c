/**
 * The project's one set-up entry point, run by `npm install` (postinstall) and before `npm test`.
 * Steps: build native/ from source, compile contracts/ with solc-js, install the pinned cometbft.
 * Usage: node node/tools/setup/index.ts [native|contracts|cometbft ...]
 */
import { compileContracts } from '../../../contracts/compile.ts';
import { installCometbft, COMETBFT_VERSION } from './cometbft-install.ts';
import { buildNative } from './native.ts';
import { SetupError } from './run.ts';

const steps = {
  native: () => buildNative(),
  contracts: () => {
    const { compiled, contracts } = compileContracts();
    console.log(`[setup] contracts ${compiled ? 'compiled' : 'up to date'}: ${contracts.length} artifacts`);
  },
  cometbft: () => {
    installCometbft();
    console.log(`[setup] cometbft v${COMETBFT_VERSION} ready in .bin/`);
  },
} as const;

type Step = keyof typeof steps;
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const unknown = requested.filter((name) => !(name in steps));
if (unknown.length > 0) {
  console.error(`[setup] unknown step(s): ${unknown.join(', ')}; known: ${Object.keys(steps).join(', ')}`);
  process.exit(2);
}
const selected = (requested.length > 0 ? requested : Object.keys(steps)) as Step[];

for (const name of selected) {
  const started = performance.now();
  try {
    steps[name]();
  } catch (error) {
    const reason = error instanceof SetupError || error instanceof Error ? error.message : String(error);
    console.error(`[setup] ${name} failed: ${reason}`);
    process.exit(1);
  }
  console.log(`[setup] ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
