import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Node side, never bundled into the Worker: runs this Worker locally with `wrangler dev --local` and a local D1
// (migrations applied), for the devnet, the end-to-end suite and the gateway benchmark. Nothing here logs in or
// fetches: wrangler is told not to send metrics or error reports.

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(dirname(require.resolve('wrangler/package.json', { paths: [ROOT] })), 'bin', 'wrangler.js');
const QUIET = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', NO_COLOR: '1' };

export interface LocalEdgeOptions {
  port: number;
  /** Where the local D1 (and the Durable Objects' storage) lives; a fresh directory gives a fresh database. */
  persistTo: string;
  /** Overrides of wrangler.toml [vars], e.g. CONSENSUS_URLS, L1_RPC_URL, the L1 contract addresses. */
  vars?: Record<string, string>;
  /** Port for wrangler's devtools inspector; pick a free one when running more than one edge. */
  inspectorPort?: number;
  /** wrangler's own log level; 'info' logs every request, which costs throughput. */
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none';
  log?: (line: string) => void;
  /** Another Worker entry than wrangler.toml's `main` (the soak's A/B runs against a bare handler; never shipped). */
  main?: string;
  /**
   * wrangler's local observability (X_LOCAL_OBSERVABILITY, on by default in wrangler): every request's spans and
   * logs go to a trace-store Durable Object that is never evicted and never pruned. Off unless asked for: under a
   * sustained load it was most of workerd's memory growth and of the persist dir's (docs/soak.md).
   */
  localObservability?: boolean;
}

export interface LocalEdge {
  readonly url: string;
  /** Runs the cron handler once (what Cloudflare does every minute). */
  runScheduled(): Promise<void>;
  stop(): Promise<void>;
}

function run(args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: { ...process.env, ...QUIET }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${what} failed (exit ${code}):\n${output}`))));
  });
}

/** Applies migrations/ to the local D1 in `persistTo` (what `wrangler d1 migrations apply --local` does). */
export async function migrateLocalD1(persistTo: string): Promise<void> {
  await run(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], 'wrangler d1 migrations apply');
}

/** Runs SQL against the local D1 in `persistTo`. */
export async function executeLocalD1(persistTo: string, sql: string): Promise<void> {
  await run(['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--command', sql], 'wrangler d1 execute');
}

/** Starts `wrangler dev --local` on 127.0.0.1:`port` and resolves once it serves requests. */
export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const args = ['dev', ...(options.main ? [options.main] : []), '--local', '--ip', '127.0.0.1', '--port', String(options.port), '--persist-to', options.persistTo, '--test-scheduled', '--show-interactive-dev-session=false', '--log-level', options.logLevel ?? 'warn'];
  if (options.inspectorPort !== undefined) args.push('--inspector-port', String(options.inspectorPort));
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`);
  const env = { ...process.env, ...QUIET, X_LOCAL_OBSERVABILITY: options.localObservability ? 'true' : 'false' };
  const child: ChildProcess = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://127.0.0.1:${options.port}`;
  let output = '';
  const onData = (chunk: Buffer) => {
    // Kept for the start-up error message only: the tail, or a long-running devnet's memory grows with the log.
    output = (output + chunk.toString()).slice(-64 * 1024);
    options.log?.(chunk.toString());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  child.once('exit', () => (exited = true));
  // Ready when the Worker itself answers (wrangler's "Ready" line is below the quiet log level).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`wrangler dev did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    async runScheduled() {
      const response = await fetch(`${url}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      if (!response.ok) throw new Error(`scheduled run failed: HTTP ${response.status} ${await response.text()}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
