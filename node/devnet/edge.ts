import { join } from 'node:path';
import { ROOT } from '../setup/paths.ts';
import { run } from '../setup/run.ts';
import type { L1Addresses } from './l1-bootstrap.ts';
import { waitUntil, type Supervised, type Supervisor } from './supervisor.ts';

const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

/** Wrangler must never reach out to Cloudflare from the devnet. */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
} as const;

export type EdgeOptions = {
  port: number;
  /** Local D1 and Durable Object state (`wrangler --persist-to`). */
  stateDir: string;
  l1Url: string;
  l1: L1Addresses;
  consensusUrls: readonly string[];
  /** Hex private key that signs rotation triggers (a devnet role key). */
  schedulerKey: string;
};

/** Applies the D1 migrations to the local database, then runs `wrangler dev` on 127.0.0.1 until stopped. */
export async function startEdge(supervisor: Supervisor, options: EdgeOptions): Promise<{ url: string; process: Supervised }> {
  const env = { ...process.env, ...WRANGLER_ENV };
  run(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', options.stateDir], {
    cwd: ROOT,
    env,
    stdio: 'ignore',
  });
  const vars = {
    CONSENSUS_URLS: options.consensusUrls.join(','),
    L1_RPC_URL: options.l1Url,
    LOCKING_POOL_ADDRESS: options.l1.lockingPool,
    BATCH_CHAIN_ADDRESS: options.l1.batchChain,
    L1_START_BLOCK: String(options.l1.fromBlock),
    SCHEDULER_KEY: options.schedulerKey,
  };
  const args = ['dev', '--local', '--ip', '127.0.0.1', '--port', String(options.port), '--persist-to', options.stateDir];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const process_ = supervisor.start('edge', WRANGLER, args, { cwd: ROOT, env });
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntil('edge (wrangler dev)', async () => (await fetch(`${url}/v1/status`)).status < 500, 60_000, 500);
  return { url, process: process_ };
}
