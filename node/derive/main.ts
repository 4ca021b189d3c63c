import { openNativeEngine } from '../host/engine/native-engine.ts';
import { loadVerifierConfig } from './config.ts';
import { startVerifier } from './verifier.ts';

/**
 * The verifier process: `node node/derive/main.ts <verifier.json>` (docs/architecture/l1-data.md). Needs only L1.
 * Prints one line `{"ready": {...}}` once its JSON-RPC listens; on a batch that does not match L1 it prints
 * `{"mismatch": {...}}` and keeps serving what matched. SIGTERM / SIGINT stop it.
 */
const path = process.argv[2] ?? process.env.VERIFIER_CONFIG;
if (!path) {
  console.error('usage: node node/derive/main.ts <verifier.json>');
  process.exit(2);
}
const config = loadVerifierConfig(path);
const verifier = await startVerifier(config, { openEngine: (dir, genesis) => openNativeEngine(dir, genesis) });
console.log(JSON.stringify({ ready: { rpc: verifier.rpcUrl, latest: Number(verifier.heads.latest) } }));
let reported = false;
const watch = setInterval(() => {
  const mismatch = verifier.mismatch();
  if (mismatch && !reported) {
    reported = true;
    console.log(JSON.stringify({ mismatch }));
  }
}, 500);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    verifier.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
