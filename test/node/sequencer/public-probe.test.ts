import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublicRpcProber } from '../../../node/sequencer/public-probe.ts';
import { freePort } from '../../support/ports.ts';

/** A validator's own probe of the active sequencer's public RPC, after the edge's trigger. */

let server: Server;
let base: string;
let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x10' }));

beforeAll(async () => {
  server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A prober whose clock the test moves: each `result` call after `step` starts a new probe. */
function prober(): { probe: PublicRpcProber; step(): void } {
  let now = 0;
  const step = () => {
    now += 1_000;
  };
  return { probe: new PublicRpcProber({ now: () => now, intervalMs: 1_000, timeoutMs: 2_000 }), step };
}

async function settle(probe: PublicRpcProber, epoch: number, url: string): Promise<boolean | null> {
  probe.result(epoch, url);
  await probe.settled();
  return probe.result(epoch, url);
}

describe('PublicRpcProber', () => {
  it('reports an endpoint that answers eth_blockNumber as reachable, from memory, after the probe finished', async () => {
    const { probe } = prober();
    expect(probe.result(3, base)).toBeNull();
    await probe.settled();
    expect(probe.result(3, base)).toBe(true);
    // Another epoch (or URL) has no result until its own probe finished.
    expect(probe.result(4, base)).toBeNull();
  });

  it('reports refused connections, HTTP errors and non-JSON-RPC answers as unreachable', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { probe, step } = prober();
    expect(await settle(probe, 1, closed)).toBe(false);
    step();
    answer = (res) => {
      res.statusCode = 503;
      res.end('busy');
    };
    expect(await settle(probe, 1, base)).toBe(false);
    step();
    answer = (res) => res.end('<html>not json-rpc</html>');
    expect(await settle(probe, 1, base)).toBe(false);
    expect(probe.lastError()).toMatch(/JSON/);
    step();
    answer = (res) => res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x11' }));
    expect(await settle(probe, 1, base)).toBe(true);
  });

  it('probes at most once per interval and one at a time, however often ExtendVote asks', async () => {
    const { probe, step } = prober();
    for (let call = 0; call < 10; call++) probe.result(7, base);
    await probe.settled();
    for (let call = 0; call < 10; call++) probe.result(7, base);
    expect(probe.probes).toBe(1);
    step();
    probe.result(7, base);
    expect(probe.probes).toBe(2);
  });
});
