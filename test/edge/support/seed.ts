import { env, exports } from 'cloudflare:workers';
import { database } from '../../../edge/db/client.ts';
import { hosts, network } from '../../../edge/db/schema.ts';

export const L2_CHAIN_ID = 59902;

export const db = () => database(env.DB);

/** Writes the rows the scheduler would have written: the network status and the routing table. */
export async function seedRoutes(options: {
  active: { address: string; url: string };
  followers: { address: string; url: string; healthy?: boolean }[];
  finalized?: number;
  l2ChainId?: number | null;
}): Promise<void> {
  const d = db();
  await d.delete(hosts);
  await d.delete(network);
  if (options.l2ChainId !== null) {
    await d.insert(network).values({
      id: 1,
      chainId: 'l2-consensus-test',
      consensusHeight: 10,
      l2ChainId: options.l2ChainId ?? L2_CHAIN_ID,
      epoch: 1,
      epochFirstBlock: 1,
      epochLastBlock: 1000,
      epochReason: 'genesis',
      nextEpoch: null,
      activeSequencer: options.active.address,
      l2Latest: 100,
      l2Safe: 90,
      l2Finalized: options.finalized ?? 50,
      mpcAddress: null,
      mpcThreshold: 0,
      mpcParties: [],
      params: {},
      source: 'test',
      syncedAt: Date.now(),
    });
  }
  await d.insert(hosts).values([
    { address: options.active.address, rpcUrl: options.active.url, status: 'active', isActive: true, healthy: true },
    ...options.followers.map((f) => ({ address: f.address, rpcUrl: f.url, status: 'active', isActive: false, healthy: f.healthy ?? true })),
  ]);
}

let ipCounter = 0;
/** A fresh client IP per test, so the per-IP budgets of one test do not leak into another. */
export function freshIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${ipCounter % 250}`;
}

/** POSTs a JSON-RPC body (object, array or raw text) to the Worker. */
export async function rpc(body: unknown, options: { ip?: string; path?: string } = {}): Promise<Response> {
  return await exports.default.fetch(`http://edge.test${options.path ?? '/'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': options.ip ?? freshIp() },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function call(method: string, params: unknown[] = [], id: unknown = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method, params };
}
