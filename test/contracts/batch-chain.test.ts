import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { TypedDataEncoder, Wallet, ZeroAddress, ZeroHash, id, keccak256, parseEther, toUtf8Bytes, type BaseContract, type HDNodeWallet } from 'ethers';
import { deployContract, deployL1, type BatchChainContract, type LockingPoolContract } from '../../node/l1/deploy.ts';
import { BATCH_TYPES, batchChainDomain, batchDigest, type BatchHeader } from '../../node/l1/typed-data.ts';
import { VECTORS_PATH, renderMerkleVectors, type MerkleVectors } from '../vectors/merkle-vectors.ts';
import { expectEvent, expectRevert, malleate, send, useChain, viaTimelock } from './fixture.ts';

let pool: LockingPoolContract;
let chainContract: BatchChainContract;
let batchChainAddress: string;
let gov: HDNodeWallet;
let relayer: HDNodeWallet;
let mpc: Wallet;
const impostor = new Wallet(id('impostor'));
const nextMpc = new Wallet(id('mpc:next'));

const chain = useChain(async ({ accounts }) => {
  [gov, relayer] = accounts as [HDNodeWallet, HDNodeWallet];
  mpc = new Wallet(id('mpc:genesis'), chain.provider);
  await (await gov.sendTransaction({ to: mpc.address, value: parseEther('10') })).wait();
  const deployment = await deployL1({ runner: gov, mpc: mpc.address });
  pool = deployment.lockingPool;
  chainContract = deployment.batchChain.connect(relayer);
  batchChainAddress = deployment.addresses.batchChain;
});

const domain = () => batchChainDomain(31337n, batchChainAddress);

/** Batch data by its keccak256: what a relayer posts beside a header (BatchChain checks it against dataHash). */
const preimages = new Map<string, Uint8Array>();
function dataHashOf(label: string): string {
  const data = toUtf8Bytes(label);
  preimages.set(keccak256(data), data);
  return keccak256(data);
}
function posted(batch: BatchHeader): Uint8Array {
  const data = preimages.get(batch.dataHash);
  if (!data) throw new Error(`no data known for dataHash ${batch.dataHash}`);
  return data;
}

function header(index: bigint, firstBlock: bigint, lastBlock: bigint, txRoot = id(`tx:${index}`)): BatchHeader {
  return { index, firstBlock, lastBlock, txRoot, stateRoot: id(`state:${index}`), dataHash: dataHashOf(`data:${index}`) };
}

async function sign(batch: BatchHeader, key: Wallet = mpc, onDomain = domain()): Promise<string> {
  return await key.signTypedData(onDomain, BATCH_TYPES, batch);
}

async function append(batch: BatchHeader): Promise<void> {
  await send(chainContract.appendBatch(batch, await sign(batch), posted(batch)));
}

/** Appends consecutive batches with the given [firstBlock, lastBlock] ranges, starting at index 0. */
async function appendRanges(ranges: [bigint, bigint][]): Promise<void> {
  for (const [index, [first, last]] of ranges.entries()) await append(header(BigInt(index), first, last));
}

function txTree(hashes: string[]) {
  return StandardMerkleTree.of(
    hashes.map((hash) => [hash]),
    ['bytes32'],
    { sortLeaves: false },
  );
}

describe('BatchChain deployment', () => {
  it('starts empty at firstL2Block', async () => {
    expect(await chainContract.batchCount()).toBe(0n);
    expect(await chainContract.firstL2Block()).toBe(1n);
    expect(await chainContract.lastL2Block()).toBe(0n);
    expect(await chainContract.nextFirstBlock()).toBe(1n);
    expect(await chainContract.lockingPool()).toBe(await pool.getAddress());
    await expectRevert(chainContract.batches(0n), chainContract, 'UnknownBatch', [0n]);
    await expectRevert(chainContract.batchOfBlock(1n), chainContract, 'BlockNotBatched', [1n]);
    await expectRevert(chainContract.verifyTransaction(0n, ZeroHash, []), chainContract, 'UnknownBatch', [0n]);
  });

  it('rejects block 0 as the first L2 block and a zero LockingPool', async () => {
    const poolAddress = await pool.getAddress();
    await expectRevert(deployContract('BatchChain', gov, [poolAddress, 0n]), chainContract, 'InvalidFirstL2Block', []);
    await expectRevert(deployContract('BatchChain', gov, [ZeroAddress, 1n]), chainContract, 'ZeroAddress', []);
  });

  it('publishes its EIP-712 domain and type hash', async () => {
    expect(await chainContract.DOMAIN_SEPARATOR()).toBe(TypedDataEncoder.hashDomain(domain()));
    const typeHash = await chainContract.getFunction('BATCH_TYPEHASH').staticCall();
    expect(typeHash).toBe(id('Batch(uint64 index,uint64 firstBlock,uint64 lastBlock,bytes32 txRoot,bytes32 stateRoot,bytes32 dataHash)'));
  });
});

describe('appendBatch', () => {
  it('appends an MPC-signed batch relayed by anyone and logs it', async () => {
    const batch = header(0n, 1n, 10n);
    const signature = await sign(batch);
    const receipt = await send(chainContract.appendBatch(batch, signature, posted(batch)));
    expectEvent(receipt, chainContract, 'BatchAppended', [0n, 1n, 10n, batch.txRoot, batch.stateRoot, batch.dataHash, relayer.address]);
    expect(await chainContract.batchCount()).toBe(1n);
    const stored = await chainContract.batches(0n);
    expect([stored.index, stored.firstBlock, stored.lastBlock, stored.txRoot, stored.stateRoot, stored.dataHash]).toEqual([
      0n,
      1n,
      10n,
      batch.txRoot,
      batch.stateRoot,
      batch.dataHash,
    ]);
    expect(await chainContract.lastL2Block()).toBe(10n);
    expect(await chainContract.nextFirstBlock()).toBe(11n);
    // The digest helper is what a threshold signer signs.
    expect(mpc.signingKey.sign(batchDigest(domain(), batch)).serialized).toBe(signature);
  });

  it('chains batches, including one-block batches', async () => {
    await appendRanges([
      [1n, 10n],
      [11n, 11n],
      [12n, 40n],
    ]);
    expect(await chainContract.batchCount()).toBe(3n);
    expect(await chainContract.lastL2Block()).toBe(40n);
  });

  it('rejects a replay, also with other contents', async () => {
    const batch = header(0n, 1n, 10n);
    const signature = await sign(batch);
    await send(chainContract.appendBatch(batch, signature, posted(batch)));
    await expectRevert(chainContract.appendBatch(batch, signature, posted(batch)), chainContract, 'BatchAlreadyAppended', [0n]);
    const rewrite = header(0n, 1n, 12n, id('other'));
    await expectRevert(chainContract.appendBatch(rewrite, await sign(rewrite), posted(rewrite)), chainContract, 'BatchAlreadyAppended', [0n]);
  });

  it('rejects an index gap', async () => {
    await append(header(0n, 1n, 10n));
    const skipped = header(2n, 11n, 20n);
    await expectRevert(chainContract.appendBatch(skipped, await sign(skipped), posted(skipped)), chainContract, 'BatchIndexGap', [1n, 2n]);
  });

  it('rejects a block gap and a block overlap, from the first batch on', async () => {
    for (const [first, error, args] of [
      [2n, 'BlockRangeGap', [1n, 2n]],
      [0n, 'BlockRangeOverlap', [1n, 0n]],
    ] as const) {
      const batch = header(0n, first, 10n);
      await expectRevert(chainContract.appendBatch(batch, await sign(batch), posted(batch)), chainContract, error, [...args]);
    }
    await append(header(0n, 1n, 10n));
    const gap = header(1n, 12n, 20n);
    await expectRevert(chainContract.appendBatch(gap, await sign(gap), posted(gap)), chainContract, 'BlockRangeGap', [11n, 12n]);
    const overlap = header(1n, 10n, 20n);
    await expectRevert(chainContract.appendBatch(overlap, await sign(overlap), posted(overlap)), chainContract, 'BlockRangeOverlap', [11n, 10n]);
  });

  it('rejects an inverted block range', async () => {
    await append(header(0n, 1n, 10n));
    const inverted = header(1n, 11n, 10n);
    await expectRevert(chainContract.appendBatch(inverted, await sign(inverted), posted(inverted)), chainContract, 'InvalidBlockRange', [11n, 10n]);
  });

  it('rejects a wrong signer, a changed field, another domain and malformed signatures', async () => {
    const batch = header(0n, 1n, 10n);
    await expectRevert(chainContract.appendBatch(batch, await sign(batch, impostor), posted(batch)), chainContract, 'InvalidMpcSignature', [
      impostor.address,
      mpc.address,
    ]);
    const signature = await sign(batch);
    for (const field of ['txRoot', 'stateRoot', 'dataHash'] as const) {
      const changed = { ...batch, [field]: dataHashOf('tampered') };
      await expectRevert(chainContract.appendBatch(changed, signature, posted(changed)), chainContract, 'InvalidMpcSignature');
    }
    await expectRevert(chainContract.appendBatch({ ...batch, lastBlock: 11n }, signature, posted({ ...batch, lastBlock: 11n })), chainContract, 'InvalidMpcSignature');
    const otherContract = await sign(batch, mpc, batchChainDomain(31337n, await pool.getAddress()));
    await expectRevert(chainContract.appendBatch(batch, otherContract, posted(batch)), chainContract, 'InvalidMpcSignature');
    const otherChain = await sign(batch, mpc, batchChainDomain(1n, batchChainAddress));
    await expectRevert(chainContract.appendBatch(batch, otherChain, posted(batch)), chainContract, 'InvalidMpcSignature');
    await expectRevert(chainContract.appendBatch(batch, malleate(signature), posted(batch)), chainContract, 'ECDSAInvalidSignatureS');
    await expectRevert(chainContract.appendBatch(batch, signature.slice(0, 130), posted(batch)), chainContract, 'ECDSAInvalidSignatureLength', [64n]);
    expect(await chainContract.batchCount()).toBe(0n);
  });

  it('reads the MPC from the LockingPool at call time', async () => {
    await send(pool.connect(mpc).updateMpc(nextMpc.address));
    const batch = header(0n, 1n, 10n);
    await expectRevert(chainContract.appendBatch(batch, await sign(batch), posted(batch)), chainContract, 'InvalidMpcSignature', [
      mpc.address,
      nextMpc.address,
    ]);
    await send(chainContract.appendBatch(batch, await sign(batch, nextMpc), posted(batch)));
  });

  it('refuses everything until the LockingPool has an MPC, and honours a custom first block', async () => {
    const bare = await deployL1({ runner: gov, firstL2Block: 100n });
    const batchChain = bare.batchChain.connect(relayer);
    const onBare = batchChainDomain(31337n, bare.addresses.batchChain);
    const batch = header(0n, 100n, 120n);
    await expectRevert(batchChain.appendBatch(batch, await sign(batch, mpc, onBare), posted(batch)), batchChain, 'MpcNotSet', []);
    await send(viaTimelock(chain.provider, bare.timelock, bare.lockingPool, 'setGenesisMpc', [mpc.address]));
    const early = header(0n, 1n, 120n);
    await expectRevert(batchChain.appendBatch(early, await sign(early, mpc, onBare), posted(early)), batchChain, 'BlockRangeOverlap', [100n, 1n]);
    await send(batchChain.appendBatch(batch, await sign(batch, mpc, onBare), posted(batch)));
    expect(await batchChain.lastL2Block()).toBe(120n);
  });
});

describe('batch data on L1', () => {
  it('calldata mode: hashes the posted data against the signed dataHash, and logs where a deriver finds it', async () => {
    const batch = header(0n, 1n, 10n);
    const receipt = await send(chainContract.appendBatch(batch, await sign(batch), posted(batch)));
    expectEvent(receipt, chainContract, 'BatchData', [0n, 0n, []]);
    // The emitting transaction's own input carries the data: decoding it is all a deriver does.
    const tx = await chain.provider.getTransaction(receipt.hash);
    const [, , data] = chainContract.interface.decodeFunctionData('appendBatch', tx?.data as string);
    expect(keccak256(data as string)).toBe(batch.dataHash);
  });

  it('refuses tampered calldata: one flipped byte, a truncation, or nothing', async () => {
    const batch = header(0n, 1n, 10n);
    const signature = await sign(batch);
    const data = posted(batch);
    const flipped = Uint8Array.from(data);
    flipped[3] = (flipped[3] as number) ^ 0x01;
    for (const tampered of [flipped, data.subarray(0, data.length - 1), new Uint8Array(0)]) {
      await expectRevert(chainContract.appendBatch(batch, signature, tampered), chainContract, 'DataHashMismatch', [batch.dataHash, keccak256(tampered)]);
    }
    expect(await chainContract.batchCount()).toBe(0n);
  });

  it('refuses calldata-mode data relayed through a contract (not in the transaction input)', async () => {
    const forwarder = await deployContract<BaseContract>('BatchForwarder', relayer, []);
    const batch = header(0n, 1n, 10n);
    const call = chainContract.interface.encodeFunctionData('appendBatch', [batch, await sign(batch), posted(batch)]);
    await expectRevert(forwarder.getFunction('forward')(batchChainAddress, call), chainContract, 'CalldataNotTopLevel', []);
  });

  it('blob mode: refuses a transaction without blobs', async () => {
    const batch = header(0n, 1n, 10n);
    await expectRevert(chainContract.appendBatchBlobs(batch, await sign(batch)), chainContract, 'NoBlobs', []);
  });
});

describe('batchOfBlock', () => {
  it('finds the batch of every block by binary search', async () => {
    const ranges: [bigint, bigint][] = [
      [1n, 10n],
      [11n, 11n],
      [12n, 40n],
      [41n, 41n],
      [42n, 100n],
    ];
    await appendRanges(ranges);
    for (let block = 1n; block <= 100n; block++) {
      const expected = ranges.findIndex(([first, last]) => block >= first && block <= last);
      expect(await chainContract.batchOfBlock(block)).toBe(BigInt(expected));
    }
    await expectRevert(chainContract.batchOfBlock(0n), chainContract, 'BlockNotBatched', [0n]);
    await expectRevert(chainContract.batchOfBlock(101n), chainContract, 'BlockNotBatched', [101n]);
  });
});

describe('verifyTransaction', () => {
  const hashesA = Array.from({ length: 1000 }, (_, i) => keccak256(`0x${i.toString(16).padStart(8, '0')}`));
  const hashesB = Array.from({ length: 7 }, (_, i) => id(`batch B tx ${i}`));

  it('accepts OpenZeppelin merkle-tree proofs and rejects bad proofs, wrong batches and foreign transactions', async () => {
    const treeA = txTree(hashesA);
    const treeB = txTree(hashesB);
    await append(header(0n, 1n, 50n, treeA.root));
    await append(header(1n, 51n, 52n, treeB.root));

    for (const index of [0, 1, 2, 499, 511, 512, 998, 999]) {
      const hash = hashesA[index] as string;
      const proof = treeA.getProof(index);
      expect(proof.length).toBeGreaterThanOrEqual(9);
      expect(await chainContract.verifyTransaction(0n, hash, proof)).toBe(true);
      expect(await chainContract.verifyTransaction(1n, hash, proof)).toBe(false);
    }
    const proof = treeA.getProof(7);
    const hash = hashesA[7] as string;
    const flipped = [...proof];
    flipped[3] = id('not a sibling');
    expect(await chainContract.verifyTransaction(0n, hash, flipped)).toBe(false);
    expect(await chainContract.verifyTransaction(0n, hash, proof.slice(0, -1))).toBe(false);
    expect(await chainContract.verifyTransaction(0n, hashesA[8] as string, proof)).toBe(false);
    expect(await chainContract.verifyTransaction(0n, id('never sent'), proof)).toBe(false);
    // The leaf itself is not a transaction hash: the double hash stops second-preimage tricks with inner nodes.
    expect(await chainContract.verifyTransaction(0n, treeA.leafHash([hash]), proof)).toBe(false);
    for (const [index, txHash] of hashesB.entries()) {
      expect(await chainContract.verifyTransaction(1n, txHash, treeB.getProof(index))).toBe(true);
    }
    await expectRevert(chainContract.verifyTransaction(2n, hash, proof), chainContract, 'UnknownBatch', [2n]);
  });

  it('verifies every proof of the shared vectors (test/vectors/merkle.json) on chain', async () => {
    const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as MerkleVectors;
    let block = 1n;
    for (const [index, vector] of vectors.cases.entries()) {
      await append(header(BigInt(index), block, block, vector.root));
      block += 1n;
      for (const { index: txIndex, proof } of vector.proofs) {
        expect(await chainContract.verifyTransaction(BigInt(index), vector.txHashes[txIndex] as string, proof)).toBe(true);
      }
    }
  });
});

describe('shared Merkle vectors', () => {
  it('test/vectors/merkle.json is what @openzeppelin/merkle-tree computes today', () => {
    expect(readFileSync(VECTORS_PATH, 'utf8')).toBe(renderMerkleVectors());
  });

  it('roots and leaves follow the documented layout', () => {
    const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as MerkleVectors;
    for (const vector of vectors.cases) {
      // Rebuild the tree by hand from the documented rule, independently of the library's code path.
      const n = vector.leaves.length;
      const nodes: string[] = new Array(2 * n - 1);
      for (const [i, leaf] of vector.leaves.entries()) nodes[2 * n - 2 - i] = leaf;
      for (let k = n - 2; k >= 0; k--) {
        const [a, b] = [nodes[2 * k + 1] as string, nodes[2 * k + 2] as string].sort();
        nodes[k] = keccak256(`0x${(a as string).slice(2)}${(b as string).slice(2)}`);
      }
      expect(nodes[0]).toBe(vector.root);
      for (const [i, hash] of vector.txHashes.entries()) expect(vector.leaves[i]).toBe(keccak256(keccak256(hash)));
    }
  });
});
