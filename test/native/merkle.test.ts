import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getBytes, hexlify, keccak256, randomBytes } from 'ethers';
import { TxMerkleTree, merkleLeaf, merkleProof, merkleRoot, merkleVerify } from '../../native/index.js';

// The native tree must be OpenZeppelin's StandardMerkleTree over bytes32 tx hashes in transaction order.
const ozTree = (hashes: string[]) => StandardMerkleTree.of(hashes.map((h) => [h]), ['bytes32'], { sortLeaves: false });
const ozVerify = (root: string, hash: string, proof: string[]) => StandardMerkleTree.verify(root, ['bytes32'], [hash], proof);
const randomHashes = (n: number) => Array.from({ length: n }, () => hexlify(randomBytes(32)));
const packed = (hashes: string[]) => Buffer.concat(hashes.map((h) => getBytes(h)));

/** Leaf indices to prove: all of a small tree, both ends and a spread of a large one. */
const indicesOf = (n: number) =>
  n <= 100 ? [...Array(n).keys()] : [0, 1, n - 2, n - 1, ...Array.from({ length: 20 }, (_, k) => Math.floor((k * n) / 20))];

describe('native Merkle tree equals @openzeppelin/merkle-tree', () => {
  it.each([1, 2, 3, 4, 5, 7, 8, 100, 1000])('%i random tx hashes: same root and proofs, proofs verify', (n) => {
    const hashes = randomHashes(n);
    const oz = ozTree(hashes);
    const tree = new TxMerkleTree(hashes);
    expect(merkleRoot(hashes)).toBe(oz.root);
    expect(tree.root).toBe(oz.root);
    expect(tree.leafCount).toBe(n);
    for (const i of indicesOf(n)) {
      const proof = tree.proof(i);
      expect(proof).toEqual(oz.getProof(i));
      expect(ozVerify(oz.root, hashes[i]!, proof)).toBe(true);
      expect(merkleVerify(oz.root, hashes[i]!, proof)).toBe(true);
      expect(merkleLeaf(hashes[i]!)).toBe(oz.leafHash([hashes[i]!]));
    }
    expect(merkleProof(hashes, n - 1)).toEqual(oz.getProof(n - 1));
  });

  it('accepts hashes packed in one buffer, as buffers or as hex, with the same root', () => {
    const hashes = randomHashes(33);
    const root = ozTree(hashes).root;
    expect(merkleRoot(packed(hashes))).toBe(root);
    expect(merkleRoot(hashes.map((h) => getBytes(h)))).toBe(root);
    expect(new TxMerkleTree(packed(hashes)).root).toBe(root);
    expect(merkleProof(packed(hashes), 5)).toEqual(merkleProof(hashes, 5));
  });

  it('orders leaves by transaction, not by value (sortLeaves: false)', () => {
    const hashes = randomHashes(6);
    const reversed = [...hashes].reverse();
    expect(merkleRoot(reversed)).toBe(ozTree(reversed).root);
    expect(merkleRoot(reversed)).not.toBe(merkleRoot(hashes));
  });

  it('matches the shared vectors in test/vectors/merkle.json', () => {
    type Case = { txHashes: string[]; leaves: string[]; root: string; proofs: { index: number; proof: string[] }[] };
    const { cases } = JSON.parse(readFileSync(new URL('../vectors/merkle.json', import.meta.url), 'utf8')) as { cases: Case[] };
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      const tree = new TxMerkleTree(c.txHashes);
      expect(tree.root).toBe(c.root);
      for (const [i, h] of c.txHashes.entries()) expect(merkleLeaf(h)).toBe(c.leaves[i]);
      for (const { index, proof } of c.proofs) expect(tree.proof(index)).toEqual(proof);
    }
  });
});

describe('native Merkle tree refuses bad input', () => {
  const hashes = randomHashes(5);
  const root = merkleRoot(hashes);
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no error';
  };

  it('rejects tampered proofs, foreign leaves and wrong roots', () => {
    const proof = merkleProof(hashes, 2);
    expect(merkleVerify(root, hashes[2]!, proof)).toBe(true);
    expect(merkleVerify(root, hashes[3]!, proof)).toBe(false);
    expect(merkleVerify(root, keccak256(hashes[2]!), proof)).toBe(false);
    expect(merkleVerify(root, hashes[2]!, [keccak256(proof[0]!), ...proof.slice(1)])).toBe(false);
    expect(merkleVerify(root, hashes[2]!, proof.slice(1))).toBe(false);
    expect(merkleVerify(keccak256(root), hashes[2]!, proof)).toBe(false);
  });

  it('throws InvalidHash for hashes that are not 32 bytes of 0x-hex', () => {
    expect(codeOf(() => merkleRoot(['0x1234']))).toBe('InvalidHash');
    expect(codeOf(() => merkleRoot(['not hex']))).toBe('InvalidHash');
    expect(codeOf(() => merkleRoot([new Uint8Array(31)]))).toBe('InvalidHash');
    expect(codeOf(() => merkleRoot(new Uint8Array(33)))).toBe('InvalidHash');
    expect(codeOf(() => merkleVerify(root, '0x00', []))).toBe('InvalidHash');
  });

  it('throws IndexOutOfRange for a proof past the last transaction', () => {
    expect(codeOf(() => merkleProof(hashes, 5))).toBe('IndexOutOfRange');
    expect(codeOf(() => new TxMerkleTree(hashes).proof(9))).toBe('IndexOutOfRange');
  });

  it('gives a batch without transactions the root bytes32(0); a tree of nothing throws Empty', () => {
    expect(merkleRoot([])).toBe('0x' + '00'.repeat(32));
    expect(merkleRoot(new Uint8Array(0))).toBe('0x' + '00'.repeat(32));
    expect(codeOf(() => new TxMerkleTree([]))).toBe('Empty');
    expect(codeOf(() => merkleProof([], 0))).toBe('Empty');
  });
});
