import { ROOT } from '../../install/paths.ts';
import { join } from 'node:path';
import type { PreparedSequencer } from './hosts.ts';
import type { Supervised, Supervisor } from './supervisor.ts';

/** What a sequencer process prints once it is up (node/sequencer/main.ts). */
export interface SequencerReady {
  address: string;
  rpc: string;
  ws: string;
  operator: string;
  peer: string;
  query: string;
  latest: number;
  pid: number;
}

const MAIN = join(ROOT, 'node', 'sequencer', 'main.ts');

/**
 * One sequencer of the devnet as a supervised child process (its CometBFT is its own child, see
 * node/sequencer/comet-process.ts). Tests kill -9 it and start it again; each start appends to the same log.
 */
export class SequencerProcess {
  readonly prepared: PreparedSequencer;
  private readonly supervisor: Supervisor;
  private current: Supervised | null = null;
  ready: SequencerReady | null = null;

  constructor(supervisor: Supervisor, prepared: PreparedSequencer) {
    this.supervisor = supervisor;
    this.prepared = prepared;
  }

  get index(): number {
    return this.prepared.index;
  }

  get address(): string {
    return this.prepared.address;
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.prepared.ports.rpc}`;
  }

  get queryUrl(): string {
    return `http://127.0.0.1:${this.prepared.ports.query}`;
  }

  get cometRpcUrl(): string {
    return `http://127.0.0.1:${this.prepared.ports.cometRpc}`;
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  get running(): boolean {
    const child = this.current?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  get process(): Supervised | null {
    return this.current;
  }

  /** Spawns the process and resolves with its ready line (rejects if it exits first or takes too long). */
  start(timeoutMs = 60_000): Promise<SequencerReady> {
    if (this.running) throw new Error(`sequencer ${this.index} is already running`);
    this.ready = null;
    const supervised = this.supervisor.start(`seq-${this.index}`, process.execPath, [MAIN, this.prepared.configFile], {
      cwd: ROOT,
      env: { ...process.env, ...this.prepared.env },
    });
    this.current = supervised;
    return new Promise<SequencerReady>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`sequencer ${this.index} was not ready within ${timeoutMs / 1000} s; see ${supervised.logFile}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        for (const line of buffered.split('\n')) {
          if (!line.startsWith('{"ready"')) continue;
          clearTimeout(timer);
          supervised.child.stdout?.off('data', onData);
          this.ready = (JSON.parse(line) as { ready: SequencerReady }).ready;
          resolve(this.ready);
          return;
        }
        buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      };
      supervised.child.stdout?.on('data', onData);
      void supervised.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`sequencer ${this.index} exited (${code}) before it was ready; see ${supervised.logFile}`));
      });
    });
  }

  /** SIGTERM and wait (CometBFT is stopped by the process itself). */
  async stop(graceMs = 15_000): Promise<void> {
    const current = this.current;
    if (!current || !this.running) return;
    current.child.kill('SIGTERM');
    const timer = setTimeout(() => current.child.kill('SIGKILL'), graceMs);
    await current.exited;
    clearTimeout(timer);
  }

  /** kill -9: no chance to flush or say goodbye (its CometBFT watchdog stops CometBFT). */
  async kill(): Promise<void> {
    const current = this.current;
    if (!current || !this.running) return;
    current.child.kill('SIGKILL');
    await current.exited;
  }
}
