import { Transaction, Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { L2_CHAIN_ID, call, rpc, seedRoutes } from './support/seed.ts';

// Everything the gateway must refuse before a host sees it, each with its JSON-RPC code and a clear message.

const wallet = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const ACTIVE = '0x00000000000000000000000000000000000000a1';

async function signed(overrides: Partial<{ chainId: number; nonce: number }> = {}): Promise<string> {
  return await wallet.signTransaction({
    type: 2,
    chainId: overrides.chainId ?? L2_CHAIN_ID,
    nonce: overrides.nonce ?? 0,
    to: '0x000000000000000000000000000000000000dEaD',
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  });
}

let net: FakeNetwork;
let active: FakeHost;

beforeEach(async () => {
  net = new FakeNetwork();
  active = net.host('http://active.hosts.test');
  net.install();
  await seedRoutes({ active: { address: ACTIVE, url: active.url }, followers: [] });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function errorOf(response: Response): Promise<{ code: number; message: string }> {
  const body = (await response.json()) as { error: { code: number; message: string } };
  return body.error;
}

describe('envelope', () => {
  it('refuses a body over the size limit with 413 and -32005, without reading it all', async () => {
    const response = await rpc(call('eth_call', [{ data: `0x${'00'.repeat(200_000)}` }, 'latest']));
    expect(response.status).toBe(413);
    const error = await errorOf(response);
    expect(error.code).toBe(-32005);
    expect(error.message).toMatch(/exceeds the limit of 262144 bytes/);
    expect(active.calls).toHaveLength(0);
  });

  it('refuses a batch over the count limit with 400 and -32005', async () => {
    const response = await rpc(Array.from({ length: 101 }, (_, i) => call('eth_blockNumber', [], i)));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toEqual({ code: -32005, message: 'batch of 101 calls exceeds the limit of 100' });
    expect(active.calls).toHaveLength(0);
  });

  it('answers malformed JSON with -32700', async () => {
    const response = await rpc('{"jsonrpc":"2.0","id":1,"method":');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(-32700);
    expect(body.error.message).toMatch(/^parse error/);
  });

  it('answers an empty batch with -32600', async () => {
    const response = await rpc([]);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: -32600, message: 'invalid request: empty batch' });
  });

  it.each([
    ['a number', 5, null, /must be a JSON object/],
    ['no jsonrpc', { id: 7, method: 'eth_blockNumber' }, 7, /"jsonrpc" must be "2.0"/],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 7, method: 'eth_blockNumber' }, 7, /"jsonrpc" must be "2.0"/],
    ['a method that is not a string', { jsonrpc: '2.0', id: 'x', method: 42 }, 'x', /"method" must be a non-empty string/],
    ['an object id', { jsonrpc: '2.0', id: { a: 1 }, method: 'eth_blockNumber' }, null, /"id" must be a string, a number or null/],
    ['params that are a string', { jsonrpc: '2.0', id: 3, method: 'eth_blockNumber', params: 'latest' }, 3, /"params" must be an array or an object/],
  ])('answers a call with %s with -32600 and its id', async (_name, bad, id, message) => {
    const response = await rpc(bad);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toEqual(id);
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toMatch(message);
    expect(active.calls).toHaveLength(0);
  });

  it('answers each bad call of a batch on its own and forwards the good ones', async () => {
    const response = await rpc([call('eth_blockNumber', [], 1), { jsonrpc: '2.0', id: 2 }, call('debug_traceTransaction', ['0x00'], 3)]);
    const body = (await response.json()) as { id: number; result?: string; error?: { code: number } }[];
    expect(body.map((answer) => answer.id)).toEqual([1, 2, 3]);
    expect(body[0]?.result).toBe('0x64');
    expect(body[1]?.error?.code).toBe(-32600);
    expect(body[2]?.error?.code).toBe(-32601);
    expect(active.calls.map((c) => c.method)).toEqual(['eth_blockNumber']);
  });

  it('answers a batch of notifications with 204 and no body', async () => {
    const response = await rpc([{ jsonrpc: '2.0', method: 'eth_blockNumber' }]);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });
});

describe('allow list', () => {
  it.each(['eth_sendTransaction', 'eth_sign', 'personal_unlockAccount', 'admin_peers', 'debug_traceTransaction'])(
    'refuses %s with -32601',
    async (method) => {
      const response = await rpc(call(method, []));
      const error = await errorOf(response);
      expect(error.code).toBe(-32601);
      expect(error.message).toBe(`method not found or not allowed at the edge: ${method}`);
      expect(active.calls).toHaveLength(0);
    },
  );

  it.each(['eth_subscribe', 'eth_unsubscribe'])('refuses %s over HTTP with -32601 pointing at the WebSocket on the same URL', async (method) => {
    const error = await errorOf(await rpc(call(method, ['newHeads'])));
    expect(error.code).toBe(-32601);
    expect(error.message).toBe(`${method} needs a WebSocket: open this same URL with ws:// or wss:// (Upgrade: websocket) and subscribe there`);
    expect(active.calls).toHaveLength(0);
  });

  it('refuses eth_newPendingTransactionFilter with -32601 saying why and what to use instead', async () => {
    const error = await errorOf(await rpc(call('eth_newPendingTransactionFilter', [])));
    expect(error.code).toBe(-32601);
    expect(error.message).toMatch(/^eth_newPendingTransactionFilter is not available at the edge: the gateway does not see the transaction pool/);
    expect(error.message).toMatch(/eth_subscribe\("newPendingTransactions"\) on the edge's WebSocket \(this same URL, ws:\/\/ or wss:\/\/\)$/);
    expect(active.calls).toHaveLength(0);
  });

  it('refuses named params with -32602', async () => {
    const response = await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: { address: ACTIVE } });
    expect(await errorOf(response)).toEqual({ code: -32602, message: 'invalid params: eth_getBalance takes positional (array) params' });
  });
});

describe('raw transactions', () => {
  it('forwards a valid signed transaction to the active host and returns its hash', async () => {
    const raw = await signed();
    const response = await rpc(call('eth_sendRawTransaction', [raw]));
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 1, result: Transaction.from(raw).hash });
    expect(active.calls.map((c) => c.method)).toEqual(['eth_sendRawTransaction']);
  });

  it.each([
    ['no params', [], /takes one 0x-prefixed hex string/],
    ['a number', [42], /takes one 0x-prefixed hex string/],
    ['odd-length hex', ['0x123'], /takes one 0x-prefixed hex string/],
    ['two params', ['0x00', '0x00'], /takes one 0x-prefixed hex string/],
    ['bytes that are no transaction', ['0xdeadbeef'], /^invalid raw transaction: /],
    ['an unknown typed envelope', ['0x7f00'], /^invalid raw transaction: /],
  ])('refuses %s with -32602', async (_name, params, message) => {
    const error = await errorOf(await rpc(call('eth_sendRawTransaction', params)));
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(message);
    expect(active.calls).toHaveLength(0);
  });

  it('refuses an unsigned transaction with -32602', async () => {
    const unsigned = Transaction.from({ type: 2, chainId: L2_CHAIN_ID, nonce: 0, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }).unsignedSerialized;
    expect(await errorOf(await rpc(call('eth_sendRawTransaction', [unsigned])))).toEqual({
      code: -32602,
      message: 'invalid raw transaction: it is not signed',
    });
  });

  it('refuses a transaction for another chain with -32000 naming both chain ids', async () => {
    const error = await errorOf(await rpc(call('eth_sendRawTransaction', [await signed({ chainId: 1 })])));
    expect(error).toEqual({ code: -32000, message: `wrong chain id: the transaction is for chain 1, this network is chain ${L2_CHAIN_ID}` });
    expect(active.calls).toHaveLength(0);
  });

  it('refuses a replay-unprotected (pre-EIP-155) transaction with -32000', async () => {
    const raw = await wallet.signTransaction({ type: 0, chainId: 0, nonce: 0, to: ACTIVE, gasLimit: 21_000n, gasPrice: 1n });
    const error = await errorOf(await rpc(call('eth_sendRawTransaction', [raw])));
    expect(error.code).toBe(-32000);
    expect(error.message).toMatch(/no chain id \(pre-EIP-155\)/);
  });

  it('refuses transactions with -32002 while the edge does not know the chain id yet', async () => {
    await seedRoutes({ active: { address: ACTIVE, url: active.url }, followers: [], l2ChainId: null });
    const error = await errorOf(await rpc(call('eth_sendRawTransaction', [await signed()])));
    expect(error.code).toBe(-32002);
    expect(error.message).toMatch(/not learned the L2 chain id/);
  });
});
