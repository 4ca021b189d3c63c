import { JsonRpcProvider, Wallet, keccak256, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatchData } from '../../../../node/host/batcher/batch-data.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { deployL1, type L1Deployment } from '../../../../node/l1/deploy.ts';
import { startL1Node, type L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { freePort } from '../../../support/ports.ts';
import { devWallet, startTestHost, until, type TestHost } from '../harness.ts';

// L1 dev accounts (Hardhat mnemonic): 0 deploys, 9 relays batches. The MPC stands in as one local key (tests only).
const MPC_KEY = Wallet.createRandom().privateKey as Hex;
let l1: L1Node;
let l1Provider: JsonRpcProvider;
let deployment: L1Deployment;
let t: TestHost;
let l2: JsonRpcProvider;

async function raw(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

beforeAll(async () => {
  l1 = await startL1Node({ port: await freePort(), blockIntervalMs: 250 });
  l1Provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
  deployment = await deployL1({ runner: devWallet(0).connect(l1Provider), mpc: new Wallet(MPC_KEY).address });
  t = await startTestHost({
    batcher: {
      l1Url: l1.url,
      batchChain: deployment.addresses.batchChain as Hex,
      l1Key: devWallet(9).privateKey as Hex,
      signer: { kind: 'local-key', key: MPC_KEY },
      maxBatchTxs: 1000,
      maxBatchBlocks: 1000,
      maxBatchAgeMs: 300,
      l1Confirmations: 2,
      pollMs: 200,
    },
  });
  l2 = new JsonRpcProvider(t.host.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
});

afterAll(async () => {
  l2?.destroy();
  await t?.stop();
  l1Provider?.destroy();
  await l1?.stop();
});

describe('batches on L1 (EDR BatchChain, MPC address stood in by LocalKeySigner)', () => {
  it('batches blocks, lands them on BatchChain, finalizes, and proves a transaction on L1', async () => {
    const wallet = devWallet(1).connect(l2);
    const receipts = [];
    for (let i = 0; i < 3; i++) receipts.push(await (await wallet.sendTransaction({ to: devWallet(2).address, value: parseEther('1') })).wait());
    const target = receipts[1]!;
    const proof = await until(async () => {
      const p = await raw('metis_getTransactionProof', [target.hash]);
      return p?.status === 'finalized' ? p : null;
    }, 'a finalized proof', 30_000, 100);
    expect(proof).toMatchObject({ txHash: target.hash, status: 'finalized' });
    // The same proof verifies against the root BatchChain holds.
    expect(await deployment.batchChain.verifyTransaction(proof.batchIndex, target.hash, proof.proof)).toBe(true);
    expect(await deployment.batchChain.verifyTransaction(proof.batchIndex, receipts[0]!.hash, proof.proof)).toBe(proof.proof.length === 0);
    const onL1 = await deployment.batchChain.batches(proof.batchIndex);
    expect(onL1.txRoot).toBe(proof.root);
    // finalized moved past the transaction's block, and metis_batches reports the L1 transaction.
    const finalized = await l2.getBlock('finalized');
    expect(finalized!.number).toBeGreaterThanOrEqual(target.blockNumber!);
    const batches = await raw('metis_batches', [0, 100]);
    const batch = batches.find((b: { index: number }) => b.index === proof.batchIndex);
    expect(batch).toMatchObject({ status: 'finalized', l1TxHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(batch.firstBlock).toBeLessThanOrEqual(target.blockNumber!);
    expect(batch.lastBlock).toBeGreaterThanOrEqual(target.blockNumber!);
    // The stored batch data decodes back to the raw transactions, and its keccak is the dataHash on L1.
    const data = await (t.host.batcher as unknown as { deps: { store: { data(i: number): Promise<Uint8Array | null> } } }).deps.store.data(proof.batchIndex);
    const blocks = await decodeBatchData(data!);
    const hashes = blocks.flatMap((b) => b.transactions).map((raw) => keccak256(raw));
    expect(hashes).toContain(target.hash);
    expect(blocks[0]!.number).toBe(BigInt(batch.firstBlock));
    expect(onL1.dataHash).toBe(batch.dataHash);
  });

  it('contiguous batches: every L2 block from 1 to the last batched block is in exactly one batch', async () => {
    const batches = (await raw('metis_batches', [0, 100])) as { index: number; firstBlock: number; lastBlock: number }[];
    expect(batches.length).toBeGreaterThan(0);
    expect(batches[0]!.firstBlock).toBe(1);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.firstBlock).toBe(batches[i - 1]!.lastBlock + 1);
    expect(Number(await deployment.batchChain.batchCount())).toBeGreaterThanOrEqual(batches.filter((b: any) => b.status !== 'pending').length);
  });
});
