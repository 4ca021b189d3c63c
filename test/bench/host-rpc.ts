/**
 * Sustained eth_sendRawTransaction load against a sequencer host and, in the same run with the same load, against
 * Hardhat's EDR node (automine): accepted tx/s and submit-to-receipt latency (submission until the newHeads
 * notification of the block holding the transaction), the load coming from a second process over loopback.
 *
 *   node test/bench/host-rpc.ts [--senders 1000] [--nonces 30] [--batch 50] [--concurrency 8] [--duration 10]
 *                               [--block-time 25] [--edr-nonces 4] [--rate 0]
 *
 * Closed loop (`--concurrency` batch requests in flight) gives the sustained throughput; with `--rate` each target
 * also gets an open-loop run at that offered rate, for latency below saturation. Every run is on a fresh target.
 * The host runs as its own process (node/host/main.ts) on a fresh data dir with the real native chain, blocks every
 * --block-time ms or as soon as the size target is met. Both targets get pre-signed EIP-1559 transfers from the same
 * deterministic senders (funded in the L2 genesis; on EDR with hardhat_setBalance).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Wallet } from 'ethers';
import { startL1Node } from '../../node/tools/devnet/edr-node.ts';
import { ROOT } from '../../node/install/paths.ts';
import { startChildHost } from '../node/host/child-host.ts';
import { freePort } from '../support/ports.ts';
import type { LoadJob, LoadResult } from './host-load.ts';
import { senderAddress, signRange } from './host-sign.ts';

const { values } = parseArgs({
  options: {
    senders: { type: 'string', default: '1000' },
    nonces: { type: 'string', default: '30' },
    batch: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10' },
    'block-time': { type: 'string', default: '25' },
    'edr-nonces': { type: 'string', default: '4' },
    /** Also run open loop at this offered rate (tx/s) on each target for latency; 0 skips it. */
    rate: { type: 'string', default: '0' },
  },
});
const RATE = Number(values.rate);
const SENDERS = Number(values.senders);
const NONCES = Number(values.nonces);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const DURATION_MS = Number(values.duration) * 1000;
const BLOCK_TIME = Number(values['block-time']);
const EDR_NONCES = Number(values['edr-nonces']);
const RECIPIENT = '0x000000000000000000000000000000000000dead';

/** All senders' nonce n before any sender's nonce n + 1, cut into batch requests. */
function requestsOf(signed: string[][], nonces: number): string[][] {
  const flat: string[] = [];
  for (let n = 0; n < nonces; n++) for (const txs of signed) flat.push(txs[n] as string);
  const requests: string[][] = [];
  for (let i = 0; i < flat.length; i += BATCH) requests.push(flat.slice(i, i + BATCH));
  return requests;
}

async function runLoad(dir: string, name: string, job: LoadJob): Promise<LoadResult> {
  const path = join(dir, `${name}-job.json`);
  await writeFile(path, JSON.stringify(job));
  const child = spawn(process.execPath, [join(ROOT, 'test/bench/host-load.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator for ${name} exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop() as string) as LoadResult;
}

const loadAtStart = loadavg()[0]!;
const dir = await mkdtemp(join(tmpdir(), 'host-bench-'));
const started = performance.now();
console.error(`signing ${SENDERS * NONCES} L2 and ${SENDERS * EDR_NONCES} EDR transfers from ${SENDERS} senders...`);
const l2Signed = signRange({ chainId: 901, from: 0, to: SENDERS, nonces: NONCES, maxFeePerGas: 100n * 10n ** 9n, recipient: RECIPIENT });
const edrSigned = signRange({ chainId: 31337, from: 0, to: SENDERS, nonces: EDR_NONCES, maxFeePerGas: 100n * 10n ** 9n, recipient: RECIPIENT });
const senders = Array.from({ length: SENDERS }, (_, i) => senderAddress(i));
console.error(`signed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const alloc: Record<string, { balance: string }> = {};
for (const address of senders) alloc[address] = { balance: '0x' + (10n ** 24n).toString(16) };

/** A fresh sequencer host (own process, own data dir) under one load; returns the result and its block metrics. */
async function runHost(name: string, mode: { concurrency: number; rate?: number }): Promise<{ result: LoadResult; blocks: string }> {
  const nodeKey = Wallet.createRandom().privateKey;
  const host = await startChildHost(dir, {
    dataDir: join(dir, name),
    genesis: { chainId: 901, gasLimit: 200_000_000, baseFeePerGas: 1_000_000_000, timestamp: 0, alloc },
    nodeKey,
    rpc: { port: await freePort(), limits: { maxBatchSize: 1000, maxLogBlockRange: 10_000, maxLogResults: 10_000, maxFeeHistoryBlocks: 1024 } },
    operator: { port: await freePort(), token: 'bench-operator-token-0123456789' },
    peer: { port: await freePort(), peers: [] },
    sequencer: { mode: 'static', address: new Wallet(nodeKey).address },
    producer: { blockTimeMs: BLOCK_TIME, maxBlockTxs: 4000 },
    pool: { maxPerSender: Math.max(64, NONCES), maxTotal: 1_000_000 },
  });
  try {
    const result = await runLoad(dir, name, { rpc: host.rpc, ws: host.ws, requests: requestsOf(l2Signed, NONCES), concurrency: mode.concurrency, ...(mode.rate ? { rate: mode.rate } : {}), durationMs: DURATION_MS, drainMs: 10_000 });
    const metrics = await (await fetch(`${host.operator}/metrics`, { headers: { authorization: 'Bearer bench-operator-token-0123456789' } })).text();
    const metric = (metricName: string) => Number(new RegExp(`^${metricName} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const blocks = metric('l2_blocks_produced_total');
    const phases = ['decode', 'execute', 'roots', 'commit'].map((phase) => `${phase} ${(metric(`l2_block_phase_microseconds_total\\{phase="${phase}"\\}`) / blocks / 1000).toFixed(1)} ms`);
    return { result, blocks: `${blocks} blocks, ${(metric('l2_transactions_included_total') / blocks).toFixed(0)} tx/block; native executeBlock per block: ${phases.join(', ')}` };
  } finally {
    await host.stop();
  }
}

/** A fresh Hardhat EDR node (automine) with the same senders funded, under the same load. */
async function runEdr(name: string, mode: { concurrency: number; rate?: number }): Promise<LoadResult> {
  const l1 = await startL1Node({ port: await freePort() });
  try {
    for (let i = 0; i < senders.length; i += 200) {
      const calls = senders.slice(i, i + 200).map((address, id) => ({ jsonrpc: '2.0', id, method: 'hardhat_setBalance', params: [address, '0x' + (10n ** 24n).toString(16)] }));
      await fetch(l1.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls) });
    }
    return await runLoad(dir, name, { rpc: l1.url, ws: l1.url.replace('http', 'ws'), requests: requestsOf(edrSigned, EDR_NONCES), concurrency: mode.concurrency, ...(mode.rate ? { rate: mode.rate } : {}), durationMs: DURATION_MS, drainMs: 10_000 });
  } finally {
    await l1.stop();
  }
}

const closedHost = await runHost('host-closed', { concurrency: CONCURRENCY });
const closedEdr = await runEdr('edr-closed', { concurrency: CONCURRENCY });
const openHost = RATE ? await runHost('host-open', { concurrency: 256, rate: RATE }) : null;
const openEdr = RATE ? await runEdr('edr-open', { concurrency: 256, rate: RATE }) : null;
await rm(dir, { recursive: true, force: true });

const row = (name: string, r: LoadResult) =>
  `| ${name} | ${r.accepted} / ${r.sent} | ${r.acceptedPerSecond} | ${r.includedPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.max} |`;
console.log(`\n${SENDERS} senders, batches of ${BATCH}, host block time ${BLOCK_TIME} ms; closed loop: ${CONCURRENCY} requests in flight${RATE ? `; open loop: ${RATE} tx/s offered` : ''}; ${availableParallelism()} cores, load average at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)}\n`);
console.log('| target | accepted / sent | accepted tx/s | included tx/s | p50 submit→receipt (ms) | p99 (ms) | max (ms) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
console.log(row('sequencer host, closed loop', closedHost.result));
console.log(row('Hardhat EDR (automine), closed loop', closedEdr));
if (openHost && openEdr) {
  console.log(row(`sequencer host, ${RATE} tx/s offered`, openHost.result));
  console.log(row(`Hardhat EDR (automine), ${RATE} tx/s offered`, openEdr));
}
console.log(`\nhost (closed loop): ${closedHost.blocks}`);
if (openHost) console.log(`host (open loop): ${openHost.blocks}`);
console.log(`\nratio host / EDR (closed loop): accepted ${(closedHost.result.acceptedPerSecond / closedEdr.acceptedPerSecond).toFixed(1)}x, included ${(closedHost.result.includedPerSecond / closedEdr.includedPerSecond).toFixed(1)}x`);
for (const [name, r] of [['host', closedHost.result], ['EDR', closedEdr]] as const) if (Object.keys(r.errors).length) console.log(`${name} errors:`, r.errors);
console.log(JSON.stringify({ host: closedHost.result, edr: closedEdr, hostOpen: openHost?.result ?? null, edrOpen: openEdr }));
