import type { Hex } from './hex.ts';
import { recoverMessageSigner, type NodeKey } from './node-key.ts';

/**
 * The sequencer's signature on a block: secp256k1 (EIP-191 personal_sign) over `l2-block:<chainId>:<number>:<hash>`,
 * the message the consensus layer checks for equivocation evidence, so a seal binds the chain and height, not only
 * the hash. Two valid seals for one height with different hashes are proof of misbehaviour.
 */
export function blockSealMessage(chainId: bigint, number: bigint, hash: Hex): string {
  return `l2-block:${chainId}:${number}:${hash.toLowerCase()}`;
}

/** The EIP-191 bytes whose keccak256 is signed: "\x19Ethereum Signed Message:\n" + length + message. */
function personalMessage(chainId: bigint, number: bigint, hash: Hex): Buffer {
  const message = Buffer.from(blockSealMessage(chainId, number, hash), 'utf8');
  return Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${message.length}`, 'utf8'), message]);
}

export function sealBlock(key: NodeKey, chainId: bigint, number: bigint, hash: Hex): Hex {
  return key.signMessage(personalMessage(chainId, number, hash));
}

/** The address that sealed the block, or null for a malformed seal. */
export function sealSigner(chainId: bigint, number: bigint, hash: Hex, seal: string): Hex | null {
  return recoverMessageSigner(personalMessage(chainId, number, hash), seal);
}
