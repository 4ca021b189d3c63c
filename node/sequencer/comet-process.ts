import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { COMETBFT_BIN } from '../install/paths.ts';

/**
 * The sequencer's CometBFT node as a child that cannot outlive this process. CometBFT runs under a tiny `sh`
 * watchdog whose stdin is a pipe from us: when this process exits for any reason (SIGTERM, crash, kill -9) the
 * kernel closes the pipe, the watchdog reads EOF and stops CometBFT (SIGTERM, SIGKILL after a grace period). A
 * graceful stop is the same path: we close the pipe and wait. So a restarted sequencer never meets an orphaned
 * CometBFT holding its ports and its database lock.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$COMET_BIN" start --home "$COMET_HOME" </dev/null 3<&- &',
  'comet=$!',
  '( read -r _ <&3; kill -TERM $comet 2>/dev/null; sleep "$COMET_GRACE_S"; kill -KILL $comet 2>/dev/null ) &',
  'watch=$!',
  'wait $comet',
  'code=$?',
  'kill $watch 2>/dev/null',
  'exit $code',
].join('\n');

export interface CometProcess {
  readonly pid: number | undefined;
  /** Resolves with the exit code (or signal) of CometBFT's watchdog, i.e. of CometBFT. */
  readonly exited: Promise<number | string>;
  readonly running: boolean;
  /** Graceful stop: SIGTERM to CometBFT (SIGKILL after the grace period); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface CometProcessOptions {
  home: string;
  /** CometBFT's RPC port: a previous instance still shutting down is waited for before starting. */
  rpcPort: number;
  graceSeconds?: number;
  /** CometBFT's own log (appended); default <home>/cometbft.log. */
  logFile?: string;
}

/** Starts `cometbft start --home <home>` under the watchdog. */
export async function startCometProcess(options: CometProcessOptions): Promise<CometProcess> {
  await waitUntilPortFree(options.rpcPort, 15_000);
  const log = openSync(options.logFile ?? join(options.home, 'cometbft.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', WATCHDOG], {
      stdio: ['pipe', log, log],
      env: { ...process.env, COMET_BIN: COMETBFT_BIN, COMET_HOME: options.home, COMET_GRACE_S: String(options.graceSeconds ?? 5) },
    });
  } finally {
    closeSync(log);
  }
  // The pipe must never be written to (a line would stop CometBFT), and its errors after our exit are moot.
  child.stdin?.on('error', () => undefined);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 0);
    });
    child.once('error', () => {
      running = false;
      resolve(1);
    });
  });
  return {
    pid: child.pid,
    exited,
    get running() {
      return running;
    },
    stop: async () => {
      if (!running) return;
      child.stdin?.end();
      await exited;
    },
  };
}

/** Resolves once nothing accepts connections on 127.0.0.1:`port` (a previous CometBFT has let go of it). */
export async function waitUntilPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await isListening(port)) {
    if (Date.now() > deadline) throw new Error(`port ${port} is still in use after ${timeoutMs} ms (another CometBFT on this home?)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
