import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../../node/host/config.ts';
import { startTestHost, type TestHost } from '../harness.ts';

// eth_call / eth_estimateGas on a real host and the real native chain, run on the chain's own call threads: the cap,
// the wall-time budget, the bounded queue, and an event loop that keeps answering while heavy calls run.

/** Init code `JUMPDEST PUSH1 0 JUMP`: a creation call that loops until its gas runs out. */
const LOOP = '0x5b600056';
/** 50M gas (the default cap) of the loop: the heaviest call a client may send. */
const HEAVY = { data: LOOP, gas: '0x2faf080' };

let roomy: TestHost;
let hasty: TestHost;

interface Reply {
  id: number;
  result?: string;
  error?: { code: number; message: string };
}

async function rpc(t: TestHost, body: unknown): Promise<any> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return await res.json();
}

const request = (id: number, method: string, params: unknown[]) => ({ jsonrpc: '2.0', id, method, params });
const one = (t: TestHost, method: string, params: unknown[]): Promise<Reply> => rpc(t, request(1, method, params));

function withCalls(calls: Partial<HostConfig['rpc']['calls']>): Partial<HostConfig> {
  return { rpc: { port: 0, calls } as HostConfig['rpc'] };
}

beforeAll(async () => {
  // One call thread, two waiting; no wall-time limit so heavy calls run to the end of their gas.
  roomy = await startTestHost(withCalls({ threads: 1, queue: 2, timeoutMs: 0 }));
  // A 1 ms budget: no 50M-gas loop fits in it.
  hasty = await startTestHost(withCalls({ threads: 1, queue: 8, timeoutMs: 1 }));
});

afterAll(async () => {
  await roomy?.stop();
  await hasty?.stop();
});

describe('call limits on a real host', () => {
  it('ordinary calls answer as before', async () => {
    // PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: returns 42 as one word.
    const reply = await one(roomy, 'eth_call', [{ data: '0x602a60005260206000f3' }, 'latest']);
    expect(BigInt(reply.result!)).toBe(42n);
    const estimate = await one(roomy, 'eth_estimateGas', [{ from: '0x' + '11'.repeat(20), to: '0x' + '22'.repeat(20) }]);
    expect(estimate.result).toBe('0x5208');
  });

  it('a gas field above the cap is refused with -32005, for calls and estimates alike', async () => {
    for (const method of ['eth_call', 'eth_estimateGas']) {
      const reply = await one(roomy, method, [{ data: LOOP, gas: '0x2faf081' }, 'latest']);
      expect(reply.error, method).toMatchObject({ code: -32005 });
      expect(reply.error!.message).toMatch(/above the call gas cap 50000000/);
    }
    // The pending block's calls are held to the same cap.
    expect((await one(roomy, 'eth_call', [{ data: LOOP, gas: '0x2faf081' }, 'pending'])).error).toMatchObject({ code: -32005 });
  });

  it('a call or estimate that outlasts its wall-time budget is interrupted with "execution timeout"', async () => {
    for (const [method, tag] of [['eth_call', 'latest'], ['eth_estimateGas', 'latest'], ['eth_call', 'pending']] as const) {
      const reply = await one(hasty, method, [HEAVY, tag]);
      expect(reply.error, `${method} ${tag}`).toMatchObject({ code: -32000 });
      expect(reply.error!.message).toMatch(/^execution timeout: aborted after 1 ms/);
    }
    // The worker is free again: an ordinary call still answers.
    expect(BigInt((await one(hasty, 'eth_call', [{ data: '0x602a60005260206000f3' }])).result!)).toBe(42n);
  });

  it('calls beyond the running one and the queue are refused at once with -32005 and a reason', async () => {
    // One batch: every call is handed to the pool in the same turn of the event loop, long before a 50M-gas loop ends.
    const replies: Reply[] = await rpc(roomy, [1, 2, 3, 4, 5].map((id) => request(id, 'eth_call', [HEAVY, 'latest'])));
    const refused = replies.filter((r) => r.error?.code === -32005);
    const ran = replies.filter((r) => r.error?.code !== -32005);
    // At most one running and two waiting: at least two of five refused; the others ran out of gas looping.
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(r.error!.message).toMatch(/^call queue full: 1 calls running and 2 waiting; retry later$/);
    for (const r of ran) expect(r.error).toMatchObject({ code: -32000, message: 'out of gas' });
  });

  it('while heavy calls run, the event loop still answers: eth_blockNumber and a timer finish first', async () => {
    const order: string[] = [];
    const heavy = [1, 2, 3].map((id) => rpc(roomy, request(id, 'eth_call', [HEAVY, 'latest'])).then(() => order.push(`heavy ${id}`)));
    // Let the three requests reach the host before the probes go out.
    await new Promise((resolve) => setImmediate(resolve));
    const probes = [
      one(roomy, 'eth_blockNumber', []).then((reply) => order.push(reply.result ? 'blockNumber' : 'blockNumber failed')),
      new Promise((resolve) => setTimeout(resolve, 0)).then(() => order.push('timer')),
    ];
    await Promise.all([...heavy, ...probes]);
    expect(order.slice(0, 2).sort()).toEqual(['blockNumber', 'timer']);
    expect(order).toHaveLength(5);
  });
});
