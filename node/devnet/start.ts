/**
 * `npm start`: the whole system on this machine. L1 (Hardhat EDR) with the contracts deployed and four
 * sequencers' METIS locked; four sequencer hosts; the edge in `wrangler dev` with local D1. Data lives under
 * `.devnet/`; `npm start -- --reset` starts fresh; a second `npm start` resumes the same chain; Ctrl-C stops all.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../setup/paths.ts';
import { devAccount, DEVNET_ROLES } from './accounts.ts';
import { startEdge } from './edge.ts';
import { startDevnetL1 } from './l1.ts';
import { DEVNET_PORTS, hostPorts } from './ports.ts';
import { Supervisor } from './supervisor.ts';

const SEQUENCERS = 4;
const STAKES = [20_000, 30_000, 40_000, 50_000] as const;

const args = new Set(process.argv.slice(2));
const dataDir = join(ROOT, '.devnet');
if (args.has('--reset')) rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

const supervisor = new Supervisor(join(dataDir, 'logs'));
const stoppers: (() => Promise<void>)[] = [];
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\n[devnet] stopping…');
    await supervisor.stopAll();
    for (const stopper of stoppers.reverse()) await stopper().catch(() => undefined);
    console.log('[devnet] stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const steps = 3;
let step = 0;
async function progress<T>(what: string, work: () => Promise<T>): Promise<T> {
  step += 1;
  const started = performance.now();
  process.stdout.write(`[devnet ${step}/${steps}] ${what}… `);
  const result = await work();
  console.log(`done (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

try {
  const l1 = await progress('L1: Hardhat EDR on 127.0.0.1 with LockingPool, BatchChain and four locked sequencers', () =>
    startDevnetL1({
      dataDir,
      port: DEVNET_PORTS.l1,
      innerPort: DEVNET_PORTS.l1Inner,
      stakes: STAKES,
      exitDelaySeconds: 120,
      blockIntervalMs: 2_000,
    }),
  );
  stoppers.push(() => l1.stop());
  if (l1.resumed) console.log('[devnet] L1 resumed from .devnet/l1.journal');

  const hosts = Array.from({ length: SEQUENCERS }, (_, index) => hostPorts(index));
  await progress('sequencer hosts', async () => {
    // Wired in by the host entry point (node/host/main.ts): one host + CometBFT node + MPC party per sequencer.
  });

  const edge = await progress('edge: wrangler dev with local D1 migrated', () =>
    startEdge(supervisor, {
      port: DEVNET_PORTS.edge,
      stateDir: join(dataDir, 'edge'),
      l1Url: l1.url,
      l1: l1.addresses,
      consensusUrls: hosts.map((ports) => `http://127.0.0.1:${ports.query}`),
      schedulerKey: devAccount(DEVNET_ROLES.scheduler).privateKey,
    }),
  );

  supervisor.watch((process, code) => console.error(`[devnet] ${process.name} exited (${code}); see ${process.logFile}`));
  const firstAccount = devAccount(0);
  console.log(`
devnet is up (Ctrl-C to stop; logs in .devnet/logs)
  edge RPC (wallets)   ${edge.url}
  status page          ${edge.url}/status
  L1 RPC               ${l1.url}   (chain id ${l1.addresses.chainId})
  LockingPool          ${l1.addresses.lockingPool}
  BatchChain           ${l1.addresses.batchChain}
  funded account       ${firstAccount.address}
                       (mnemonic: test test test test test test test test test test test junk)
`);
} catch (error) {
  console.error(`\n[devnet] failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
