import { keccak_256 } from '@noble/hashes/sha3.js';
import type { Hex } from './hex.ts';
import { recoverSigner, type NodeKey } from './node-key.ts';

/**
 * The sequencer's signature on a block: secp256k1 (EIP-191 personal_sign) over `l2-block:<chainId>:<number>:<hash>`,
 * the message the consensus layer checks for equivocation evidence, so a seal binds the chain and height, not only
 * the hash. Two valid seals for one height with different hashes are proof of misbehaviour.
 */
export function blockSealMessage(chainId: bigint, number: bigint, hash: Hex): string {
  return `l2-block:${chainId}:${number}:${hash.toLowerCase()}`;
}

export function blockSealDigest(chainId: bigint, number: bigint, hash: Hex): Uint8Array {
  const message = Buffer.from(blockSealMessage(chainId, number, hash), 'utf8');
  const prefix = Buffer.from(`\x19Ethereum Signed Message:\n${message.length}`, 'utf8');
  return keccak_256(Buffer.concat([prefix, message]));
}

export function sealBlock(key: NodeKey, chainId: bigint, number: bigint, hash: Hex): Hex {
  return key.sign(blockSealDigest(chainId, number, hash));
}

/** The address that sealed the block, or null for a malformed seal. */
export function sealSigner(chainId: bigint, number: bigint, hash: Hex, seal: string): Hex | null {
  return recoverSigner(blockSealDigest(chainId, number, hash), seal);
}
