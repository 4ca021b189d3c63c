import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { HostPorts } from '../../node/tools/devnet/ports.ts';
import { rawExchange } from '../support/raw-socket.ts';
import {
  HTTP_METHODS,
  hostileFrameSequences,
  hostileQueryTargets,
  hostileRpcBodies,
  httpRequest,
  randomBytes,
  draw,
  websocketUpgrade,
} from './port-sweep-inputs.ts';
import { rpc, sleep, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';
import fc from 'fast-check';

/**
 * Every listening port of a real devnet (per host: RPC HTTP + WebSocket, operator API, peer port, ABCI socket,
 * consensus query API, CometBFT RPC and P2P; and the edge in wrangler dev) gets hostile input class by class; after
 * each class every sequencer process must still run, every host's L2 chain must advance, consensus must still commit
 * heights and the edge must still answer.
 */

type PortName = keyof HostPorts | 'edge';
const HTTP_PORTS: PortName[] = ['rpc', 'operator', 'peer', 'query', 'cometRpc', 'edge'];
const ALL_PORTS: PortName[] = ['rpc', 'operator', 'peer', 'abci', 'query', 'cometP2p', 'cometRpc', 'edge'];
/** How long one raw exchange waits for the server's answer or close. */
const ANSWER_MS = 400;
/** Connections in flight at once while sweeping (the flood class opens far more on purpose). */
const PARALLEL = 24;

let tried = 0;
const triedByClass: Record<string, number> = {};
function count(label: string, inputs: number): void {
  tried += inputs;
  triedByClass[label] = (triedByClass[label] ?? 0) + inputs;
}

describe('port sweep: hostile bytes on every listening port of a devnet', () => {
  let devnet: E2eDevnet;
  let hosts: HostPorts[];
  let operatorTokens: string[];

  beforeAll(async () => {
    devnet = await startE2eDevnet({ withEdge: true, edgeVars: { TX_LIMIT_PER_MINUTE: '1000000' } });
    hosts = devnet.sequencers.map((_, index) => devnet.hostPorts(index));
    operatorTokens = devnet.sequencers.map((sequencer) => /devnet-operator-token-[^"\s]+/.exec(readFileSync(sequencer.prepared.configFile, 'utf8'))![0]);
  }, 240_000);

  afterAll(async () => {
    console.log(`port sweep: ${tried} inputs tried ${JSON.stringify(triedByClass)}`);
    await devnet?.cleanup();
  }, 60_000);

  /** Runs `jobs` with at most PARALLEL in flight; a job counts as one input of `label` unless it returns how many it sent. */
  async function send(label: string, jobs: (() => Promise<unknown>)[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const result = await job();
        count(label, typeof result === 'number' ? result : 1);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  /** The named ports of every host, and the edge's when `names` has an HTTP port (the edge is one more JSON-RPC front). */
  const everyPort = (names: PortName[]) => {
    const targets: { host: number; name: PortName; port: number }[] = hosts.flatMap((ports, host) => names.flatMap((name) => (name === 'edge' ? [] : [{ host, name, port: ports[name] }])));
    if (names.includes('edge')) targets.push({ host: 0, name: 'edge', port: Number(new URL(devnet.edge!.url).port) });
    return targets;
  };

  /** Every sequencer process alive, every host's L2 head and every host's consensus height moving. */
  async function expectAlive(after: string): Promise<void> {
    for (const sequencer of devnet.sequencers) {
      expect(sequencer.running, `sequencer ${sequencer.index} after ${after}`).toBe(true);
      expect(() => process.kill(sequencer.pid!, 0)).not.toThrow();
    }
    expect(Number(await rpc<string>(devnet.edge!.url, 'eth_blockNumber', [], 10_000)), `the edge after ${after}`).toBeGreaterThan(0);
    const heads = await Promise.all(devnet.sequencers.map((sequencer) => rpc<string>(sequencer.rpcUrl, 'eth_blockNumber').then(Number)));
    const heights = await Promise.all(devnet.sequencers.map((sequencer) => consensusHeight(sequencer.queryUrl)));
    await Promise.all(
      devnet.sequencers.map(async (sequencer, index) => {
        await waitFor(`host ${index}'s L2 head past ${heads[index]} after ${after}`, async () => Number(await rpc<string>(sequencer.rpcUrl, 'eth_blockNumber')) > heads[index]!, 30_000, 200);
        await waitFor(`host ${index}'s consensus height past ${heights[index]} after ${after}`, async () => (await consensusHeight(sequencer.queryUrl)) > heights[index]!, 30_000, 200);
      }),
    );
  }

  it('random bytes on every port', async () => {
    const inputs = randomBytes(12, 1);
    await send('random bytes', everyPort(ALL_PORTS).flatMap(({ port }) => inputs.map((bytes) => () => rawExchange(port, [bytes], { waitMs: ANSWER_MS }))));
    await expectAlive('random bytes');
  });

  it('every HTTP method, with and without a body, on every HTTP port', async () => {
    const jobs = everyPort(HTTP_PORTS).flatMap(({ host, name, port }) =>
      HTTP_METHODS.flatMap((method) =>
        // Not /pause with the right token: a paused host rightly stops producing, which is not what this checks.
        ['/', '/health', '/v1/consensus/status', '*', '/resume'].flatMap((target) => {
          const headers: Record<string, string> = name === 'operator' ? { authorization: `Bearer ${operatorTokens[host]}` } : {};
          return [
            () => rawExchange(port, [httpRequest(method, target, { headers })], { waitMs: ANSWER_MS }),
            () => rawExchange(port, [httpRequest(method, target, { headers, body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}' })], { waitMs: ANSWER_MS }),
          ];
        }),
      ),
    );
    await send('HTTP methods', jobs);
    await expectAlive('HTTP methods');
  });

  it('truncated HTTP requests and chunked-encoding abuse', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x0000000000000000000000000000000000000000","latest"]}';
    const whole = httpRequest('POST', '/', { body, headers: { 'content-type': 'application/json' } });
    const cuts = draw(fc.integer({ min: 1, max: whole.length - 1 }), 10, 2);
    const chunked = [
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}',
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${'9'.repeat(40)}\r\n\r\n{}`,
      `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET / HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, index) => `x-${index}: y`).join('\r\n')}\r\n\r\n`,
      'GET / HTTP/9.9\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
    ];
    const jobs = everyPort(HTTP_PORTS).flatMap(({ port }) => [
      ...cuts.map((cut) => () => rawExchange(port, [whole.slice(0, cut)], { waitMs: ANSWER_MS, endAfterWrite: true })),
      ...chunked.map((text) => () => rawExchange(port, [text], { waitMs: ANSWER_MS })),
    ]);
    await send('truncated HTTP', jobs);
    await expectAlive('truncated HTTP');
  });

  it('invalid JSON, wrong types, huge numbers and 100k-deep nesting to the JSON endpoints (HTTP and WebSocket)', async () => {
    const bodies = hostileRpcBodies(40, 3);
    const jobs = hosts.flatMap((ports, host) => [
      ...bodies.map((body) => () => rawExchange(ports.rpc, [httpRequest('POST', '/', { body, headers: { 'content-type': 'application/json' } })], { waitMs: 2_000, until: (received) => received.includes('\r\n\r\n') })),
      ...bodies.slice(0, 60).map((body) => () => rawExchange(ports.query, [httpRequest('POST', '/v1/consensus/tx', { body })], { waitMs: ANSWER_MS })),
      ...bodies.slice(0, 30).map((body) => () => rawExchange(ports.operator, [httpRequest('POST', '/resume', { body, headers: { authorization: `Bearer ${operatorTokens[host]}` } })], { waitMs: ANSWER_MS })),
      ...hostileQueryTargets().map((target) => () => rawExchange(ports.query, [httpRequest('GET', target)], { waitMs: ANSWER_MS })),
      () => wsMessages(`ws://127.0.0.1:${ports.rpc}`, bodies),
    ]);
    jobs.push(...bodies.map((body) => () => rawExchange(Number(new URL(devnet.edge!.url).port), [httpRequest('POST', '/', { body, headers: { 'content-type': 'application/json' } })], { waitMs: 3_000, until: (received) => received.includes('\r\n\r\n') })));
    await send('hostile JSON', jobs);
    await expectAlive('hostile JSON');
  });

  it('hostile WebSocket frames: truncated, oversize, binary, invalid UTF-8, bad opcodes (RPC and peer ports)', async () => {
    const jobs = everyPort(['rpc', 'peer']).flatMap(({ name, port }) =>
      hostileFrameSequences(8, 4, name === 'rpc' ? 5 * 1024 * 1024 : 32 * 1024 * 1024).map((frames) => () => rawExchange(port, [websocketUpgrade(), ...frames], { waitMs: ANSWER_MS })),
    );
    await send('WebSocket frames', jobs);
    await expectAlive('WebSocket frames');
  });

  it('slow senders: headers trickled a byte at a time on every HTTP port, while the chain keeps going', async () => {
    const request = httpRequest('POST', '/', { body: '{}' });
    const trickles = everyPort(HTTP_PORTS).flatMap(({ port }) => Array.from({ length: 8 }, () => rawExchange(port, [...request.slice(0, 40)], { gapMs: 150, waitMs: 100 })));
    count('slow senders', trickles.length);
    await expectAlive('slow senders (while trickling)');
    await Promise.all(trickles);
  });

  it('hundreds of concurrent connections held open on every port of two hosts, while the chain keeps going', async () => {
    const sockets: Socket[] = [];
    for (const { port } of everyPort(ALL_PORTS).filter(({ host, name }) => host < 2 && name !== 'edge')) {
      for (let index = 0; index < 300; index++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
    }
    count('connection flood', sockets.length);
    await sleep(1_000);
    try {
      await expectAlive('connection flood (held)');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await expectAlive('connection flood (released)');
  });
});

/** Sends the messages on one WebSocket until the server closes it; returns how many were sent. */
async function wsMessages(url: string, messages: string[]): Promise<number> {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
  ws.on('error', () => undefined);
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  if (!opened) return 0;
  let sent = 0;
  for (const message of messages) {
    if (ws.readyState !== ws.OPEN) break;
    ws.send(message);
    sent++;
  }
  await sleep(1_000);
  ws.terminate();
  return sent;
}

async function consensusHeight(queryUrl: string): Promise<number> {
  const response = await fetch(`${queryUrl}/v1/consensus/status`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as { height: number }).height;
}
