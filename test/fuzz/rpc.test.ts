import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionEngine } from '../../node/host/engine/engine.ts';
import { Heads } from '../../node/host/engine/heads.ts';
import { NativeTxDecoder } from '../../node/host/engine/native-decoder.ts';
import { openNativeEngine } from '../../node/host/engine/native-engine.ts';
import { PendingBlocks } from '../../node/host/producer/pending.ts';
import { DEFAULT_PRODUCER_CONFIG } from '../../node/host/producer/producer.ts';
import { Admission } from '../../node/host/txpool/admission.ts';
import { Mempool } from '../../node/host/txpool/pool.ts';
import { DEFAULT_RPC_LIMITS, type RpcBackend } from '../../node/host/rpc/backend.ts';
import { Dispatcher } from '../../node/host/rpc/dispatch.ts';
import { InvalidParamsError, type RpcError } from '../../protocol/jsonrpc/errors.ts';
import { rpcMethods } from '../../node/host/rpc/methods/index.ts';
import { startRpcServer } from '../../node/host/rpc/server.ts';
import { address, blockRef, callArgs, count, data, hash32, logFilter, positional, quantity, uint64 } from '../../protocol/jsonrpc/params.ts';
import { bytes } from '../../node/host/rpc/raw-bytes.ts';
import { SubscriptionHub } from '../../node/host/rpc/subscriptions.ts';
import { testGenesis } from '../node/host/harness.ts';
import { anyJson, fuzzParams, hexOf, hostileText } from './support.ts';

const ZERO = `0x${'00'.repeat(20)}` as const;
const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const quantityText = u256.map((n) => `0x${n.toString(16)}`);
const blockParam = fc.oneof(fc.constantFrom('latest', 'pending', 'safe', 'finalized', 'earliest', '0x0', '0x1', '0x', '0x00', 'Latest'), quantityText, fc.record({ blockHash: hexOf(32) }), fc.record({ blockNumber: fc.oneof(quantityText, anyJson()) }));
const callObject = fc.record(
  { from: hexOf(20), to: fc.oneof(hexOf(20), fc.constant(null)), gas: quantityText, gasPrice: quantityText, maxFeePerGas: quantityText, value: quantityText, data: fc.uint8Array({ maxLength: 64 }).map((b) => `0x${Buffer.from(b).toString('hex')}`), nonce: quantityText },
  { requiredKeys: [] },
);
const filterObject = fc.record({ fromBlock: blockParam, toBlock: blockParam, address: fc.oneof(hexOf(20), fc.array(hexOf(20), { maxLength: 3 })), topics: fc.array(fc.oneof(fc.constant(null), hexOf(32), fc.array(hexOf(32), { maxLength: 2 })), { maxLength: 5 }), blockHash: hexOf(32) }, { requiredKeys: [] });
/** Values shaped like Ethereum params (so calls get past the first check), mixed with arbitrary JSON. */
const param = fc.oneof(anyJson(), quantityText, hexOf(20), hexOf(32), blockParam, callObject, filterObject, fc.boolean(), fc.uint8Array({ maxLength: 120 }).map((b) => `0x${Buffer.from(b).toString('hex')}`));

describe('fuzz: JSON-RPC dispatcher over a real native chain', () => {
  let dir: string;
  let engine: ExecutionEngine;
  let dispatcher: Dispatcher;
  let methods: string[];
  const internalErrors: { method: string; error: RpcError }[] = [];
  /** Calls answered with a result: proof the fuzzed calls reach the chain, not only the parsers' refusals. */
  let results = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuzz-rpc-'));
    engine = openNativeEngine(dir, testGenesis());
    const pool = new Mempool();
    const heads = new Heads(engine.latestNumber());
    const backend: RpcBackend = {
      engine,
      pool,
      heads,
      pending: new PendingBlocks({ engine, pool, config: { ...DEFAULT_PRODUCER_CONFIG, gasLimit: 0n, beneficiary: ZERO }, now: () => Date.now() }),
      admission: new Admission({
        decoder: new NativeTxDecoder(engine.chainId, 128 * 1024),
        pool,
        journal: null,
        account: (sender) => {
          const account = engine.getAccount(sender, heads.latest);
          return { nonce: Number(account.nonce), balance: account.balance };
        },
        blockGasLimit: () => 30_000_000n,
        maxTxSize: 128 * 1024,
        assertAccepting: () => undefined,
        now: () => Date.now(),
      }),
      subscriptions: new SubscriptionHub(),
      limits: { ...DEFAULT_RPC_LIMITS, maxBatchSize: 8, sendSyncDefaultTimeoutMs: 50, sendSyncMaxTimeoutMs: 50 },
      clientVersion: 'l2-sequencer/fuzz',
      suggestedPriorityFee: 1n,
      syncing: () => false,
      metis: { transactionProof: async () => null, sequencer: async () => ({ sequencer: ZERO, epoch: null, source: 'config', self: ZERO, active: true, latest: 0, safe: 0, finalized: 0 }), batches: async () => [] },
    };
    const table = rpcMethods(backend);
    methods = Object.keys(table);
    dispatcher = new Dispatcher(table, {
      maxBatchSize: 8,
      onError: (method, error) => {
        if (error.code === -32603) internalErrors.push({ method, error });
      },
    });
  });

  afterAll(async () => {
    (engine as { close?: () => void } | undefined)?.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  /** A reply is JSON-RPC 2.0: one response (or an array of them) with a result or an {code, message} error. */
  function expectWellFormed(reply: string | null): void {
    if (reply === null) return;
    const parsed: unknown = JSON.parse(reply);
    for (const response of Array.isArray(parsed) ? parsed : [parsed]) {
      expect(response).toMatchObject({ jsonrpc: '2.0' });
      const { error } = response as { error?: { code: unknown; message: unknown } };
      if (error) {
        expect(Number.isInteger(error.code)).toBe(true);
        expect(typeof error.message).toBe('string');
      } else {
        expect(response).toHaveProperty('result');
        results++;
      }
    }
  }

  it('any text gets a well-formed reply or none', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(), async (text) => expectWellFormed(await dispatcher.handle(text, {}))),
      fuzzParams(500),
    );
  });

  it('every method with arbitrary and Ethereum-shaped params answers a result or a coded error, never an internal error', async () => {
    const request = fc.record({ jsonrpc: fc.constant('2.0'), id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 }), fc.constant(null)), method: fc.constantFrom(...methods), params: fc.oneof(fc.array(param, { maxLength: 4 }), anyJson()) }, { requiredKeys: ['jsonrpc', 'method', 'params'] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(request, fc.array(request, { minLength: 1, maxLength: 10 })), async (body) => {
        expectWellFormed(await dispatcher.handle(JSON.stringify(body), {}));
        expect(internalErrors).toEqual([]);
      }),
      fuzzParams(600),
    );
    expect(results).toBeGreaterThan(0);
  });

  it('the WebSocket and HTTP transports answer any frame or body and keep the connection serving', async () => {
    const server = await startRpcServer(dispatcher, { host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024, maxWsBufferedBytes: 1 << 20 });
    const ws = new WebSocket(server.wsUrl);
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const waiting = new Map<string, () => void>();
    ws.on('message', (data) => {
      const replies: unknown = JSON.parse(String(data));
      for (const reply of Array.isArray(replies) ? replies : [replies]) waiting.get(String((reply as { id: unknown }).id))?.();
    });
    let probe = 0;
    const frame = fc.oneof(hostileText().map((text) => ({ text, binary: false })), fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ text: Buffer.from(bytes), binary: true })));
    try {
      await fc.assert(
        fc.asyncProperty(frame, async ({ text, binary }) => {
          const id = `probe-${++probe}`;
          const answered = new Promise<void>((resolve) => waiting.set(id, resolve));
          ws.send(text, { binary });
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_chainId', params: [] }));
          await answered;
          waiting.delete(id);
          const http = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof text === 'string' ? text : new Uint8Array(text) });
          expect([200, 204]).toContain(http.status);
          if (http.status === 200) expectWellFormed(await http.text());
        }),
        fuzzParams(100),
      );
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ws.terminate();
      await server.close();
    }
  });
});

describe('fuzz: JSON-RPC param parsers', () => {
  const parsers: [string, (value: unknown) => unknown][] = [
    ['quantity', (v) => quantity(v, 'x')],
    ['uint64', (v) => uint64(v, 'x')],
    ['count', (v) => count(v, 'x', 1024)],
    ['data', (v) => data(v, 'x')],
    ['bytes', (v) => bytes(v, 'x')],
    ['address', (v) => address(v, 'x')],
    ['hash32', (v) => hash32(v, 'x')],
    ['blockRef', (v) => blockRef(v)],
    ['callArgs', (v) => callArgs(v)],
    ['logFilter', (v) => logFilter(v)],
    ['positional', (v) => positional(v, 1, 3)],
  ];

  it('any value is parsed or refused with InvalidParamsError naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(param, fc.string({ unit: 'binary', maxLength: 80 })), (value) => {
        for (const [, parse] of parsers) {
          try {
            parse(value);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidParamsError);
            expect((error as Error).message).toMatch(/^invalid params: /);
          }
        }
      }),
      fuzzParams(500),
    );
  });

  it('valid encodings round-trip', () => {
    fc.assert(
      fc.property(u256, fc.uint8Array({ maxLength: 64 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n, raw, block) => {
        expect(quantity(`0x${n.toString(16)}`, 'x')).toBe(n);
        const hex = `0x${Buffer.from(raw).toString('hex')}`;
        expect([...bytes(hex, 'x')]).toEqual([...raw]);
        expect(data(hex.toUpperCase().replace('0X', '0x'), 'x')).toBe(hex);
        expect(blockRef(`0x${block.toString(16)}`)).toEqual({ kind: 'number', number: block });
      }),
      fuzzParams(500),
    );
  });
});
