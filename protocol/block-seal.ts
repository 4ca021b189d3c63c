/**
 * The seal: what a sequencer signs for every L2 block it produces, EIP-191 personal_sign by its node key over
 * `l2-block:<chainId>:<number>:<hash>`. Binding the chain and the height, not only the hash, makes two valid seals
 * for one height with different hashes self-contained proof of equivocation. Hosts sign and recover it with the
 * native k256 signer (node/identity/block-seal.ts); the consensus app verifies evidence with ethers
 * (node/consensus/app/l2-block-signature.ts): both from this one definition.
 */
export function blockSealMessage(chainId: bigint | number, number: bigint | number, hash: string): string {
  return `l2-block:${chainId}:${number}:${hash.toLowerCase()}`;
}
