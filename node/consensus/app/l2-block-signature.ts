import { Wallet, verifyMessage } from 'ethers';
import type { Address, Hex } from './types.ts';

/**
 * What a sequencer signs for every L2 block it produces (EIP-191 personal_sign with its L1 signer key). Two such
 * signatures for one height with different hashes are self-contained proof of equivocation.
 */
export function l2BlockSigningMessage(l2ChainId: number, number: number, hash: Hex): string {
  return `l2-block:${l2ChainId}:${number}:${hash.toLowerCase()}`;
}

export function signL2Block(signerKey: string, l2ChainId: number, number: number, hash: Hex): Hex {
  return new Wallet(signerKey).signMessageSync(l2BlockSigningMessage(l2ChainId, number, hash)) as Hex;
}

/** The signer of an L2 block header signature, or null when the signature does not parse. */
export function recoverL2BlockSigner(l2ChainId: number, number: number, hash: Hex, signature: Hex): Address | null {
  try {
    return verifyMessage(l2BlockSigningMessage(l2ChainId, number, hash), signature).toLowerCase() as Address;
  } catch {
    return null;
  }
}
