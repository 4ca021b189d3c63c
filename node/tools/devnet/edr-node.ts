import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { rpcCall } from '../../net/rpc-call.ts';
import { ROOT } from '../../install/paths.ts';

const require = createRequire(import.meta.url);

/** A running Hardhat EDR node on loopback: the real L1 for the devnet and the tests. */
export interface L1Node {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartL1Options {
  port: number;
  /** Mine blocks on an interval (ms) in addition to automine; 0 keeps automine only. */
  blockIntervalMs?: number;
  log?: (line: string) => void;
  /** Genesis time (ISO 8601); fixed by the devnet so that its replayed L1 journal rebuilds identical blocks. */
  initialDate?: string;
}

/** Starts `hardhat node` (EDR) bound to 127.0.0.1 and resolves once it accepts JSON-RPC. */
export async function startL1Node(options: StartL1Options): Promise<L1Node> {
  const cli = require.resolve('hardhat/internal/cli/cli.js', { paths: [ROOT] });
  const child: ChildProcess = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', String(options.port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
      DO_NOT_TRACK: '1',
      ...(options.initialDate ? { L1_INITIAL_DATE: options.initialDate } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = `http://127.0.0.1:${options.port}`;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`L1 node did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Started HTTP')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`L1 node exited with ${code} before starting:\n${output}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  if (options.log) child.stdout?.on('data', (chunk: Buffer) => options.log?.(chunk.toString()));
  else child.stdout?.resume();
  child.stderr?.resume();
  if (options.blockIntervalMs) {
    await rpcCall(url, 'evm_setIntervalMining', [options.blockIntervalMs]);
  }
  return {
    url,
    port: options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

