import { merkleRoot, TxMerkleTree } from '@l2-sequencer/native';
import type { Hex } from '../../encoding/hex.ts';

/** The transaction Merkle tree shared with BatchChain (OpenZeppelin standard tree, leaves in transaction order). */
export interface TxMerkle {
  root(txHashes: readonly Hex[]): Hex;
  /** A built tree, to prove many transactions of one batch without rebuilding it. */
  tree(txHashes: readonly Hex[]): { root: Hex; proof(index: number): Hex[] };
}

/** The native implementation (seq-merkle). */
export const nativeMerkle: TxMerkle = {
  root: (txHashes) => merkleRoot(txHashes as Hex[]) as Hex,
  tree: (txHashes) => {
    const tree = new TxMerkleTree(txHashes as Hex[]);
    return { root: tree.root as Hex, proof: (index) => tree.proof(index) as Hex[] };
  },
};
