import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet, Mnemonic, Wallet } from 'ethers';
import type { Hex } from '../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../node/host/engine/native-engine.ts';
import { resolveConfig, type HostConfig } from '../../../node/host/config.ts';
import { startHost, type Host } from '../../../node/host/host.ts';
import type { PeerEndpoint } from '../../../node/p2p/peer-network.ts';
import type { SequencerSchedule } from '../../../node/host/sync/schedule.ts';
import { freePort } from '../../support/ports.ts';

/** Hardhat's dev mnemonic: index 0..9 are funded in the test genesis. */
export const MNEMONIC = 'test test test test test test test test test test test junk';
export const L2_CHAIN_ID = 901n;
export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

/** Node keys of test sequencer hosts (distinct from the funded users). */
export function hostKey(index: number): Hex {
  return devWallet(100 + index).privateKey as Hex;
}

export function testGenesis(extra: string[] = []): Record<string, unknown> {
  const alloc: Record<string, { balance: string }> = {};
  for (let i = 0; i < 10; i++) alloc[devWallet(i).address] = { balance: '0x' + (10n ** 24n).toString(16) };
  for (const address of extra) alloc[address] = { balance: '0x' + (10n ** 24n).toString(16) };
  return { chainId: Number(L2_CHAIN_ID), gasLimit: 60_000_000, baseFeePerGas: 1_000_000_000, timestamp: 0, alloc };
}

export interface TestHost {
  host: Host;
  dataDir: string;
  config: HostConfig;
  stop(): Promise<void>;
}

/** A host in this process on free loopback ports with the real native chain. */
export async function startTestHost(options: Partial<HostConfig> & { dataDir?: string; keep?: boolean; schedule?: SequencerSchedule } = {}): Promise<TestHost> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'host-')));
  const nodeKey = options.nodeKey ?? hostKey(0);
  const config = resolveConfig({
    genesis: testGenesis(),
    rpc: { port: 0 } as HostConfig['rpc'],
    operator: { port: 0, token: OPERATOR_TOKEN },
    peer: { port: 0, peers: [] },
    sequencer: { mode: 'static', address: new Wallet(nodeKey).address.toLowerCase() as Hex },
    producer: { blockTimeMs: 50 } as HostConfig['producer'],
    ...withoutHarnessOptions(options),
    nodeKey,
    dataDir,
  });
  const host = await startHost(config, { openEngine: openNativeEngine, log: () => undefined, ...(options.schedule ? { schedule: options.schedule } : {}) });
  return {
    host,
    dataDir,
    config,
    stop: async () => {
      await host.stop();
      if (!options.keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function withoutHarnessOptions(options: Record<string, unknown>): Partial<HostConfig> {
  const { keep: _keep, schedule: _schedule, ...config } = options;
  return config as Partial<HostConfig>;
}

/** Polls `probe` until it returns something truthy (every `intervalMs`), failing after `ms`. */
export async function until<T>(probe: () => T | Promise<T>, what: string, ms = 15_000, intervalMs = 25): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A sequencer schedule the test drives: from block `from` on, `sequencer` is elected (epoch = rotations so far). */
export class DrivenSchedule implements SequencerSchedule {
  readonly source = 'config' as const;
  rotations: { from: bigint; sequencer: Hex }[];
  constructor(first: Hex) {
    this.rotations = [{ from: 0n, sequencer: first }];
  }
  sequencerFor(number: bigint): Hex {
    return [...this.rotations].reverse().find((r) => number >= r.from)!.sequencer;
  }
  epochFor(number: bigint): number {
    return this.rotations.filter((r) => number >= r.from).length - 1;
  }
  async refresh(): Promise<void> {}
}

/**
 * Starts hosts for the first `running` of `keys` (default all), every key a peer of the set on a free port, and
 * waits until the first host is linked to the others that run.
 */
export async function startLinkedHosts(options: { keys: Hex[]; schedule: SequencerSchedule; running?: number; config?: Partial<HostConfig> }): Promise<TestHost[]> {
  const running = options.running ?? options.keys.length;
  const ports = await Promise.all(options.keys.map(() => freePort()));
  const peers: PeerEndpoint[] = options.keys.map((key, i) => ({ address: new Wallet(key).address.toLowerCase() as Hex, url: `ws://127.0.0.1:${ports[i]}` }));
  const hosts: TestHost[] = [];
  for (let i = 0; i < running; i++) {
    hosts.push(await startTestHost({ ...options.config, nodeKey: options.keys[i], peer: { port: ports[i]!, peers }, schedule: options.schedule }));
  }
  await until(() => hosts[0]!.host.network.connectedPeers().length === running - 1, 'the peer links');
  return hosts;
}
