import { loadConfigFile } from './config.ts';
import { startHost } from './host.ts';
import { openNativeEngine } from './engine/native-engine.ts';

/**
 * The host process: `node node/host/main.ts <config.json>`. Prints one line `{"ready": {...urls}}` on stdout once
 * every port listens; SIGTERM / SIGINT stop it cleanly (kill -9 loses nothing acknowledged either).
 */
const path = process.argv[2] ?? process.env.HOST_CONFIG;
if (!path) {
  console.error('usage: node node/host/main.ts <config.json>');
  process.exit(2);
}
const config = loadConfigFile(path);
const host = await startHost(config, { openEngine: openNativeEngine });
console.log(JSON.stringify({ ready: { address: host.address, rpc: host.rpcUrl, ws: host.wsUrl, operator: host.operatorUrl, peer: host.peerUrl, latest: Number(host.heads.latest) } }));
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
