import { loadSequencerConfig } from './config.ts';
import { startSequencer } from './compose.ts';

/**
 * The sequencer process: `node node/sequencer/main.ts <sequencer.json>` (or SEQUENCER_CONFIG). Prints one line
 * `{"ready": {...}}` on stdout once the host, the consensus node, CometBFT and the MPC party are up. SIGTERM/SIGINT
 * stop everything cleanly (CometBFT included); after kill -9 CometBFT stops by itself (its watchdog sees this
 * process's pipe close), and a restart reopens every store.
 */
const path = process.argv[2] ?? process.env.SEQUENCER_CONFIG;
if (!path) {
  console.error('usage: node node/sequencer/main.ts <sequencer.json>');
  process.exit(2);
}

const stamp = () => new Date().toISOString().slice(11, 23);
const log = (message: string) => console.log(`${stamp()} ${message}`);

let config;
try {
  config = loadSequencerConfig(path);
} catch (error) {
  console.error(`sequencer config ${path}: ${(error as Error).name}: ${(error as Error).message}`);
  process.exit(2);
}

const sequencer = await startSequencer(config, {
  log,
  onCometExit: () => {
    // Without its CometBFT this host is no validator: exit so a supervisor restarts the pair.
    void sequencer.stop().finally(() => process.exit(1));
  },
});
console.log(
  JSON.stringify({
    ready: {
      address: sequencer.address,
      rpc: sequencer.host.rpcUrl,
      ws: sequencer.host.wsUrl,
      operator: sequencer.host.operatorUrl,
      peer: sequencer.host.peerUrl,
      query: sequencer.queryUrl,
      latest: Number(sequencer.host.heads.latest),
      pid: process.pid,
    },
  }),
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`[sequencer] ${signal}: stopping`);
    sequencer.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
