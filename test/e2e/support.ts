import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnet, type Devnet, type DevnetOptions, type DevnetPorts } from '../../node/tools/devnet/devnet.ts';
import { isFree } from '../support/ports.ts';

/**
 * One devnet per e2e file: L1, four sequencer processes (host + CometBFT + consensus app + MPC party each), MPC
 * keygen registered on L1, optionally the edge; on free loopback ports in a temporary folder.
 */

/**
 * A port base whose whole block (hosts 0..5 at base + 10·i + 0..6, then L1, edge, inspector) is free. Bases stay
 * below the kernel's ephemeral range (32768+), where outgoing connections and other tests' port-0 listeners would
 * take ports of the block after this check (a joining sequencer binds its ports minutes later).
 */
export async function freeDevnetPorts(): Promise<DevnetPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 120);
    const ports = { hostBase: base, l1: base + 90, l1Inner: base + 91, edge: base + 92, edgeInspector: base + 93 };
    const wanted = [ports.l1, ports.l1Inner, ports.edge, ports.edgeInspector];
    for (let index = 0; index < 6; index++) for (let offset = 0; offset <= 6; offset++) wanted.push(base + 10 * index + offset);
    if ((await Promise.all(wanted.map(isFree))).every(Boolean)) return ports;
  }
  throw new Error('no free block of 100 loopback ports found');
}

export interface E2eDevnet extends Devnet {
  cleanup(): Promise<void>;
}

export async function startE2eDevnet(options: Omit<DevnetOptions, 'dataDir' | 'ports'> & { keep?: boolean }): Promise<E2eDevnet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-devnet-'));
  const devnet = await startDevnet({ dataDir, ports: await freeDevnetPorts(), ...options });
  return Object.assign(devnet, {
    cleanup: async () => {
      await devnet.stop();
      if (!options.keep && !process.env.E2E_KEEP) rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  });
}

export async function rpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result as T;
}

export interface BlockHeader {
  number: string;
  hash: string;
  parentHash: string;
  miner: string;
  transactions: string[];
}

export function block(url: string, tag: string | number): Promise<BlockHeader | null> {
  return rpc<BlockHeader | null>(url, 'eth_getBlockByNumber', [typeof tag === 'number' ? `0x${tag.toString(16)}` : tag, false]);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
