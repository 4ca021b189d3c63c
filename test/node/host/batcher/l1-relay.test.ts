import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchSignRequest, LocalKeySigner } from '../../../../node/host/batcher/batch-signer.ts';
import { BatchStore, type BatchRecord } from '../../../../node/host/batcher/batch-store.ts';
import { L1Relay } from '../../../../node/host/batcher/l1-relay.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { deployL1, type L1Deployment } from '../../../../node/l1/deploy.ts';
import type { L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { BatchChainSubmitter } from '../../../../node/l1/submitter.ts';
import { startTestL1 } from '../../../support/l1.ts';
import { devWallet } from '../harness.ts';

const MPC = new LocalKeySigner(Wallet.createRandom().privateKey as Hex);
const relayer = devWallet(9);
let l1: L1Node;
let provider: JsonRpcProvider;
let deployment: L1Deployment;
let submitter: BatchChainSubmitter;
let dir: string;

const root = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
async function signedBatch(index: number, firstBlock: number, lastBlock: number, seed: number): Promise<BatchRecord> {
  const record: BatchRecord = { index, firstBlock, lastBlock, txCount: 1, txRoot: root(seed), stateRoot: root(seed + 1), dataHash: root(seed + 2), signature: null, status: 'built', l1TxHash: null, l1BlockNumber: null };
  const header = { index: BigInt(index), firstBlock: BigInt(firstBlock), lastBlock: BigInt(lastBlock), txRoot: record.txRoot, stateRoot: record.stateRoot, dataHash: record.dataHash };
  return { ...record, signature: await MPC.sign(batchSignRequest(header, deployment.chainId, submitter.address)), status: 'signed' };
}
const relayerNonce = () => provider.getTransactionCount(relayer.address, 'latest');

beforeAll(async () => {
  l1 = await startTestL1();
  provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  deployment = await deployL1({ runner: devWallet(0).connect(provider), mpc: MPC.address });
  submitter = new BatchChainSubmitter(deployment.addresses.batchChain, relayer.connect(provider));
  dir = await mkdtemp(join(tmpdir(), 'relay-'));
});
afterAll(async () => {
  provider?.destroy();
  await l1?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('L1 relay: a batch is appended once, whatever crashes', () => {
  it('crash after sending: the restarted relay finds its own transaction instead of sending another', async () => {
    const store = await BatchStore.open(join(dir, 'a'));
    const batch = await signedBatch(0, 1, 5, 10);
    await store.put(batch);
    // What the relay persists before sending, then the send; then the process "dies".
    const prepared = await submitter.prepareAppend({ index: 0n, firstBlock: 1n, lastBlock: 5n, txRoot: batch.txRoot, stateRoot: batch.stateRoot, dataHash: batch.dataHash }, batch.signature!);
    await store.put({ ...batch, l1TxHash: prepared.txHash, l1RawTx: prepared.raw });
    await submitter.broadcast(prepared.raw);
    const nonce = await relayerNonce();

    const restarted = await BatchStore.open(join(dir, 'a'));
    await new L1Relay(submitter, restarted).submit(restarted.get(0)!);
    expect(await relayerNonce()).toBe(nonce);
    expect(restarted.get(0)).toMatchObject({ status: 'submitted', l1TxHash: prepared.txHash });
    expect(Number(await deployment.batchChain.batchCount())).toBe(1);
  });

  it('crash before the outcome was saved: batchCount shows it landed, nothing is sent again', async () => {
    const store = await BatchStore.open(join(dir, 'b'));
    const batch = await signedBatch(1, 6, 9, 20);
    await store.put({ ...(await signedBatch(0, 1, 5, 10)), status: 'submitted' });
    await store.put(batch);
    await new L1Relay(submitter, store).submit(store.get(1)!);
    expect(Number(await deployment.batchChain.batchCount())).toBe(2);
    const nonce = await relayerNonce();
    // A second relay over a store that never learned the outcome (status still signed, no tx hash).
    const stale = await BatchStore.open(join(dir, 'b2'));
    await stale.put({ ...(await signedBatch(0, 1, 5, 10)), status: 'submitted' });
    await stale.put(batch);
    await new L1Relay(submitter, stale).submit(stale.get(1)!);
    expect(await relayerNonce()).toBe(nonce);
    expect(stale.get(1)).toMatchObject({ status: 'submitted', l1TxHash: expect.stringMatching(/^0x/) });
  });

  it('a local batch L1 contradicts is replaced by L1 batch; gaps in the index are never sent', async () => {
    const store = await BatchStore.open(join(dir, 'c'));
    await store.put({ ...(await signedBatch(0, 1, 5, 10)), status: 'submitted' });
    await store.put(await signedBatch(1, 6, 8, 99)); // a different batch 1 than L1's (6..9)
    const relay = new L1Relay(submitter, store);
    await relay.importFromL1();
    expect(store.get(1)).toMatchObject({ firstBlock: 6, lastBlock: 9, status: 'submitted', imported: true });
    const nonce = await relayerNonce();
    // Batch 3 cannot go before batch 2: the relay sends nothing.
    await store.put(await signedBatch(2, 10, 12, 30));
    await store.put(await signedBatch(3, 13, 14, 40));
    await relay.submit(store.get(3)!);
    expect(await relayerNonce()).toBe(nonce);
    await relay.submit(store.get(2)!);
    await relay.submit(store.get(3)!);
    expect(Number(await deployment.batchChain.batchCount())).toBe(4);
  });
});
