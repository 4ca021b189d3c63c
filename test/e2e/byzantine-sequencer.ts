import { join } from 'node:path';
import WebSocket from 'ws';
import { sealBlock } from '../../node/identity/block-seal.ts';
import type { Hex } from '../../node/encoding/hex.ts';
import { NodeKey, keccak } from '../../node/identity/node-key.ts';
import { devnetShareKey } from '../../node/tools/devnet/hosts.ts';
import { sealEnvelope } from '../../node/mpc/envelope.ts';
import { HeldKey } from '../../node/mpc/held-key.ts';
import { NodeSigner, type Address } from '../../node/mpc/identity.ts';
import { ShareStore, shareKeyFromEnv } from '../../node/mpc/share-store.ts';
import { EnvelopeSigner } from '../../node/p2p/envelope.ts';
import type { WireBlock } from '../../node/host/sync/wire.ts';
import { dialAsPeer, type RawPeerLink } from '../support/peer-client.ts';
import { wireLike } from './inject.ts';
import { block } from './support.ts';

export interface HonestPeer {
  address: Hex;
  peerUrl: string;
  rpcUrl: string;
}

const hashOf = (text: string) => `0x${Buffer.from(keccak(Buffer.from(text))).toString('hex')}` as Hex;

/**
 * A Byzantine sequencer for the tests: it holds a real staked node key (one of the devnet's sequencers, whose own
 * process the test stops) and speaks the real peer protocol (the v2 handshake, signed envelopes) to the honest
 * hosts, and then does what an honest host never does: oversize frames, forged heads, blocks with warped headers,
 * two blocks at one height, and floods of MPC presignature invitations. Everything it signs is real evidence.
 */
export class ByzantineSequencer {
  readonly key: NodeKey;
  private readonly privateKey: string;
  private readonly network: string;
  private readonly chainId: bigint;
  private readonly signer: EnvelopeSigner;
  private links: { peer: HonestPeer; link: RawPeerLink }[] = [];

  constructor(options: { privateKey: string; chainId: bigint }) {
    this.privateKey = options.privateKey;
    this.key = new NodeKey(options.privateKey as Hex);
    this.chainId = options.chainId;
    this.network = options.chainId.toString();
    this.signer = new EnvelopeSigner(this.key, this.network);
  }

  get address(): Hex {
    return this.key.address;
  }

  /** Completes the peer handshake with every honest host under this sequencer's own identity. */
  async connect(peers: readonly HonestPeer[]): Promise<void> {
    this.close();
    this.links = await Promise.all(peers.map(async (peer) => ({ peer, link: await dialAsPeer(peer.peerUrl, this.signer, this.network, peer.address) })));
  }

  /** Links the honest hosts have not closed. */
  openLinks(): number {
    return this.links.filter(({ link }) => link.ws.readyState === WebSocket.OPEN).length;
  }

  close(): void {
    for (const { link } of this.links) link.ws.terminate();
    this.links = [];
  }

  /** One frame over `bytes` on an authenticated link: the host must close that link, and only that link. */
  async sendOversizeFrame(bytes: number): Promise<number> {
    const { link } = this.links[0]!;
    const closed = new Promise<number>((resolve) => link.ws.once('close', (code) => resolve(code)));
    link.ws.send(Buffer.alloc(bytes, 0x7b));
    return closed;
  }

  /** Claims a head it has no block for (2^64 - 1 by default): it must not stop anyone's liveness verdicts. */
  forgeHeads(number: bigint = 2n ** 64n - 1n): void {
    const payload = { type: 'head', number: `0x${number.toString(16)}`, hash: hashOf(`forged head ${number}`) };
    for (const { link } of this.links) link.send('blocks', payload);
  }

  /**
   * Seals and pushes a block for `number` built on the honest chain's parent, with header fields warped (a future
   * timestamp, a zero base fee, a huge gas limit): every follower must refuse it by the header rules.
   */
  async pushWarpedBlock(number: number, warp: Partial<WireBlock>): Promise<Hex> {
    const source = this.links[0]!.peer.rpcUrl;
    const parent = (await block(source, number - 1)) as unknown as Record<string, string> | null;
    if (!parent) throw new Error(`no parent for block ${number}`);
    const hash = hashOf(`warped block ${number} ${JSON.stringify(warp)}`);
    // Built on the parent: its number + 1, its hash as parent, one second later, sealed by this sequencer.
    const wire = wireLike(parent, {
      number: `0x${number.toString(16)}` as Hex,
      timestamp: `0x${(BigInt(parent.timestamp!) + 1n).toString(16)}` as Hex,
      beneficiary: this.address,
      parentHash: parent.hash as Hex,
      hash,
      ...warp,
    });
    this.broadcastBlock(wire, sealBlock(this.key, this.chainId, BigInt(number), hash));
    return hash;
  }

  /** Seals a second block for a height this sequencer already produced (another hash): double-sign evidence. */
  async equivocate(number: number): Promise<Hex> {
    const original = (await block(this.links[0]!.peer.rpcUrl, number)) as unknown as Record<string, string> | null;
    if (!original) throw new Error(`block ${number} not found`);
    const hash = hashOf(`a second block at height ${number}`);
    const wire = wireLike(original, { hash });
    this.broadcastBlock(wire, sealBlock(this.key, this.chainId, BigInt(number), hash));
    return hash;
  }

  /**
   * Invites the honest parties into `count` presignature sessions of the real key (this sequencer must be the lowest
   * address of the signing set, as an honest leader is), then never speaks in any of them.
   */
  floodPresignInvitations(options: { dataDir: string; index: number; count: number; signers: readonly Address[] }): Promise<number> {
    return this.keyId(options.dataDir, options.index).then((keyId) => {
      const nodeSigner = new NodeSigner(this.privateKey);
      const signers = [...options.signers].sort();
      let sent = 0;
      for (let n = 0; n < options.count; n++) {
        const session = `presign:flood-${n}-${Date.now()}`;
        const message = sealEnvelope(nodeSigner, this.network, { session, seq: 1, payload: { t: 'i', keyId, signers } });
        for (const { link } of this.links) {
          link.send('mpc', message);
          sent++;
        }
      }
      return sent;
    });
  }

  private async keyId(dataDir: string, index: number): Promise<string> {
    const store = new ShareStore(join(dataDir, `seq-${index}`, 'mpc'), this.address as Address, shareKeyFromEnv({ MPC_SHARE_KEY: devnetShareKey(index) }));
    const stored = await store.load();
    if (!stored) throw new Error(`sequencer ${index} holds no MPC share`);
    return HeldKey.fromStored(stored, this.address as Address).keyId;
  }

  private broadcastBlock(wire: WireBlock, seal: Hex): void {
    for (const { link } of this.links) link.send('blocks', { type: 'block', block: wire, seal });
  }
}
