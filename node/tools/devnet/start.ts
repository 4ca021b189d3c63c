/**
 * `npm start`: the whole system on this machine. L1 (Hardhat EDR) with the contracts deployed and four
 * sequencers' METIS locked; four sequencer processes (host + CometBFT + consensus app + MPC party each); MPC key
 * generation and the MPC address registered in LockingPool; the edge in `wrangler dev` with local D1. Data lives
 * under `.devnet/`; `npm start -- --reset` starts fresh; a second `npm start` resumes the same chain; Ctrl-C stops
 * everything.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sequencerSetAddress } from '../../consensus/app/sequencer-set-tx.ts';
import { ROOT } from '../../install/paths.ts';
import { devAccount } from './accounts.ts';
import { FIXED_DEVNET_PORTS, startDevnet, type Devnet } from './devnet.ts';
import { DEVNET_L2_CHAIN_ID, FUNDED_ACCOUNTS } from './hosts.ts';

const args = new Set(process.argv.slice(2));
const dataDir = join(ROOT, '.devnet');
if (args.has('--reset')) rmSync(dataDir, { recursive: true, force: true });

let devnet: Devnet | null = null;
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\n[devnet] stopping…');
    await devnet?.stop();
    console.log('[devnet] stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const STEPS = 5;
let step = 0;
const started = performance.now();
try {
  devnet = await startDevnet({
    dataDir,
    ports: FIXED_DEVNET_PORTS,
    withEdge: true,
    progress: (what, done, seconds) => {
      if (!done) process.stdout.write(`[devnet ${++step}/${STEPS}] ${what}… `);
      else console.log(`done (${seconds!.toFixed(1)} s)`);
    },
    log: (message) => console.log(`\n[devnet] ${message}`),
  });
  const running = devnet;
  running.supervisor.watch((process, code) => {
    if (!stopping) console.error(`[devnet] ${process.name} exited (${code}); see ${process.logFile}`);
  });
  const status = await running.consensus().status();
  const first = devAccount(0);
  const hosts = running.sequencers.map((sequencer) => `  host ${sequencer.index}               ${sequencer.rpcUrl}   (${sequencer.address}${sequencer.address === status.activeSequencer ? ', active' : ''})`);
  console.log(`
devnet is up in ${((performance.now() - started) / 1000).toFixed(1)} s${running.resumed ? ' (resumed)' : ''} — Ctrl-C to stop; logs in .devnet/logs
  edge RPC (wallets)   ${running.edge!.url}
  chain id             ${DEVNET_L2_CHAIN_ID}
  funded account       ${first.address}   (${FUNDED_ACCOUNTS} accounts with 10,000 ETH each:
                       mnemonic "test test test test test test test test test test test junk")
  status page          ${running.edge!.url}/status
${hosts.join('\n')}
  consensus query API  ${running.sequencers[0]!.queryUrl}/v1/consensus/status   (epoch ${status.epoch.number}, ${status.params.epochLength} L2 blocks each)
  L1 RPC               ${running.l1.url}   (chain id ${running.addresses.chainId})
  LockingPool          ${running.addresses.lockingPool}
  BatchChain           ${running.addresses.batchChain}
  MPC address          ${running.mpcAddress}
  SequencerSet (L2)    ${sequencerSetAddress(running.mpcAddress)}   (the schedule on L2, written by the MPC address)
`);
} catch (error) {
  console.error(`\n[devnet] failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
