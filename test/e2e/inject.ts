import { sealBlock } from '../../node/identity/block-seal.ts';
import type { Hex } from '../../node/encoding/hex.ts';
import { NodeKey, keccak } from '../../node/identity/node-key.ts';
import { EnvelopeSigner } from '../../node/p2p/envelope.ts';
import type { WireBlock } from '../../node/host/sync/wire.ts';
import { dialAsPeer } from '../support/peer-client.ts';
import { block } from './support.ts';

/**
 * Plays a misbehaving sequencer: with its node key (`sealKey`), takes block `number` that it really produced, makes
 * a second block for the same height (another hash) and seals it; a peer (`relayKey`, any host in the target's peer
 * set) pushes it to one host as the replication protocol does. A host checks a block's seal against the sequencer
 * elected for its height, whoever relays it, so the second seal is the double-sign proof either way. Relaying under
 * another identity than the sealer's keeps the sealer's own link to the target intact (a second link under one
 * identity takes over the first, and peers drop envelopes whose sequence numbers they have already passed).
 */
export async function pushConflictingBlock(options: {
  sourceRpcUrl: string;
  targetPeerUrl: string;
  /** The target host's address: the handshake binds who the dialer expects to reach. */
  targetAddress: Hex;
  sealKey: string;
  relayKey: string;
  l2ChainId: bigint;
  number: number;
}): Promise<{ original: string; conflicting: { hash: Hex; seal: Hex } }> {
  const original = (await block(options.sourceRpcUrl, options.number)) as unknown as Record<string, string> | null;
  if (!original) throw new Error(`block ${options.number} not found`);
  const key = new NodeKey(options.sealKey as Hex);
  const number = BigInt(options.number);
  const hash = `0x${Buffer.from(keccak(Buffer.from(`a second block at height ${options.number}`))).toString('hex')}` as Hex;
  const seal = sealBlock(key, options.l2ChainId, number, hash);
  const wire = wireLike(original, { hash });
  const signer = new EnvelopeSigner(new NodeKey(options.relayKey as Hex), options.l2ChainId.toString());
  const link = await dialAsPeer(options.targetPeerUrl, signer, options.l2ChainId.toString(), options.targetAddress, 10_000);
  link.send('blocks', { type: 'block', block: wire, seal });
  await new Promise((resolve) => setTimeout(resolve, 500));
  link.ws.close();
  return { original: original.hash!, conflicting: { hash, seal } };
}

/**
 * A block for the wire with the header fields of `original` (an eth_getBlockByNumber answer) and no transactions,
 * `changes` applied: what a misbehaving sequencer seals in place of a real block.
 */
export function wireLike(original: Record<string, string>, changes: Partial<WireBlock> & { hash: Hex }): WireBlock {
  return {
    number: original.number as Hex,
    timestamp: original.timestamp as Hex,
    beneficiary: original.miner!.toLowerCase() as Hex,
    gasLimit: original.gasLimit as Hex,
    parentHash: original.parentHash as Hex,
    stateRoot: original.stateRoot as Hex,
    transactionsRoot: original.transactionsRoot as Hex,
    receiptsRoot: original.receiptsRoot as Hex,
    transactions: [],
    ...changes,
  };
}
