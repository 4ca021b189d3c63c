/** A set of MPC parties on loopback WebSockets, each with its own node key, share file and transport. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, toUtf8Bytes } from 'ethers';
import { mpcNodeAddress } from '@l2-sequencer/native';
import type { Address } from '../../../node/mpc/identity.ts';
import { MpcParty, type MpcTimeouts } from '../../../node/mpc/party.ts';
import { ShareStore } from '../../../node/mpc/share-store.ts';
import type { MpcTransport } from '../../../node/mpc/transport.ts';
import { WsMpcTransport } from '../../../node/mpc/ws-transport.ts';

export const NETWORK = '59902';
export const SHARE_KEY = Buffer.alloc(32, 7);

export interface Node {
  label: string;
  key: string;
  address: Address;
  transport: WsMpcTransport;
  party: MpcParty;
  faults: Array<{ party: string; session: string; reason: string }>;
  drops: Array<{ reason: string; detail: string }>;
}

export function nodeKey(label: string): string {
  return keccak256(toUtf8Bytes(`mpc-test-node:${label}`));
}

export function addressOf(key: string): Address {
  return mpcNodeAddress(Buffer.from(key.slice(2), 'hex')) as Address;
}

export class Cluster {
  readonly nodes = new Map<string, Node>();
  readonly dir: string;
  private readonly timeouts: Partial<MpcTimeouts>;

  private constructor(dir: string, timeouts: Partial<MpcTimeouts>) {
    this.dir = dir;
    this.timeouts = timeouts;
  }

  static async create(timeouts: Partial<MpcTimeouts> = {}): Promise<Cluster> {
    return new Cluster(await mkdtemp(join(tmpdir(), 'mpc-test-')), { hello: 2_500, sign: 10_000, presign: 20_000, keygen: 20_000, reshare: 20_000, ...timeouts });
  }

  /** Starts (or restarts) the node `label`; `wrap` may replace its transport (e.g. with a misbehaving one). */
  async start(label: string, options: { wrap?: (t: WsMpcTransport, key: string) => MpcTransport; shareKey?: Buffer; poolTarget?: number } = {}): Promise<Node> {
    const key = nodeKey(label);
    const address = addressOf(key);
    const transport = await WsMpcTransport.listen({ host: '127.0.0.1', port: 0 });
    const store = new ShareStore(this.dir, address, options.shareKey ?? SHARE_KEY);
    const peers = () => [...this.nodes.values()].map((n) => n.address);
    const party = await MpcParty.open({
      nodeKey: key,
      transport: options.wrap ? options.wrap(transport, key) : transport,
      store,
      network: NETWORK,
      timeouts: this.timeouts,
      knownPeers: peers,
      presignPoolTarget: options.poolTarget ?? 0,
    });
    const node: Node = { label, key, address, transport, party, faults: [], drops: [] };
    party.onFault((p, session, reason) => node.faults.push({ party: p, session, reason }));
    party.onDrop((reason, detail) => node.drops.push({ reason, detail }));
    this.nodes.set(label, node);
    this.link();
    return node;
  }

  /** Every transport learns every other node's URL. */
  private link(): void {
    for (const a of this.nodes.values()) for (const b of this.nodes.values()) if (a !== b) a.transport.setPeer(b.address, b.transport.url);
  }

  get(label: string): Node {
    const node = this.nodes.get(label);
    if (!node) throw new Error(`no node ${label}`);
    return node;
  }

  addresses(labels: string[]): Address[] {
    return labels.map((l) => this.get(l).address);
  }

  /** Stops a node (its party and its port); its share file stays. */
  async stop(label: string): Promise<void> {
    const node = this.get(label);
    await node.party.close();
    await node.transport.close();
    this.nodes.delete(label);
  }

  async close(): Promise<void> {
    for (const label of [...this.nodes.keys()]) await this.stop(label);
    await rm(this.dir, { recursive: true, force: true });
  }
}
