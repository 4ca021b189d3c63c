import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExecutionEngine } from '../../../../node/host/engine/engine.ts';
import { Heads } from '../../../../node/host/engine/heads.ts';
import { Admission } from '../../../../node/host/txpool/admission.ts';
import { Mempool } from '../../../../node/host/txpool/pool.ts';
import { DEFAULT_RPC_LIMITS, type RpcBackend } from '../../../../node/host/rpc/backend.ts';
import { Dispatcher } from '../../../../node/host/rpc/dispatch.ts';
import { rpcMethods } from '../../../../node/host/rpc/methods/index.ts';
import { startRpcServer, type RpcServer } from '../../../../node/host/rpc/server.ts';
import { SubscriptionHub } from '../../../../node/host/rpc/subscriptions.ts';

// Validation happens before any state is read: an engine that throws on every call proves bad input never reaches it.
const engineCalls: string[] = [];
const engine = new Proxy({ chainId: 1337n } as ExecutionEngine, {
  get(target, prop) {
    if (prop === 'chainId') return target.chainId;
    return () => {
      engineCalls.push(String(prop));
      throw new Error(`engine.${String(prop)} must not be reached`);
    };
  },
});

let server: RpcServer;
const pool = new Mempool();
async function rpc(body: unknown): Promise<any> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return res.status === 204 ? null : await res.json();
}
const call = (method: string, params?: unknown) => rpc({ jsonrpc: '2.0', id: 1, method, params });

beforeAll(async () => {
  const heads = new Heads(0n);
  const backend: RpcBackend = {
    engine,
    pool,
    heads,
    pending: {
      read: async () => {
        engineCalls.push('pending');
        throw new Error('the pending block must not be reached');
      },
    },
    admission: new Admission({
      decoder: { decode: () => { throw new Error('decoder must not be reached'); } },
      pool,
      journal: null,
      account: () => ({ nonce: 0, balance: 0n }),
      blockGasLimit: () => 30_000_000n,
      maxTxSize: 128 * 1024,
      assertAccepting: () => undefined,
      now: () => Date.now(),
    }),
    subscriptions: new SubscriptionHub(),
    limits: { ...DEFAULT_RPC_LIMITS, maxBatchSize: 5 },
    clientVersion: 'l2-sequencer/test',
    suggestedPriorityFee: 1n,
    syncing: () => false,
    metis: {
      transactionProof: async () => null,
      sequencer: async () => { throw new Error('unused'); },
      batches: async () => [],
    },
  };
  server = await startRpcServer(new Dispatcher(rpcMethods(backend), { maxBatchSize: 5 }), { host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024, maxWsBufferedBytes: 1 << 20 });
});
afterAll(async () => {
  await server?.close();
});

describe('JSON-RPC protocol errors (EIP-1474)', () => {
  it('answers identity calls without touching state', async () => {
    expect((await call('eth_chainId')).result).toBe('0x539');
    expect((await call('net_version', [])).result).toBe('1337');
    expect((await call('web3_clientVersion')).result).toBe('l2-sequencer/test');
    expect((await call('web3_sha3', ['0x'])).result).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  });

  it('-32700 on unparsable JSON, -32600 on malformed requests', async () => {
    expect((await rpc('{"jsonrpc":')).error.code).toBe(-32700);
    expect((await rpc({ id: 1, method: 'eth_chainId' })).error.code).toBe(-32600);
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 7 })).error.code).toBe(-32600);
    expect((await rpc({ jsonrpc: '2.0', id: { x: 1 }, method: 'eth_chainId' })).error.code).toBe(-32600);
    expect((await rpc([])).error.code).toBe(-32600);
    expect((await rpc(42)).error.code).toBe(-32600);
  });

  it('-32601 for unknown methods, including prototype names', async () => {
    expect((await call('eth_nope')).error).toMatchObject({ code: -32601, message: 'the method eth_nope does not exist/is not available' });
    expect((await call('toString')).error.code).toBe(-32601);
    expect((await call('__proto__')).error.code).toBe(-32601);
  });

  it('batches answer in order, skip notifications, and are size-limited (-32005)', async () => {
    const replies = await rpc([
      { jsonrpc: '2.0', id: 'a', method: 'eth_chainId' },
      { jsonrpc: '2.0', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 'b', method: 'nope' },
      'garbage',
    ]);
    expect(replies.map((r: any) => r.id)).toEqual(['a', 'b', null]);
    expect(replies[1].error.code).toBe(-32601);
    expect(replies[2].error.code).toBe(-32600);
    const tooMany = Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }));
    expect((await rpc(tooMany)).error.code).toBe(-32005);
    expect(await rpc({ jsonrpc: '2.0', method: 'eth_chainId' })).toBeNull();
  });

  it('refuses oversized bodies and non-POST requests', async () => {
    const big = await fetch(server.url, { method: 'POST', body: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error.code).toBe(-32005);
    const get = await fetch(server.url);
    expect(get.status).toBe(405);
  });
});

describe('invalid params (-32602) never reach the engine', () => {
  const bad: [string, unknown][] = [
    ['eth_getBalance', []],
    ['eth_getBalance', ['0x1234']],
    ['eth_getBalance', ['0x' + '1'.repeat(40), 'latestish']],
    ['eth_getBalance', ['0x' + '1'.repeat(40), '0x01']],
    ['eth_getBalance', ['0x' + '1'.repeat(40), '0x']],
    ['eth_getBalance', ['0x' + '1'.repeat(40), 'latest', 'extra']],
    ['eth_getBalance', ['0x' + '1'.repeat(40), { blockHash: '0x12' }]],
    ['eth_getTransactionCount', ['0xzz' + '1'.repeat(38), 'pending']],
    ['eth_getCode', [42]],
    ['eth_getStorageAt', ['0x' + '1'.repeat(40), 'slot']],
    ['eth_call', [{ to: '0x12' }]],
    ['eth_call', [{ to: '0x' + '1'.repeat(40), data: '0x123' }]],
    ['eth_call', [{ to: '0x' + '1'.repeat(40), gasPrice: '0x1', maxFeePerGas: '0x1' }]],
    ['eth_call', [{ to: '0x' + '1'.repeat(40), data: '0x12', input: '0x34' }]],
    ['eth_call', [{ to: '0x' + '1'.repeat(40), bogus: 1 }]],
    ['eth_call', [{ to: '0x' + '1'.repeat(40) }, 'latest', { '0x': {} }]],
    ['eth_estimateGas', ['not an object']],
    ['eth_call', [{ to: '0x12' }, 'pending']],
    ['eth_call', [{ to: '0x' + '1'.repeat(40) }, 'pending', { '0x': {} }]],
    ['eth_estimateGas', [{ to: '0x' + '1'.repeat(40), value: '0x01' }, 'pending']],
    ['eth_getBalance', ['0x1234', 'pending']],
    ['eth_getStorageAt', ['0x' + '1'.repeat(40), 'slot', 'pending']],
    ['eth_getCode', ['0x' + '1'.repeat(40), 'pendingish']],
    ['eth_sendRawTransaction', ['0xabc']],
    ['eth_sendRawTransaction', ['0x12zz']],
    ['eth_sendRawTransaction', ['12ab']],
    ['eth_sendRawTransaction', [1]],
    ['eth_sendRawTransaction', []],
    ['eth_getTransactionByHash', ['0x1234']],
    ['eth_getTransactionReceipt', [null]],
    ['eth_getBlockByNumber', ['0x1', 'yes']],
    ['eth_getBlockByNumber', ['pending', 'true']],
    ['eth_getBlockTransactionCountByNumber', ['pendingish']],
    ['eth_getTransactionByBlockNumberAndIndex', ['pending', '0x01']],
    ['eth_getTransactionByBlockNumberAndIndex', ['latest']],
    ['eth_getTransactionByBlockHashAndIndex', ['0x12', '0x0']],
    ['eth_getBlockReceipts', ['pending', 'extra']],
    ['eth_getBlockByHash', ['0x12', false]],
    ['eth_getBlockTransactionCountByHash', ['0x']],
    ['eth_getLogs', [{ fromBlock: '0x1', blockHash: '0x' + '0'.repeat(64) }]],
    ['eth_getLogs', [{ address: '0x12' }]],
    ['eth_getLogs', [{ topics: ['0x12'] }]],
    ['eth_getLogs', [{ topics: [null, null, null, null, null] }]],
    ['eth_getLogs', [{ unknown: 1 }]],
    ['eth_feeHistory', ['0x2', 'latest', [50, 10]]],
    ['eth_feeHistory', ['0x2', 'latest', [101]]],
    ['eth_feeHistory', ['0x5000', 'latest']],
    ['metis_getTransactionProof', ['0x1']],
    ['metis_batches', ['x']],
    ['metis_batches', [0, 101]],
  ];
  it.each(bad)('%s %j', async (method, params) => {
    const before = engineCalls.length;
    const reply = await call(method, params);
    expect(reply.error?.code, JSON.stringify(reply)).toBe(-32602);
    expect(reply.error.message).toMatch(/^invalid params: /);
    expect(engineCalls.length).toBe(before);
  });

  it('eth_subscribe is refused over HTTP (-32004) and checks its params over WS', async () => {
    expect((await call('eth_subscribe', ['newHeads'])).error.code).toBe(-32004);
    const ws = new WebSocket(server.wsUrl);
    await new Promise((r) => ws.once('open', r));
    const ask = (msg: object) =>
      new Promise<any>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(d.toString())));
        ws.send(JSON.stringify(msg));
      });
    expect((await ask({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newBananas'] })).error.code).toBe(-32602);
    expect((await ask({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', { fromBlock: '0x1' }] })).error.code).toBe(-32602);
    const sub = await ask({ jsonrpc: '2.0', id: 3, method: 'eth_subscribe', params: ['newHeads'] });
    expect(sub.result).toMatch(/^0x[0-9a-f]{32}$/);
    expect((await ask({ jsonrpc: '2.0', id: 4, method: 'eth_unsubscribe', params: [sub.result] })).result).toBe(true);
    expect((await ask({ jsonrpc: '2.0', id: 5, method: 'eth_unsubscribe', params: [sub.result] })).result).toBe(false);
    expect((await ask({ jsonrpc: '2.0', id: 6, method: 'eth_chainId' })).result).toBe('0x539');
    ws.close();
  });

  it('accepts nothing into the pool from any of it', () => {
    expect(pool.size).toBe(0);
  });
});
