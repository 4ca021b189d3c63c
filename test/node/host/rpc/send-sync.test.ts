import { JsonRpcProvider, Wallet, keccak256, parseEther, type BaseWallet } from 'ethers';
import { createWalletClient, http } from 'viem';
import { sendRawTransactionSync } from 'viem/actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { DEFAULT_RPC_LIMITS } from '../../../../node/host/rpc/backend.ts';
import { devWallet, startTestHost, until, type TestHost } from '../harness.ts';

// EIP-7966 eth_sendRawTransactionSync on a real host and the real native chain: one call that admits the
// transaction and answers with its receipt once a stored block holds it; codes 4 (not included within the wait)
// and 5 (queued behind a nonce gap) carry the hash; every admission error is eth_sendRawTransaction's, at once.
let t: TestHost;
let provider: JsonRpcProvider;
const alice = devWallet(1);
const bob = devWallet(2);
const DEFAULT_WAIT_MS = 300;
/** Waits that must succeed ask for the maximum, so a loaded machine cannot turn them into timeouts. */
const MAX_WAIT_MS = 10_000;

async function rpc(method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as never;
}

let nextNonce: number | undefined;
async function signed(wallet: BaseWallet, overrides: { nonce?: number; value?: bigint } = {}): Promise<{ raw: Hex; hash: Hex }> {
  nextNonce ??= await provider.getTransactionCount(wallet.address, 'pending');
  const nonce = overrides.nonce ?? nextNonce++;
  const raw = (await wallet.connect(provider).signTransaction(await wallet.connect(provider).populateTransaction({ to: bob.address, value: overrides.value ?? 1n, gasLimit: 21_000n, nonce }))) as Hex;
  return { raw, hash: keccak256(raw) as Hex };
}

beforeAll(async () => {
  t = await startTestHost({ rpc: { port: 0, limits: { ...DEFAULT_RPC_LIMITS, sendSyncDefaultTimeoutMs: DEFAULT_WAIT_MS, sendSyncMaxTimeoutMs: MAX_WAIT_MS } } as never });
  provider = new JsonRpcProvider(t.host.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
});

afterAll(async () => {
  provider?.destroy();
  await t?.stop();
});

describe('eth_sendRawTransactionSync (EIP-7966)', () => {
  it('answers with the receipt of the block that holds the transaction, the same one eth_getTransactionReceipt then gives', async () => {
    const tx = await signed(alice);
    const reply = await rpc('eth_sendRawTransactionSync', [tx.raw, MAX_WAIT_MS]);
    expect(reply.error).toBeUndefined();
    expect(reply.result).toMatchObject({ transactionHash: tx.hash, status: '0x1', from: alice.address.toLowerCase() });
    expect((await rpc('eth_getTransactionReceipt', [tx.hash])).result).toEqual(reply.result);
    // The wait may be given as a JSON number (the EIP's examples) or a hex quantity (viem).
    for (const timeout of [MAX_WAIT_MS, '0x2710']) {
      const next = await signed(alice);
      expect((await rpc('eth_sendRawTransactionSync', [next.raw, timeout])).result).toMatchObject({ transactionHash: next.hash, status: '0x1' });
    }
    // viem's action for the method parses what we answer.
    const viaViem = await signed(alice);
    const client = createWalletClient({ transport: http(t.host.rpcUrl) });
    const receipt = await sendRawTransactionSync(client, { serializedTransaction: viaViem.raw, timeout: MAX_WAIT_MS });
    expect(receipt).toMatchObject({ transactionHash: viaViem.hash, status: 'success', from: alice.address.toLowerCase() });
  });

  it('code 4 with the hash when no block takes it within the wait; the transaction stays pooled and is included later', async () => {
    await t.host.producer.stop();
    try {
      const tx = await signed(alice);
      const reply = await rpc('eth_sendRawTransactionSync', [tx.raw, 50]);
      expect(reply.error).toEqual({ code: 4, message: 'the transaction was added to the pool but was not included within 50 ms', data: tx.hash });
      expect((await rpc('eth_getTransactionByHash', [tx.hash])).result).toMatchObject({ hash: tx.hash, blockHash: null });
      // Absent, zero or above the node's maximum: the node's default wait (EIP-7966), which the message names.
      for (const timeout of [[], [0], [MAX_WAIT_MS + 1], ['0xffffffffffffffff']]) {
        const again = await signed(alice);
        const answer = await rpc('eth_sendRawTransactionSync', [again.raw, ...timeout]);
        expect(answer.error).toEqual({ code: 4, message: `the transaction was added to the pool but was not included within ${DEFAULT_WAIT_MS} ms`, data: again.hash });
      }
      t.host.producer.start();
      const receipt = await until(async () => (await rpc('eth_getTransactionReceipt', [tx.hash])).result, 'the timed-out transaction to be included');
      expect(receipt.status).toBe('0x1');
    } finally {
      t.host.producer.start();
    }
  });

  it('code 5 with the hash at once for a transaction queued behind a nonce gap', async () => {
    const current = await provider.getTransactionCount(alice.address, 'pending');
    const gapped = await signed(alice, { nonce: current + 3 });
    const reply = await rpc('eth_sendRawTransactionSync', [gapped.raw, MAX_WAIT_MS]);
    expect(reply.error).toMatchObject({ code: 5, data: gapped.hash });
    expect(reply.error!.message).toMatch(/lower nonce of its sender is missing/);
    expect((await rpc('eth_getTransactionByHash', [gapped.hash])).result).toMatchObject({ hash: gapped.hash });
  });

  it('refuses what eth_sendRawTransaction refuses, with the same error, and bad parameters with -32602', async () => {
    const broke = Wallet.createRandom();
    const unfunded = await signed(broke, { nonce: 0, value: parseEther('1') });
    const sync = await rpc('eth_sendRawTransactionSync', [unfunded.raw]);
    const plain = await rpc('eth_sendRawTransaction', [unfunded.raw]);
    expect(sync.error).toMatchObject({ code: -32000 });
    expect(sync.error).toEqual(plain.error);
    expect(sync.error!.message).toMatch(/insufficient funds/);
    for (const undecodable of ['0x', '0xc0', '0x02']) {
      const [a, b] = [await rpc('eth_sendRawTransactionSync', [undecodable]), await rpc('eth_sendRawTransaction', [undecodable])];
      expect(a.error, undecodable).toBeDefined();
      expect(a.error).toEqual(b.error);
    }

    const tx = await signed(alice);
    const cases: [unknown[], RegExp][] = [
      [[], /missing value for required argument 0/],
      [['0xzz'], /transaction/],
      [[tx.raw, 'soon'], /timeout: not a hex quantity/],
      [[tx.raw, -1], /timeout: expected a non-negative whole number/],
      [[tx.raw, 1.5], /timeout: expected a non-negative whole number/],
      [[tx.raw, '0x01'], /timeout: hex number with leading zero digits/],
      [[tx.raw, 100, 'extra'], /too many arguments/],
    ];
    for (const [params, reason] of cases) {
      const reply = await rpc('eth_sendRawTransactionSync', params);
      expect(reply.error?.code, JSON.stringify(params)).toBe(-32602);
      expect(reply.error!.message).toMatch(reason);
    }
    // Refused parameters admitted nothing.
    expect((await rpc('eth_getTransactionByHash', [tx.hash])).result).toBeNull();
  });
});
