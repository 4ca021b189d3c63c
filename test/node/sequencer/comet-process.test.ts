import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCometHome } from '../../../node/tools/localnet/localnet.ts';
import { COMETBFT_BIN, ROOT } from '../../../node/install/paths.ts';
import { startCometProcess } from '../../../node/sequencer/comet-process.ts';
import { freePort } from '../../support/ports.ts';

/**
 * The sequencer's CometBFT child cannot outlive the sequencer: a real CometBFT (with its built-in kvstore app, so no
 * ABCI server is needed) under the watchdog, stopped gracefully, and orphaned by kill -9 of its parent process.
 */

let home: string;
let rpcPort: number;

async function cometAnswers(): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${rpcPort}/status`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

beforeAll(async () => {
  home = join(mkdtempSync(join(tmpdir(), 'comet-process-')), 'cometbft');
  execFileSync(COMETBFT_BIN, ['init', '--home', home], { stdio: 'ignore' });
  rpcPort = await freePort();
  configureCometHome(home, { p2p: await freePort(), rpc: rpcPort, abci: await freePort(), query: 0 }, '');
  const config = join(home, 'config', 'config.toml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^proxy_app = .*$/m, 'proxy_app = "kvstore"'));
});

afterAll(() => {
  if (home) rmSync(join(home, '..'), { recursive: true, force: true });
});

describe('CometBFT under the sequencer’s watchdog', () => {
  it('runs, and a graceful stop ends it and frees its port', async () => {
    const comet = await startCometProcess({ home, rpcPort });
    await until('CometBFT RPC', cometAnswers);
    expect(comet.running).toBe(true);
    await comet.stop();
    expect(comet.running).toBe(false);
    expect(await cometAnswers()).toBe(false);
  }, 60_000);

  it('stops by itself when its parent process is killed with SIGKILL', async () => {
    const script = `const { startCometProcess } = await import(${JSON.stringify(join(ROOT, 'node/sequencer/comet-process.ts'))});
      await startCometProcess({ home: ${JSON.stringify(home)}, rpcPort: ${rpcPort} });
      console.log('started');
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
    });
    await until('CometBFT RPC', cometAnswers);
    parent.removeAllListeners('exit');
    parent.kill('SIGKILL');
    const gone = await until('CometBFT to stop after its parent died', async () => !(await cometAnswers()));
    expect(gone).toBeLessThan(10_000);
    // A new sequencer process can take the home and its ports again.
    const again = await startCometProcess({ home, rpcPort });
    await until('the restarted CometBFT', cometAnswers);
    await again.stop();
  }, 60_000);
});
