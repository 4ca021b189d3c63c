import { blockSealMessage } from '../../protocol/block-seal.ts';
import type { Hex } from '../encoding/hex.ts';
import { recoverMessageSigner, type NodeKey } from './node-key.ts';

// The host's side of the seal defined in protocol/block-seal.ts, on the native k256 signer.

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
