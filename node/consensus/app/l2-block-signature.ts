import { Wallet, verifyMessage } from 'ethers';
import { blockSealMessage } from '../../../protocol/block-seal.ts';
import type { Address, Hex } from '../../../protocol/consensus/types.ts';

// The consensus app's side of the seal defined in protocol/block-seal.ts (ethers: deterministic, no native code).

export function signL2Block(signerKey: string, l2ChainId: number, number: number, hash: Hex): Hex {
  return new Wallet(signerKey).signMessageSync(blockSealMessage(l2ChainId, number, hash)) as Hex;
}

/** The signer of an L2 block header signature, or null when the signature does not parse. */
export function recoverL2BlockSigner(l2ChainId: number, number: number, hash: Hex, signature: Hex): Address | null {
  try {
    return verifyMessage(blockSealMessage(l2ChainId, number, hash), signature).toLowerCase() as Address;
  } catch {
    return null;
  }
}
