import { JsonRpcProvider, Wallet, parseEther, type BaseWallet } from 'ethers';
import { createPublicClient, defineChain, http, type PublicClient } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { devWallet, L2_CHAIN_ID, startTestHost, until, type TestHost } from '../harness.ts';

// eth_getBlockByNumber("pending") and the other block reads by tag on a real host and the real native chain: the
// pool's next block as the producer will cut it. The producer is stopped while transactions wait, so "latest" stays
// put and the pool is exactly what the test sent; then it runs once to seal that block.
let t: TestHost;
let provider: JsonRpcProvider;
let viemClient: PublicClient;
const alice = devWallet(1);
const bob = devWallet(2);
const chain = defineChain({ id: Number(L2_CHAIN_ID), name: 'l2', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['http://127.0.0.1'] } } });
/** Init code that logs (LOG0 of nothing) and deploys empty code: a receipt with a log, so the bloom is not empty. */
const LOGGING_INIT_CODE = '0x60006000a000';

async function raw(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return await res.json();
}

async function result(method: string, params: unknown[] = []): Promise<any> {
  const reply = await raw(method, params);
  expect(reply.error, `${method} ${JSON.stringify(reply.error)}`).toBeUndefined();
  return reply.result;
}

/** One JSON-RPC batch: its calls are answered from one pending block (each is built at most once per head and pool). */
async function batch(calls: [string, unknown[]][]): Promise<any[]> {
  const body = calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }));
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const replies = ((await res.json()) as { id: number; result?: unknown; error?: unknown }[]).sort((a, b) => a.id - b.id);
  for (const reply of replies) expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
  return replies.map((reply) => reply.result);
}

async function send(wallet: BaseWallet, tx: { to?: string; value?: bigint; data?: string; gasLimit: bigint; type?: number }): Promise<Hex> {
  const signer = wallet.connect(provider);
  return await result('eth_sendRawTransaction', [await signer.signTransaction(await signer.populateTransaction(tx))]);
}

/** Runs the producer until the pool is empty and a block holds `txHash`; returns that block's number. */
async function sealPool(txHash: Hex): Promise<bigint> {
  t.host.producer.start();
  try {
    const receipt = await until(async () => t.host.pool.pendingSize === 0 && (await result('eth_getTransactionReceipt', [txHash])), 'the pool to be sealed');
    return BigInt(receipt.blockNumber);
  } finally {
    await t.host.producer.stop();
  }
}

const withoutBlockHash = <T extends { blockHash?: unknown; logs?: { blockHash?: unknown }[] }>(record: T) => ({
  ...record,
  blockHash: undefined,
  ...(record.logs ? { logs: record.logs.map((log) => ({ ...log, blockHash: undefined })) } : {}),
});

beforeAll(async () => {
  t = await startTestHost();
  provider = new JsonRpcProvider(t.host.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  viemClient = createPublicClient({ chain, transport: http(t.host.rpcUrl) }) as PublicClient;
  await t.host.producer.stop();
});

afterAll(async () => {
  provider?.destroy();
  await t?.stop();
});

describe('block reads of "pending" on a real host', () => {
  it('answer the pool\'s next block, and the block then sealed is that block', async () => {
    const carol = Wallet.createRandom().address.toLowerCase();
    const latest = t.host.heads.latest;
    const head = await result('eth_getBlockByNumber', ['latest', false]);
    const sent = [
      await send(alice, { to: carol, value: 5n, gasLimit: 21_000n }),
      await send(bob, { to: carol, value: 7n, gasLimit: 21_000n, type: 0 }),
      await send(alice, { data: LOGGING_INIT_CODE, gasLimit: 100_000n }),
    ];

    const [pending, full, count, receipts, carolPending] = await batch([
      ['eth_getBlockByNumber', ['pending', false]],
      ['eth_getBlockByNumber', ['pending', true]],
      ['eth_getBlockTransactionCountByNumber', ['pending']],
      ['eth_getBlockReceipts', ['pending']],
      ['eth_getBalance', [carol, 'pending']],
    ]);
    // geth's shape for the unsealed block: no hash, nonce or miner (and here no state root, never computed).
    expect(pending).toMatchObject({ number: `0x${(latest + 1n).toString(16)}`, parentHash: head.hash, hash: null, nonce: null, miner: null, stateRoot: null, uncles: [] });
    expect([...pending.transactions].sort()).toEqual([...sent].sort());
    expect(BigInt(pending.gasUsed)).toBeGreaterThan(2n * 21_000n);
    expect(BigInt(pending.baseFeePerGas)).toBe(t.host.engine.nextBaseFee());
    expect(pending.gasLimit).toBe(head.gasLimit);
    expect(BigInt(pending.timestamp)).toBeGreaterThanOrEqual(BigInt(head.timestamp));
    expect(pending.logsBloom).not.toBe(`0x${'0'.repeat(512)}`);
    expect(count).toBe('0x3');
    // Coherent with the pending state: the same transactions' effects, and nothing of it is stored.
    expect(BigInt(carolPending)).toBe(12n);
    expect(await provider.getBalance(carol, 'latest')).toBe(0n);
    expect(t.host.heads.latest).toBe(latest);

    // Full transactions: in block order, placed in the pending block, no block hash yet.
    expect({ ...full, transactions: undefined }).toEqual({ ...pending, transactions: undefined });
    expect(full.transactions.map((tx: { hash: Hex }) => tx.hash)).toEqual(pending.transactions);
    full.transactions.forEach((tx: any, i: number) => {
      expect(tx).toMatchObject({ blockHash: null, blockNumber: pending.number, transactionIndex: `0x${i.toString(16)}` });
      expect(tx.from).toBe((tx.hash === sent[1] ? bob : alice).address.toLowerCase());
    });
    for (const [i, tx] of full.transactions.entries()) expect(await result('eth_getTransactionByBlockNumberAndIndex', ['pending', `0x${i.toString(16)}`])).toEqual(tx);
    expect(await result('eth_getTransactionByBlockNumberAndIndex', ['pending', '0x3'])).toBeNull();

    // Receipts: each transaction's gas, adding up to the block's.
    expect(receipts.map((r: { transactionHash: Hex }) => r.transactionHash)).toEqual(pending.transactions);
    expect(receipts.every((r: { blockHash: Hex | null; blockNumber: Hex }) => r.blockHash === null && r.blockNumber === pending.number)).toBe(true);
    expect(receipts.reduce((sum: bigint, r: { gasUsed: Hex }) => sum + BigInt(r.gasUsed), 0n)).toBe(BigInt(pending.gasUsed));
    expect(receipts.at(-1).cumulativeGasUsed).toBe(pending.gasUsed);

    // What wallets' libraries make of it.
    const byEthers = await provider.getBlock('pending');
    expect(byEthers).toMatchObject({ number: Number(latest + 1n), hash: null, parentHash: head.hash, gasUsed: BigInt(pending.gasUsed) });
    expect(byEthers!.transactions).toEqual(pending.transactions);
    const byViem = await viemClient.getBlock({ blockTag: 'pending', includeTransactions: true });
    expect(byViem).toMatchObject({ number: latest + 1n, hash: null, nonce: null, gasUsed: BigInt(pending.gasUsed) });
    expect(byViem.transactions.map((tx) => tx.hash)).toEqual(pending.transactions);

    // The producer cuts exactly that block: same transactions in the same order, same gas, roots, bloom, size.
    const sealedNumber = await sealPool(sent[0]!);
    expect(sealedNumber).toBe(latest + 1n);
    const sealed = await result('eth_getBlockByNumber', [pending.number, false]);
    expect(sealed.transactions).toEqual(pending.transactions);
    expect(sealed.hash).toMatch(/^0x[0-9a-f]{64}$/);
    for (const field of ['number', 'parentHash', 'gasUsed', 'gasLimit', 'baseFeePerGas', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'mixHash', 'extraData', 'size', 'sha3Uncles']) {
      expect(sealed[field], field).toBe(pending[field]);
    }
    expect(BigInt(sealed.timestamp)).toBeGreaterThanOrEqual(BigInt(pending.timestamp));
    const sealedReceipts = await result('eth_getBlockReceipts', [pending.number]);
    expect(sealedReceipts.map(withoutBlockHash)).toEqual(receipts.map(withoutBlockHash));
    const sealedFull = await result('eth_getBlockByNumber', [pending.number, true]);
    expect(sealedFull.transactions.map(withoutBlockHash)).toEqual(full.transactions.map(withoutBlockHash));

    // The next pending block follows it and no longer holds them.
    const next = await result('eth_getBlockByNumber', ['pending', false]);
    expect(next).toMatchObject({ number: `0x${(latest + 2n).toString(16)}`, parentHash: sealed.hash, transactions: [], gasUsed: '0x0', hash: null });
    expect(await result('eth_getBlockTransactionCountByNumber', ['pending'])).toBe('0x0');
    expect(await result('eth_getTransactionByBlockNumberAndIndex', ['pending', '0x0'])).toBeNull();
    expect(await result('eth_getBlockReceipts', ['pending'])).toEqual([]);
  });

  it('stored blocks by number or hash and index', async () => {
    const dave = Wallet.createRandom().address;
    const hash = await send(alice, { to: dave, value: parseEther('1'), gasLimit: 21_000n });
    const number = await sealPool(hash);
    const block = await result('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
    const index = block.transactions.indexOf(hash);
    const stored = await result('eth_getTransactionByHash', [hash]);
    expect(await result('eth_getTransactionByBlockNumberAndIndex', [block.number, `0x${index.toString(16)}`])).toEqual(stored);
    expect(await result('eth_getTransactionByBlockHashAndIndex', [block.hash, `0x${index.toString(16)}`])).toEqual(stored);
    expect(await result('eth_getTransactionByBlockNumberAndIndex', ['latest', `0x${index.toString(16)}`])).toEqual(stored);
    // Past the block's end, an unknown block or a block not yet made: null, as geth.
    const past = `0x${block.transactions.length.toString(16)}`;
    expect(await result('eth_getTransactionByBlockNumberAndIndex', [block.number, past])).toBeNull();
    expect(await result('eth_getTransactionByBlockHashAndIndex', [block.hash, past])).toBeNull();
    expect(await result('eth_getTransactionByBlockHashAndIndex', [`0x${'ab'.repeat(32)}`, '0x0'])).toBeNull();
    expect(await result('eth_getTransactionByBlockNumberAndIndex', ['0xffffff', '0x0'])).toBeNull();
  });

  it('bad inputs get -32602 and change nothing', async () => {
    const erin = Wallet.createRandom().address;
    await send(alice, { to: erin, value: 3n, gasLimit: 21_000n });
    const before = await result('eth_getBlockByNumber', ['pending', false]);
    expect(before.transactions).toHaveLength(1);
    const bad: [string, unknown[]][] = [
      ['eth_getBlockByNumber', ['pending', 'true']],
      ['eth_getBlockByNumber', ['pending', 1]],
      ['eth_getBlockByNumber', ['pending', false, 'extra']],
      ['eth_getBlockByNumber', ['pendingish', false]],
      ['eth_getBlockByNumber', []],
      ['eth_getBlockTransactionCountByNumber', []],
      ['eth_getBlockTransactionCountByNumber', ['Pending']],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending']],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending', '0x']],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending', '0x01']],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending', '1']],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending', -1]],
      ['eth_getTransactionByBlockNumberAndIndex', ['pending', '0x10000000000000000']],
      ['eth_getTransactionByBlockHashAndIndex', ['0x12', '0x0']],
      ['eth_getTransactionByBlockHashAndIndex', [`0x${'ab'.repeat(32)}`, 'zero']],
      ['eth_getBlockReceipts', ['pending', 'extra']],
    ];
    for (const [method, params] of bad) {
      const reply = await raw(method, params);
      expect(reply.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code: -32602, message: expect.stringMatching(/^invalid params: /) });
    }
    const after = await result('eth_getBlockByNumber', ['pending', false]);
    expect([after.number, after.transactions, after.gasUsed]).toEqual([before.number, before.transactions, before.gasUsed]);
    expect(await provider.getBalance(erin, 'pending')).toBe(3n);
  });
});
