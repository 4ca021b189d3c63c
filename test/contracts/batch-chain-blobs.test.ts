import { Wallet, id, keccak256, type HDNodeWallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { encodeBatchData } from '../../node/host/batcher/batch-data.ts';
import { batchSignRequest, LocalKeySigner } from '../../node/host/batcher/batch-signer.ts';
import { decodeBlobs } from '../../node/l1/blob-codec.ts';
import { batchBlobs, verifyBlob } from '../../node/l1/blob-sidecar.ts';
import type { Hex } from '../../node/encoding/hex.ts';
import { deployL1, type BatchChainContract, type L1Deployment } from '../../node/l1/deploy.ts';
import { BatchChainSubmitter } from '../../node/l1/submitter.ts';
import type { BatchHeader } from '../../node/l1/typed-data.ts';
import { eventsOf, expectRevert, useChain } from './fixture.ts';

/**
 * Blob mode on the real EDR node (cancun): type-3 transactions whose sidecar the native core builds (seq-blob,
 * c-kzg), sent through eth_sendRawTransaction; BatchChain checks keccak256 of blobhash(0..n-1) against the signed
 * dataHash. (EDR has no beacon API: the blobs themselves cannot be read back from it, see the verifier's notes.)
 */
const MPC = new LocalKeySigner(Wallet.createRandom().privateKey as Hex);
let deployment: L1Deployment;
let batchChain: BatchChainContract;
let submitter: BatchChainSubmitter;

const chain = useChain(async ({ accounts }) => {
  const [gov, relayer] = accounts as [HDNodeWallet, HDNodeWallet];
  deployment = await deployL1({ runner: gov, mpc: MPC.address });
  batchChain = deployment.batchChain.connect(relayer);
  submitter = new BatchChainSubmitter(deployment.addresses.batchChain, relayer);
});

async function batchData(seed: string, txs: number): Promise<Uint8Array> {
  const transactions = Array.from({ length: txs }, (_, i) => keccak256(`0x${Buffer.from(`${seed}:${i}`).toString('hex')}`) as Hex);
  return (await encodeBatchData([{ number: 1n, timestamp: 1_800_000_000n, beneficiary: `0x${'11'.repeat(20)}`, gasLimit: 30_000_000n, transactions }])).compressed;
}

async function signed(dataHash: Hex): Promise<{ header: BatchHeader; signature: Hex }> {
  const header: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 1n, txRoot: id('txs'), stateRoot: id('state'), dataHash };
  return { header, signature: await MPC.sign(batchSignRequest(header, deployment.chainId, deployment.addresses.batchChain.toLowerCase() as Hex)) };
}

describe('BatchChain blob mode (EIP-4844 on EDR)', () => {
  it('appends a batch whose signed dataHash is keccak256 of its blobs versioned hashes, and logs them', async () => {
    // Enough data for two blobs (126,972 payload bytes each): 4,000 incompressible 32-byte "transactions".
    const data = await batchData('two blobs', 4_000);
    const blobs = batchBlobs(data);
    expect(blobs.blobs).toHaveLength(2);
    expect(blobs.versionedHashes.every((hash) => hash.startsWith('0x01'))).toBe(true);
    for (const [i, blob] of blobs.blobs.entries()) expect(verifyBlob(blob, blobs.commitments[i]!, blobs.proofs[i]!)).toBe(true);
    expect(decodeBlobs(blobs.blobs)).toEqual(data);

    const { header, signature } = await signed(blobs.dataHash);
    const prepared = await submitter.prepareAppendBlobs(header, signature, blobs);
    await submitter.broadcast(prepared.raw);
    const receipt = await chain.provider.getTransactionReceipt(prepared.txHash);
    expect(receipt?.status).toBe(1);
    // EDR's receipts carry no blobGasUsed; its block (this transaction alone, automine) does.
    expect((await chain.provider.getBlock(receipt!.blockNumber))?.blobGasUsed).toBe(2n * 131_072n);
    const [event] = eventsOf(receipt!, batchChain, 'BatchData');
    expect(event?.args.toArray()).toEqual([0n, 1n, blobs.versionedHashes]);
    const tx = await chain.provider.getTransaction(prepared.txHash);
    expect(tx?.type).toBe(3);
    expect(tx?.blobVersionedHashes).toEqual(blobs.versionedHashes);
    expect((await batchChain.batches(0n)).dataHash).toBe(blobs.dataHash);
  });

  it('refuses blobs other than the signed ones, and a blob-signed batch sent as calldata', async () => {
    const data = await batchData('signed', 10);
    const signedBlobs = batchBlobs(data);
    const { header, signature } = await signed(signedBlobs.dataHash);
    const otherBlobs = batchBlobs(await batchData('swapped', 10));
    const swapped = await submitter.prepareAppendBlobs(header, signature, otherBlobs);
    // EDR mines the failing transaction and answers its revert data to eth_sendRawTransaction.
    await expectRevert(submitter.broadcast(swapped.raw), batchChain, 'DataHashMismatch', [signedBlobs.dataHash, otherBlobs.dataHash]);
    expect((await chain.provider.getTransactionReceipt(swapped.txHash))?.status).toBe(0);
    await expectRevert(batchChain.appendBatch(header, signature, data), batchChain, 'DataHashMismatch', [signedBlobs.dataHash, keccak256(data)]);
    expect(await batchChain.batchCount()).toBe(0n);
  });
});
