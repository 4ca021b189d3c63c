import { eq } from 'drizzle-orm';
import { Transaction, Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hosts } from '../../edge/db/schema.ts';
import { status, validator } from './support/consensus-fixtures.ts';
import type { FakeConsensus, FakeHost, FakeNetwork } from './support/fake-network.ts';
import { A, B, C, threeHosts } from './support/three-hosts.ts';
import { L2_CHAIN_ID, call, db, rpc } from './support/seed.ts';

// Writes to the active sequencer, reads to healthy followers, and what happens when a host fails mid-request.

const wallet = new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');

function signed(nonce = 0): Promise<string> {
  return wallet.signTransaction({ type: 2, chainId: L2_CHAIN_ID, nonce, to: B, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2n ** 31n, maxPriorityFeePerGas: 1n });
}

let net: FakeNetwork;
let a: FakeHost;
let b: FakeHost;
let c: FakeHost;
let consensus: FakeConsensus;

beforeEach(async () => {
  ({ net, a, b, c, consensus } = await threeHosts());
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function hostRow(address: string) {
  const [row] = await db().select().from(hosts).where(eq(hosts.address, address));
  return row;
}

describe('routing', () => {
  it('sends reads to healthy followers, never to the active host', async () => {
    for (let i = 0; i < 8; i++) await rpc(call('eth_blockNumber'));
    expect(a.calls).toHaveLength(0);
    expect(b.calls.length + c.calls.length).toBe(8);
  });

  it('skips unhealthy followers', async () => {
    await db().update(hosts).set({ healthy: false }).where(eq(hosts.address, C));
    for (let i = 0; i < 4; i++) await rpc(call('eth_blockNumber'));
    expect(c.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(4);
  });

  it('reads from the active host when no follower is healthy', async () => {
    await db().update(hosts).set({ healthy: false }).where(eq(hosts.isActive, false));
    const body = (await (await rpc(call('web3_clientVersion'))).json()) as { result: string };
    expect(body.result).toBe(`fake-host/${a.url}`);
  });

  it('sends reads of pending state and of the pending block to the active host (only it has the mempool)', async () => {
    await rpc(call('eth_getTransactionCount', [B, 'pending']));
    await rpc(call('eth_getBlockReceipts', ['pending']));
    expect(a.calls.map((x) => x.method)).toEqual(['eth_getTransactionCount', 'eth_getBlockReceipts']);
    await rpc(call('eth_getBlockReceipts', ['latest']));
    expect(a.calls).toHaveLength(2);
  });

  it('splits a batch: transactions to the active host, reads to a follower, answers in order with the client ids', async () => {
    const raw = await signed();
    const response = await rpc([call('eth_blockNumber', [], 'x'), call('eth_sendRawTransaction', [raw], 'x'), call('eth_chainId', [], 9)]);
    const body = (await response.json()) as { id: unknown; result: unknown }[];
    expect(body).toEqual([
      { jsonrpc: '2.0', id: 'x', result: '0x64' },
      { jsonrpc: '2.0', id: 'x', result: Transaction.from(raw).hash },
      { jsonrpc: '2.0', id: 9, result: `0x${L2_CHAIN_ID.toString(16)}` },
    ]);
    expect(a.calls.map((x) => x.method)).toEqual(['eth_sendRawTransaction']);
    expect([...b.calls, ...c.calls].map((x) => x.method).sort()).toEqual(['eth_blockNumber', 'eth_chainId']);
  });

  it('asks the active host for a transaction a follower has not replicated yet', async () => {
    const raw = await signed();
    const hash = Transaction.from(raw).hash as string;
    await rpc(call('eth_sendRawTransaction', [raw]));
    const body = (await (await rpc(call('eth_getTransactionByHash', [hash]))).json()) as { result: { hash: string } };
    expect(body.result.hash).toBe(hash);
  });

  it('gives up after a second host fails too: -32002, both marked unhealthy, the active host untouched', async () => {
    b.mode = 'down';
    c.mode = 'http500';
    const body = (await (await rpc(call('web3_clientVersion'))).json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32002);
    expect(body.error.message).toMatch(/no healthy sequencer host/);
    expect((await hostRow(B))?.healthy).toBe(false);
    expect((await hostRow(C))?.lastError).toMatch(/HTTP 500/);
    expect(a.calls).toHaveLength(0);
  });

  it('answers a read from the second host when only the first fails', async () => {
    await db().update(hosts).set({ healthy: false }).where(eq(hosts.address, C));
    b.mode = 'down';
    const body = (await (await rpc(call('web3_clientVersion'))).json()) as { result: string };
    expect(body.result).toBe(`fake-host/${a.url}`);
    const row = await hostRow(B);
    expect(row?.healthy).toBe(false);
    expect(row?.lastError).toMatch(/ECONNREFUSED/);
  });

  it('answers -32002 when there is no host at all', async () => {
    await db().delete(hosts);
    const body = (await (await rpc(call('eth_blockNumber'))).json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32002);
  });
});

describe('write failover', () => {
  it('retries a transaction once on the newly elected sequencer when the active host is down', async () => {
    a.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const raw = await signed();
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body.result).toBe(Transaction.from(raw).hash);
    expect(b.txs.has(body.result)).toBe(true);
    expect((await hostRow(A))?.healthy).toBe(false);
    expect((await hostRow(A))?.isActive).toBe(false);
    expect((await hostRow(B))?.isActive).toBe(true);
  });

  it('waits for the consensus layer to elect a replacement', async () => {
    a.mode = 'http500';
    let asked = 0;
    consensus.set('/v1/consensus/status', () => status({ activeSequencer: ++asked < 3 ? A : C }));
    const raw = await signed();
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body.result).toBe(Transaction.from(raw).hash);
    expect(asked).toBe(3);
    expect(c.txs.size).toBe(1);
  });

  it('fails over when the host answers that it is no longer the active sequencer', async () => {
    a.mode = 'follower';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const raw = await signed();
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body.result).toBe(Transaction.from(raw).hash);
    expect(b.txs.size).toBe(1);
  });

  it('counts "already known" from the new host as success (the failed host had replicated it)', async () => {
    const raw = await signed();
    const hash = Transaction.from(raw).hash as string;
    b.txs.set(hash, { hash, blockNumber: null, raw });
    a.mode = 'slow';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body).toEqual({ jsonrpc: '2.0', id: 1, result: hash });
    expect(b.calls.map((x) => x.method)).toEqual(['eth_sendRawTransaction']);
  });

  it('counts any error from the new host as success when it already holds the transaction (e.g. mined: nonce too low)', async () => {
    const raw = await signed();
    const hash = Transaction.from(raw).hash as string;
    a.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const answer = b.answer.bind(b);
    b.answer = (x) => {
      if (x.method !== 'eth_sendRawTransaction') return answer(x);
      b.calls.push(x);
      b.txs.set(hash, { hash, blockNumber: '0x5', raw });
      return { jsonrpc: '2.0', id: x.id, error: { code: -32000, message: 'nonce too low: next nonce 1, tx nonce 0' } };
    };
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body.result).toBe(hash);
  });

  it('passes on a real rejection from the new host', async () => {
    a.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    b.answer = (x) => ({ jsonrpc: '2.0', id: x.id, error: { code: -32000, message: 'insufficient funds for gas * price + value' } });
    const body = (await (await rpc(call('eth_sendRawTransaction', [await signed()]))).json()) as { error: { code: number; message: string } };
    expect(body.error).toEqual({ code: -32000, message: 'insufficient funds for gas * price + value' });
  });

  it('answers -32002 (safe to resubmit) when neither the host nor the consensus layer answers', async () => {
    a.mode = 'down';
    consensus.down = true;
    const body = (await (await rpc(call('eth_sendRawTransaction', [await signed()]))).json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32002);
    expect(body.error.message).toMatch(/no replacement is known yet; resubmitting the same transaction is safe/);
  });

  it('retries only once: a replacement that also fails is reported, not retried again', async () => {
    a.mode = 'down';
    b.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const body = (await (await rpc(call('eth_sendRawTransaction', [await signed()]))).json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32002);
    expect(body.error.message).toMatch(/and so did its replacement/);
    expect(c.calls).toHaveLength(0);
  });

  it('learns the URL of a replacement the scheduler has not mirrored yet from the validator set', async () => {
    const D = '0x00000000000000000000000000000000000000d4';
    const d = net.host('http://d.hosts.test');
    consensus.set('/v1/consensus/validators', { items: [validator(A, a.url), validator(D, d.url)] });
    consensus.set('/v1/consensus/status', status({ activeSequencer: D }));
    a.mode = 'down';
    const raw = await signed();
    const body = (await (await rpc(call('eth_sendRawTransaction', [raw]))).json()) as { result: string };
    expect(body.result).toBe(Transaction.from(raw).hash);
    expect(d.txs.size).toBe(1);
  });
});

describe('eth_sendRawTransactionSync (EIP-7966)', () => {
  /** The active host answers sync sends with a receipt, as node/host/rpc/methods/send-sync.ts does. */
  const receiptsOn = (host: FakeHost) => {
    const answer = host.answer.bind(host);
    host.answer = (x) => {
      if (x.method !== 'eth_sendRawTransactionSync') return answer(x);
      host.calls.push(x);
      const hash = Transaction.from((x.params as string[])[0]!).hash;
      return { jsonrpc: '2.0', id: x.id, result: { transactionHash: hash, status: '0x1', blockNumber: '0x7' } };
    };
  };

  it('goes to the active host with its wait and passes the receipt back', async () => {
    receiptsOn(a);
    const raw = await signed();
    const body = (await (await rpc(call('eth_sendRawTransactionSync', [raw, '0x1388']))).json()) as { result: { transactionHash: string } };
    expect(body.result).toEqual({ transactionHash: Transaction.from(raw).hash, status: '0x1', blockNumber: '0x7' });
    expect(a.calls.map((x) => [x.method, x.params])).toEqual([['eth_sendRawTransactionSync', [raw, '0x1388']]]);
    expect(b.calls.length + c.calls.length).toBe(0);
  });

  it('checks the transaction as eth_sendRawTransaction does, and refuses extra params, before any host sees it', async () => {
    const foreign = await wallet.signTransaction({ type: 2, chainId: L2_CHAIN_ID + 1, nonce: 0, to: B, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2n ** 31n, maxPriorityFeePerGas: 1n });
    const cases: [unknown[], number, RegExp][] = [
      [[], -32602, /eth_sendRawTransactionSync takes one 0x-prefixed hex string/],
      [['0x1234'], -32602, /invalid raw transaction/],
      [[foreign], -32000, /wrong chain id/],
      [[await signed(), 1000, 'extra'], -32602, /a raw transaction and an optional timeout/],
    ];
    for (const [params, code, reason] of cases) {
      const body = (await (await rpc(call('eth_sendRawTransactionSync', params))).json()) as { error: { code: number; message: string } };
      expect(body.error.code, JSON.stringify(params)).toBe(code);
      expect(body.error.message).toMatch(reason);
    }
    expect(a.calls.length + b.calls.length + c.calls.length).toBe(0);
  });

  it('after a failover to a host that already holds it: code 4 with the hash (receipt not awaited), never a bare hash', async () => {
    const raw = await signed();
    const hash = Transaction.from(raw).hash as string;
    b.txs.set(hash, { hash, blockNumber: null, raw });
    a.mode = 'down';
    consensus.set('/v1/consensus/status', status({ activeSequencer: B }));
    const answer = b.answer.bind(b);
    b.answer = (x) => {
      if (x.method !== 'eth_sendRawTransactionSync') return answer(x);
      b.calls.push(x);
      return { jsonrpc: '2.0', id: x.id, error: { code: -32000, message: 'already known' } };
    };
    const body = (await (await rpc(call('eth_sendRawTransactionSync', [raw]))).json()) as { error: { code: number; message: string; data: string } };
    expect(body.error).toMatchObject({ code: 4, data: hash });
    expect(body.error.message).toMatch(/poll eth_getTransactionReceipt/);
  });
});
