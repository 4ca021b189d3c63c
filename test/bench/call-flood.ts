/**
 * Does a flood of heavy eth_calls starve block production? A real sequencer host (its own process, real native chain)
 * produces empty blocks every --block-time ms; this process watches newHeads and probes eth_blockNumber every
 * --probe-ms; meanwhile a second process floods the host with --concurrency looping 50M-gas eth_calls in flight.
 * Each phase lasts --duration s: first unflooded, then flooded, on the same host. Reports block interval p50/p99/max
 * and probe latency (the host's event loop: the thread that also serves ABCI and the MPC party in a sequencer) and
 * the flooded/unflooded ratios.
 *
 *   node test/bench/call-flood.ts [--duration 15] [--block-time 200] [--concurrency 8] [--probe-ms 50]
 *                                 [--host-root <checkout>]   # run the host from another checkout (e.g. the code before)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Wallet } from 'ethers';
import WebSocket from 'ws';
import { startChildHost } from '../node/host/child-host.ts';
import { freePort } from '../support/ports.ts';
import { machine } from './measure.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    'block-time': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    'probe-ms': { type: 'string', default: '50' },
    'host-root': { type: 'string' },
    /** Internal: run as the flooder against this RPC URL. */
    flood: { type: 'string' },
  },
});
const DURATION_MS = Number(values.duration) * 1000;
const CONCURRENCY = Number(values.concurrency);
/** Init code `JUMPDEST PUSH1 0 JUMP` run as a creation call: loops until its 50M gas runs out. */
const HEAVY_CALL = { data: '0x5b600056', gas: '0x2faf080' };

async function post(url: string, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

/** The flooder process: `CONCURRENCY` heavy calls in flight until the duration ends; prints what came back. */
async function flood(url: string): Promise<void> {
  const answers: Record<string, number> = {};
  const end = performance.now() + DURATION_MS;
  const worker = async () => {
    while (performance.now() < end) {
      const reply = await post(url, 'eth_call', [HEAVY_CALL, 'latest']).catch((error: Error) => ({ error: { code: 0, message: error.message } }));
      const key = reply.error ? `${reply.error.code} ${reply.error.message.slice(0, 40)}` : 'result';
      answers[key] = (answers[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  console.log(JSON.stringify(answers));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Phase {
  blocks: number;
  interval: { p50: number; p99: number; max: number };
  probe: { p50: number; p99: number; max: number; count: number };
  flood: Record<string, number> | null;
}

/** One phase: block arrivals over newHeads and eth_blockNumber round trips, optionally under a flood. */
async function phase(rpc: string, ws: string, flooded: boolean): Promise<Phase> {
  const socket = new WebSocket(ws);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const arrivals: number[] = [];
  socket.on('message', (data) => {
    if ((JSON.parse(data.toString()) as { method?: string }).method === 'eth_subscription') arrivals.push(performance.now());
  });
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
  const flooder = flooded ? spawn(process.execPath, [...process.execArgv, import.meta.filename, '--flood', rpc, '--duration', String(values.duration), '--concurrency', String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] }) : null;
  let floodOut = '';
  flooder?.stdout?.on('data', (chunk: Buffer) => {
    floodOut += chunk.toString();
  });
  const probes: number[] = [];
  const end = performance.now() + DURATION_MS;
  while (performance.now() < end) {
    const sent = performance.now();
    await post(rpc, 'eth_blockNumber', []);
    probes.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, Number(values['probe-ms'])));
  }
  if (flooder) await new Promise((resolve) => flooder.once('exit', resolve));
  socket.close();
  const intervals = arrivals.slice(1).map((at, i) => at - arrivals[i]!).sort((a, b) => a - b);
  probes.sort((a, b) => a - b);
  return {
    blocks: arrivals.length,
    interval: { p50: percentile(intervals, 50), p99: percentile(intervals, 99), max: intervals.at(-1) ?? NaN },
    probe: { p50: percentile(probes, 50), p99: percentile(probes, 99), max: probes.at(-1) ?? NaN, count: probes.length },
    flood: floodOut ? (JSON.parse(floodOut.trim().split('\n').pop()!) as Record<string, number>) : null,
  };
}

async function main(): Promise<void> {
  const atStart = machine();
  const dir = await mkdtemp(join(tmpdir(), 'call-flood-'));
  const nodeKey = Wallet.createRandom().privateKey;
  const host = await startChildHost(
    dir,
    {
      dataDir: join(dir, 'host'),
      genesis: { chainId: 901, gasLimit: 60_000_000, baseFeePerGas: 1_000_000_000, timestamp: 0, alloc: {} },
      nodeKey,
      rpc: { port: await freePort() },
      operator: { port: await freePort(), token: 'bench-operator-token-0123456789' },
      peer: { port: await freePort(), peers: [] },
      sequencer: { mode: 'static', address: new Wallet(nodeKey).address },
      producer: { blockTimeMs: Number(values['block-time']), emptyBlockIntervalMs: Number(values['block-time']) },
    },
    { root: values['host-root'], nodeArgs: process.execArgv },
  );
  try {
    const quiet = await phase(host.rpc, host.ws, false);
    const loud = await phase(host.rpc, host.ws, true);
    const ms = (n: number) => n.toFixed(1);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`\nhost from ${values['host-root'] ?? 'this checkout'}; block time ${values['block-time']} ms; ${DURATION_MS / 1000} s per phase; flood: ${CONCURRENCY} looping 50M-gas eth_calls in flight from a second process; ${atStart}\n`);
    console.log('| metric | unflooded | flooded | flooded / unflooded |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| blocks produced | ${quiet.blocks} | ${loud.blocks} | ${ratio(loud.blocks, quiet.blocks)} |`);
    for (const p of ['p50', 'p99', 'max'] as const) console.log(`| block interval ${p} (ms) | ${ms(quiet.interval[p])} | ${ms(loud.interval[p])} | ${ratio(loud.interval[p], quiet.interval[p])} |`);
    for (const p of ['p50', 'p99', 'max'] as const) console.log(`| eth_blockNumber round trip ${p} (ms) | ${ms(quiet.probe[p])} | ${ms(loud.probe[p])} | ${ratio(loud.probe[p], quiet.probe[p])} |`);
    console.log(`\nflood answers: ${JSON.stringify(loud.flood)}`);
  } finally {
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.flood) await flood(values.flood);
else await main();
