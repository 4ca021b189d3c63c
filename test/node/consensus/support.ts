import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { sha256Hex } from '../../../protocol/consensus/canonical.ts';
import type { Hex } from '../../../protocol/consensus/types.ts';
import { initLocalnet, type Localnet, type NodePorts, type ValidatorKeyInfo } from '../../../node/tools/localnet/localnet.ts';
import { MemoryObserver } from '../../../node/consensus/abci/observer.ts';
import { signTx } from '../../../node/consensus/app/txs.ts';
import { freePort } from '../../support/ports.ts';

export const METIS = 10n ** 18n;

/** Signs app txs as test validator `index`, numbering each validator's nonces from 0 (SimNet and localnet tests). */
export class AppTxSigners {
  private readonly nonces = new Map<number, number>();
  private readonly chainId: string;

  constructor(chainId = 'sim-chain') {
    this.chainId = chainId;
  }

  tx(index: number, type: string, payload: unknown): Uint8Array {
    const nonce = this.nonces.get(index) ?? 0;
    this.nonces.set(index, nonce + 1);
    return signTx(signerKey(index), { chainId: this.chainId, type, nonce, payload } as never);
  }

  /** Back to nonce 0 for everyone (a test that starts a fresh network). */
  reset(): void {
    this.nonces.clear();
  }
}

/** Deterministic L1 signer keys for test validators (never funded anywhere; they only sign app txs). */
export function signerKey(index: number): string {
  return sha256Hex(`consensus test signer ${index}`);
}

export function signer(index: number): Wallet {
  return new Wallet(signerKey(index));
}

export function blockHash(number: number, fork = 0): Hex {
  return sha256Hex(`l2 block ${number} fork ${fork}`);
}

export async function freeNodePorts(count: number): Promise<NodePorts[]> {
  const ports: NodePorts[] = [];
  for (let index = 0; index < count; index++) ports.push({ p2p: await freePort(), rpc: await freePort(), abci: await freePort(), query: await freePort() });
  return ports;
}

export interface TestNet {
  /** Replaced when a test reopens the localnet from disk; cleanup stops whichever is current. */
  localnet: Localnet;
  observers: MemoryObserver[];
  dir: string;
  cleanup(): Promise<void>;
}

/** A 4-validator localnet on free loopback ports with in-memory observers the test drives. */
export async function startTestNet(options: { stakes?: number[]; params?: Record<string, unknown>; chainId?: string } = {}): Promise<TestNet> {
  const stakes = options.stakes ?? [30_000, 25_000, 25_000, 20_000];
  const dir = mkdtempSync(join(tmpdir(), 'consensus-localnet-'));
  const ports = await freeNodePorts(stakes.length);
  const localnet = initLocalnet({
    dir,
    chainId: options.chainId ?? 'consensus-test',
    ports,
    appState: (keys: ValidatorKeyInfo[]) => ({
      l2ChainId: 59902,
      params: { epochLength: 20, livenessTimeoutMs: 1000, l1Confirmations: 0, govVotingPeriod: 8, govExecutionDelay: 2, coolDownEpochs: 1, ...options.params },
      validators: keys.map((key) => ({
        address: signer(key.index).address.toLowerCase(),
        sequencerId: key.index + 1,
        owner: signer(key.index).address.toLowerCase(),
        stake: (BigInt(stakes[key.index]!) * METIS).toString(),
        cometPubKey: key.cometPubKey,
        rpcUrl: `http://127.0.0.1:${9000 + 10 * key.index}`,
        peerUrl: `ws://127.0.0.1:${9002 + 10 * key.index}`,
      })),
    }),
  });
  const observers = stakes.map(() => new MemoryObserver());
  await localnet.start(observers, (error) => console.error('consensus app error', error));
  const testNet: TestNet = {
    localnet,
    observers,
    dir,
    cleanup: async () => {
      await testNet.localnet.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
  return testNet;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
