import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { JsonRpcProvider, Wallet, getBytes, id, keccak256, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatchData } from '../../../node/host/batcher/batch-data.ts';
import { batchSignRequest, LocalKeySigner } from '../../../node/host/batcher/batch-signer.ts';
import { batchBlobs } from '../../../node/l1/blob-sidecar.ts';
import { nativeMerkle } from '../../../node/host/batcher/merkle.ts';
import type { Hex } from '../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../node/host/engine/native-engine.ts';
import { resolveVerifierConfig } from '../../../node/derive/config.ts';
import { startVerifier, type Verifier } from '../../../node/derive/verifier.ts';
import { deployL1, type L1Deployment } from '../../../node/l1/deploy.ts';
import { startL1Node, type L1Node } from '../../../node/tools/devnet/edr-node.ts';
import { BatchChainSubmitter } from '../../../node/l1/submitter.ts';
import type { BatchHeader } from '../../../node/l1/typed-data.ts';
import { freePort } from '../../support/ports.ts';
import { devWallet, L2_CHAIN_ID, startTestHost, testGenesis, until, type TestHost } from '../host/harness.ts';

/**
 * The verifier against real components: an EDR L1 with BatchChain, a real host whose batcher posts its batches'
 * data in calldata (the MPC stood in by one local key), then the host gone and a verifier given only the L1 URL,
 * the BatchChain address and the genesis. Then batches that lie: the verifier stops with a report, never a crash.
 */
const MPC_KEY = Wallet.createRandom().privateKey as Hex;
const MPC = new LocalKeySigner(MPC_KEY);
let l1: L1Node;
let l1Provider: JsonRpcProvider;
let deployment: L1Deployment;
const cleanups: (() => Promise<unknown>)[] = [];

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: { code: number; message: string } };
}

async function verifierOn(batchChain: string, overrides: { maxBatchRawBytes?: number } = {}): Promise<Verifier> {
  const dataDir = await mkdtemp(join(tmpdir(), 'verifier-'));
  const config = resolveVerifierConfig({ dataDir, genesis: testGenesis(), l1Url: l1.url, batchChain: batchChain as Hex, rpc: { port: 0 }, pollMs: 100, ...overrides });
  const verifier = await startVerifier(config, { openEngine: (dir, genesis) => openNativeEngine(dir, genesis), log: () => undefined });
  cleanups.push(async () => {
    await verifier.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return verifier;
}

/** Appends `header` with `data` in calldata, signed by the MPC stand-in, as any relayer could. */
async function appendSigned(target: L1Deployment, header: BatchHeader, data: Uint8Array): Promise<void> {
  const signature = await MPC.sign(batchSignRequest(header, target.chainId, target.addresses.batchChain.toLowerCase() as Hex));
  await (await target.batchChain.connect(devWallet(8).connect(l1Provider)).appendBatch(header, signature, data)).wait();
}

beforeAll(async () => {
  l1 = await startL1Node({ port: await freePort(), blockIntervalMs: 250 });
  l1Provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
  deployment = await deployL1({ runner: devWallet(0).connect(l1Provider), mpc: MPC.address });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  l1Provider?.destroy();
  await l1?.stop();
});

describe('verifier: the L2 from L1 alone', () => {
  let host: TestHost;
  let verifier: Verifier;
  let lastBatch: BatchHeader;

  it('re-executes every batch the host posted, reaches the last batch state root, and answers the same reads', async () => {
    host = await startTestHost({
      batcher: { l1Url: l1.url, batchChain: deployment.addresses.batchChain as Hex, l1Key: devWallet(9).privateKey as Hex, signer: { kind: 'local-key', key: MPC_KEY }, maxBatchTxs: 1000, maxBatchBlocks: 1000, maxBatchAgeMs: 300, l1Confirmations: 1, pollMs: 200, maxBatchDataBytes: 400 },
    });
    cleanups.push(() => host.stop());
    const l2 = new JsonRpcProvider(host.host.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const alice = devWallet(1).connect(l2);
    const receipts = [];
    for (let i = 0; i < 4; i++) receipts.push(await (await alice.sendTransaction({ to: devWallet(2 + (i % 2)).address, value: parseEther(String(i + 1)) })).wait());
    const target = receipts.at(-1)!;
    await until(async () => Number(await deployment.batchChain.lastL2Block()) >= target.blockNumber, 'batches on L1 covering the transfers', 30_000, 100);
    // What a wallet read from the sequencer, at the last transfer's block.
    const at = `0x${target.blockNumber.toString(16)}`;
    const before = {
      balances: await Promise.all([1, 2, 3].map((i) => rpc(host.host.rpcUrl, 'eth_getBalance', [devWallet(i).address, at]))),
      receipt: await rpc(host.host.rpcUrl, 'eth_getTransactionReceipt', [target.hash]),
      block: await rpc(host.host.rpcUrl, 'eth_getBlockByNumber', [at, true]),
    };
    l2.destroy();
    await host.stop();
    const count = Number(await deployment.batchChain.batchCount());
    lastBatch = await deployment.batchChain.batches(count - 1);
    // maxBatchDataBytes 400 cut the transfers into several batches, each posted whole in its calldata.
    expect(count).toBeGreaterThan(1);
    const view = new BatchChainSubmitter(deployment.addresses.batchChain, devWallet(9).connect(l1Provider));
    for (let index = 0; index < count; index++) {
      const tx = await l1Provider.getTransaction((await view.findAppended(index))!.txHash);
      const [, , data] = deployment.batchChain.interface.decodeFunctionData('appendBatch', tx!.data);
      expect(getBytes(data as string).length).toBeLessThanOrEqual(400);
    }

    verifier = await verifierOn(deployment.addresses.batchChain);
    await until(() => verifier.heads.latest === lastBatch.lastBlock, `the verifier at block ${lastBatch.lastBlock}`, 60_000, 100);
    expect(verifier.mismatch()).toBeNull();
    expect(verifier.deriver.derived()).toHaveLength(count);
    expect(verifier.engine.getBlockByNumber(lastBatch.lastBlock)!.stateRoot).toBe(lastBatch.stateRoot);

    const after = {
      balances: await Promise.all([1, 2, 3].map((i) => rpc(verifier.rpcUrl, 'eth_getBalance', [devWallet(i).address, at]))),
      receipt: await rpc(verifier.rpcUrl, 'eth_getTransactionReceipt', [target.hash]),
      block: await rpc(verifier.rpcUrl, 'eth_getBlockByNumber', [at, true]),
    };
    expect(after).toEqual(before);
    expect(BigInt(after.balances[1]!.result)).toBeGreaterThan(10n ** 24n);
    expect(await rpc(verifier.rpcUrl, 'eth_chainId')).toMatchObject({ result: `0x${L2_CHAIN_ID.toString(16)}` });
    expect((await rpc(verifier.rpcUrl, 'eth_blockNumber')).result).toBe(`0x${lastBatch.lastBlock.toString(16)}`);
    const batches = (await rpc(verifier.rpcUrl, 'metis_batches', [0, 100])).result as { index: number; status: string; l1TxHash: string }[];
    expect(batches.map((b) => b.index)).toEqual([...Array(count).keys()]);
    expect(batches.every((b) => b.status === 'finalized' && /^0x[0-9a-f]{64}$/.test(b.l1TxHash))).toBe(true);
    // Writes: EIP-1474 "method not supported", the transaction goes nowhere.
    const raw = await devWallet(1).signTransaction({ to: devWallet(2).address, value: 1n, nonce: 4, gasLimit: 21_000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 });
    for (const method of ['eth_sendRawTransaction', 'eth_sendRawTransactionSync']) expect((await rpc(verifier.rpcUrl, method, [raw])).error?.code).toBe(-32004);
  });

  it('stops at a signed batch whose state root its blocks do not give, with a report, keeping what matched', async () => {
    const parent = verifier.engine.getBlockByNumber(lastBatch.lastBlock)!;
    const transfer = await devWallet(4).signTransaction({ to: devWallet(5).address, value: 7n, nonce: 0, gasLimit: 21_000, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 });
    const number = lastBatch.lastBlock + 1n;
    const { compressed, dataHash } = await encodeBatchData([{ number, timestamp: BigInt(parent.timestamp) + 1n, beneficiary: parent.miner, gasLimit: BigInt(parent.gasLimit), transactions: [transfer as Hex] }]);
    const lie = id('a state no execution gives');
    const header: BatchHeader = { index: lastBatch.index + 1n, firstBlock: number, lastBlock: number, txRoot: nativeMerkle.root([keccak256(transfer) as Hex]), stateRoot: lie, dataHash };
    await appendSigned(deployment, header, compressed);

    await until(() => verifier.mismatch(), 'the mismatch report', 30_000, 100);
    expect(verifier.mismatch()).toMatchObject({ batchIndex: Number(header.index), kind: 'state-root', expected: lie, l1TxHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(verifier.mismatch()!.derived).toMatch(/^0x[0-9a-f]{64}$/);
    // The lying batch's block was rewound: reads still show the last batch that matched.
    expect(verifier.engine.latestNumber()).toBe(lastBatch.lastBlock);
    expect(verifier.heads.latest).toBe(lastBatch.lastBlock);
    expect((await rpc(verifier.rpcUrl, 'eth_getBalance', [devWallet(5).address, 'latest'])).result).toBe(`0x${(10n ** 24n).toString(16)}`);
  });
});

describe('verifier: hostile batch data on L1', () => {
  it('reports data that is not a batch, and a brotli bomb beyond its bound, without crashing', { timeout: 180_000 }, async () => {
    for (const [data, bound, expected] of [
      [new TextEncoder().encode('not brotli, not a batch'), undefined, /does not decompress/],
      [new Uint8Array(brotliCompressSync(Buffer.alloc(4 * 1024 * 1024))), 64 * 1024, /within 65536 bytes/],
    ] as const) {
      const target = await deployL1({ runner: devWallet(0).connect(l1Provider), mpc: MPC.address });
      const header: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 1n, txRoot: id('t'), stateRoot: id('s'), dataHash: keccak256(data) };
      await appendSigned(target, header, data);
      const verifier = await verifierOn(target.addresses.batchChain, bound ? { maxBatchRawBytes: bound } : {});
      const report = await until(() => verifier.mismatch(), 'the mismatch report', 30_000, 100);
      expect(report).toMatchObject({ batchIndex: 0, kind: 'malformed-data', detail: expect.stringMatching(expected) });
      expect(verifier.engine.latestNumber()).toBe(0n);
      expect((await rpc(verifier.rpcUrl, 'eth_blockNumber')).result).toBe('0x0');
    }
  });

  it('a blob batch without a beacon node to read it from: data-unavailable, named', async () => {
    const target = await deployL1({ runner: devWallet(0).connect(l1Provider), mpc: MPC.address });
    const { compressed } = await encodeBatchData([{ number: 1n, timestamp: 1n, beneficiary: `0x${'22'.repeat(20)}`, gasLimit: 0n, transactions: [] }]);
    const blobs = batchBlobs(compressed);
    const header: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 1n, txRoot: id('t'), stateRoot: id('s'), dataHash: blobs.dataHash };
    const signature = await MPC.sign(batchSignRequest(header, target.chainId, target.addresses.batchChain.toLowerCase() as Hex));
    const submitter = new BatchChainSubmitter(target.addresses.batchChain, devWallet(8).connect(l1Provider));
    const prepared = await submitter.prepareAppendBlobs(header, signature, blobs);
    await submitter.broadcast(prepared.raw);
    expect(await submitter.waitFor(prepared.txHash, 10_000)).toMatchObject({ txHash: prepared.txHash });
    const verifier = await verifierOn(target.addresses.batchChain);
    const report = await until(() => verifier.mismatch(), 'the mismatch report', 30_000, 100);
    expect(report).toMatchObject({ batchIndex: 0, kind: 'data-unavailable', l1TxHash: prepared.txHash, detail: expect.stringMatching(/in blobs and no beacon node is configured/) });
  }, 180_000);
});
