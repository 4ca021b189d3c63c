import { env, exports } from 'cloudflare:workers';
import { database } from '../../../edge/db/client.ts';
import { batches, hosts, network } from '../../../edge/db/schema.ts';

export const L2_CHAIN_ID = 59902;

export const db = () => database(env.DB);

/** Writes the rows the scheduler would have written: the network status and the routing table. */
export async function seedRoutes(options: {
  active: { address: string; url: string };
  followers: { address: string; url: string; healthy?: boolean }[];
  /** What hosts (and the consensus status) call finalized: the edge must not trust it for caching. */
  finalized?: number;
  /** The last L2 block of the last batch on L1, as the edge's L1 mirror holds it; none when absent. */
  l1Covered?: number;
  l2ChainId?: number | null;
}): Promise<void> {
  const d = db();
  await d.delete(hosts);
  await d.delete(network);
  await d.delete(batches);
  if (options.l1Covered !== undefined) await seedBatch(0, 1, options.l1Covered);
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

/** A BatchAppended as l1/sync.ts would have mirrored it from L1. */
export async function seedBatch(batchIndex: number, firstBlock: number, lastBlock: number): Promise<void> {
  const word = (byte: string) => `0x${byte.repeat(32)}`;
  await db()
    .insert(batches)
    .values({ batchIndex, firstBlock, lastBlock, txRoot: word('aa'), stateRoot: word('bb'), dataHash: word('cc'), relayer: `0x${'0'.repeat(40)}`, l1Block: 9, l1TxHash: word('dd') });
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
