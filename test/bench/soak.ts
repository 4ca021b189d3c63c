/**
 * Soak benchmark: a real devnet (EDR L1, four sequencer processes each with its CometBFT node and MPC party, the edge
 * in `wrangler dev --local`) under a steady load through the edge for `--minutes` (10 by default; `--minutes 60` for
 * an hour):
 * - ETH transfers from `--clients` wallets, each its own client IP, one transaction in flight per wallet;
 * - ERC-20 transfers (contract calls that write) from one more wallet, every 2 s;
 * - reads (`eth_call` balanceOf, `eth_getBalance`, `eth_blockNumber`) with a new client IP per request;
 * - `--subs` WebSocket clients subscribed to newHeads and the token's logs, `--filters` HTTP filters polled every 4 s.
 * Every `--sample` seconds it samples the resident memory of every process (/proc) and the bytes under each data
 * directory; after the warm-up it reports each one's slope (MB per minute; bytes per 1,000 L2 blocks for disk), with
 * throughput and p99 submit-to-receipt in the first and last sample windows. The edge Worker's own V8 heap (after a
 * full GC, over wrangler's inspector) is sampled beside workerd's RSS, which also holds the local runtime's
 * simulators; the edge's persist dir is listed by file (and SQLite table) at the end. At the end every receipted transaction
 * is looked up on every host: a lost one fails the run (exit code 1).
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/soak.ts [--minutes 10] [--sample 30] [--warmup 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther, type InterfaceAbi } from 'ethers';
import WebSocket from 'ws';
import { loadArtifact } from '../../contracts/artifacts.ts';
import { devAccount } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import { TransferLoad, type Receipted } from '../e2e/load.ts';
import { rpc, sleep, startE2eDevnet, type E2eDevnet } from '../e2e/support.ts';
import { machine, percentile } from './measure.ts';
import { diskBytes, edgeInspectorPort, largestFiles, sampleProcesses, slope, workerHeap, ipOf } from './soak-probe.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    sample: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '2' },
    clients: { type: 'string', default: '16' },
    subs: { type: 'string', default: '8' },
    filters: { type: 'string', default: '8' },
  },
});
const minutes = Number(values.minutes);
const sampleS = Number(values.sample);
const warmupMin = Math.min(Number(values.warmup), minutes / 2);
const clients = Math.min(Number(values.clients), 18);
const subs = Number(values.subs);
const filters = Number(values.filters);

const MB = 1024 * 1024;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

/** Not a process: the edge Worker's V8 heap after a full GC, reported beside the processes. */
const WORKER_HEAP = 'edge Worker heap (V8, after GC)';

interface Sample {
  atMin: number;
  block: number;
  rss: Map<string, number>;
  disk: Map<string, number>;
}

/** The token load: one wallet sends ERC-20 transfers through the edge and records their receipts. */
async function startTokenLoad(url: string, running: () => boolean, receipted: Receipted[]): Promise<{ address: string; done: Promise<void> }> {
  const provider = new JsonRpcProvider(url, Number(DEVNET_L2_CHAIN_ID), { staticNetwork: true, batchMaxCount: 1 });
  const owner = devAccount(19).connect(provider);
  const artifact = loadArtifact('MetisToken');
  const deployed = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner).deploy(owner.address);
  await deployed.waitForDeployment();
  const token = new Contract(await deployed.getAddress(), artifact.abi as InterfaceAbi, owner);
  await (await token.getFunction('mint')(owner.address, parseEther('1000000'))).wait();
  const done = (async () => {
    while (running()) {
      const sentAt = Date.now();
      try {
        const tx = await token.getFunction('transfer')(Wallet.createRandom().address, 1n);
        const receipt = await tx.wait(1, 60_000);
        if (receipt) receipted.push({ hash: tx.hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, sentAt, receiptAt: Date.now() });
      } catch {
        // a failed send is retried with the next one; what counts is that receipted ones stay
      }
      await sleep(2_000);
    }
  })();
  return { address: await token.getAddress(), done };
}

/** Reads with a new client IP per request, as many wallets behind many addresses would send them. */
async function readLoop(url: string, token: string, running: () => boolean, counts: { reads: number; readErrors: number }): Promise<void> {
  const balanceOf = `0x70a08231${'0'.repeat(24)}${devAccount(19).address.slice(2).toLowerCase()}`;
  for (let n = 1; running(); n++) {
    const headers = { 'cf-connecting-ip': ipOf(1_000_000 + n) };
    const calls: [string, unknown[]][] = [
      ['eth_call', [{ to: token, data: balanceOf }, 'latest']],
      ['eth_getBalance', [devAccount(n % 18).address, 'latest']],
      ['eth_blockNumber', []],
    ];
    const [method, params] = calls[n % calls.length]!;
    await rpc(url, method, params, 5_000, headers).then(
      () => counts.reads++,
      () => counts.readErrors++,
    );
    await sleep(20);
  }
}

/** WebSocket clients with newHeads and logs subscriptions; counts notifications. */
function openSubscriptions(wsUrl: string, token: string, counts: { notifications: number; socketsClosed: number }): WebSocket[] {
  return Array.from({ length: subs }, (_, index) => {
    const socket = new WebSocket(wsUrl, { headers: { 'cf-connecting-ip': ipOf(2_000_000 + index) } });
    socket.on('open', () => {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', { address: token }] }));
    });
    socket.on('message', (data) => {
      if (data.toString().includes('eth_subscription')) counts.notifications++;
    });
    socket.on('close', () => counts.socketsClosed++);
    socket.on('error', () => undefined);
    return socket;
  });
}

/** HTTP filters held by the edge, each polled every 4 s by its own client IP. */
async function pollFilters(url: string, token: string, running: () => boolean, counts: { filterPolls: number; filterErrors: number }): Promise<void> {
  const ids = await Promise.all(
    Array.from({ length: filters }, async (_, index) => {
      const headers = { 'cf-connecting-ip': ipOf(3_000_000 + index) };
      const id = index % 2 === 0 ? await rpc<string>(url, 'eth_newFilter', [{ address: token }], 5_000, headers) : await rpc<string>(url, 'eth_newBlockFilter', [], 5_000, headers);
      return { id, headers };
    }),
  );
  while (running()) {
    for (const { id, headers } of ids) {
      await rpc(url, 'eth_getFilterChanges', [id], 5_000, headers).then(
        () => counts.filterPolls++,
        () => counts.filterErrors++,
      );
    }
    await sleep(4_000);
  }
}

function dataDirs(devnet: E2eDevnet): Map<string, string> {
  const dirs = new Map<string, string>();
  for (let i = 0; i < devnet.sequencers.length; i++) {
    for (const part of ['host', 'consensus', 'cometbft', 'mpc']) dirs.set(`seq-${i}/${part}`, join(devnet.dataDir, `seq-${i}`, part));
  }
  dirs.set('edge (local D1)', join(devnet.dataDir, 'edge'));
  dirs.set('logs', join(devnet.dataDir, 'logs'));
  dirs.set('l1 journal', join(devnet.dataDir, 'l1.journal'));
  return dirs;
}

async function takeSample(devnet: E2eDevnet, startedAt: number, dirs: Map<string, string>): Promise<Sample> {
  const block = Number(await rpc<string>(devnet.edge!.url, 'eth_blockNumber', [], 5_000, { 'cf-connecting-ip': '10.250.0.1' }).catch(() => '0x0'));
  const rss = new Map(sampleProcesses().map((p) => [p.name, p.rssBytes]));
  const inspector = edgeInspectorPort();
  const heap = inspector === null ? null : await workerHeap(inspector);
  if (heap) rss.set(WORKER_HEAP, heap.usedBytes);
  const disk = new Map([...dirs].map(([name, path]) => [name, diskBytes(path)]));
  return { atMin: (Date.now() - startedAt) / 60_000, block, rss, disk };
}

/** Transactions with a receipt must be in the same block on every running host. */
async function lostTransactions(devnet: E2eDevnet, receipted: readonly Receipted[]): Promise<number> {
  let lost = 0;
  for (let i = 0; i < devnet.sequencers.length; i++) {
    const url = `http://127.0.0.1:${devnet.hostPorts(i).rpc}`;
    for (const tx of receipted) {
      const receipt = await rpc<{ blockHash: string } | null>(url, 'eth_getTransactionReceipt', [tx.hash], 10_000).catch(() => null);
      if (receipt?.blockHash !== tx.blockHash) lost++;
    }
  }
  return lost;
}

function windowStats(receipted: readonly Receipted[], fromMs: number, toMs: number): { perSecond: number; p99: number } {
  const inWindow = receipted.filter((tx) => tx.receiptAt >= fromMs && tx.receiptAt < toMs);
  const latencies = inWindow.map((tx) => tx.receiptAt - tx.sentAt).sort((a, b) => a - b);
  return { perSecond: inWindow.length / ((toMs - fromMs) / 1000), p99: percentile(latencies, 0.99) };
}

function report(samples: Sample[], receipted: Receipted[], startedAt: number, counts: Record<string, number>, lost: number): void {
  const steady = samples.filter((s) => s.atMin >= warmupMin);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  console.log(`\n## Soak: ${minutes} min, samples every ${sampleS} s, slopes over the ${steady.length} samples after a ${warmupMin}-min warm-up (${machine()})\n`);
  console.log('| process | RSS at start | RSS at end | slope after warm-up |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const name of [...last.rss.keys()]) {
    const points = steady.filter((s) => s.rss.has(name)).map((s) => ({ x: s.atMin, y: s.rss.get(name)! / MB }));
    console.log(`| ${name} | ${fmt((first.rss.get(name) ?? 0) / MB, 0)} MB | ${fmt(last.rss.get(name)! / MB, 0)} MB | ${fmt(slope(points), 2)} MB/min |`);
  }
  const blocks = last.block - first.block;
  console.log(`\n| data directory | at start | at end | per 1,000 L2 blocks after warm-up |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const name of [...last.disk.keys()]) {
    const points = steady.map((s) => ({ x: s.block, y: s.disk.get(name) ?? 0 }));
    console.log(`| ${name} | ${fmt((first.disk.get(name) ?? 0) / MB, 2)} MB | ${fmt((last.disk.get(name) ?? 0) / MB, 2)} MB | ${fmt((slope(points) * 1000) / MB, 3)} MB |`);
  }
  const windowMs = sampleS * 1000;
  const warm = startedAt + warmupMin * 60_000;
  const start = windowStats(receipted, warm, warm + windowMs);
  const end = windowStats(receipted, startedAt + minutes * 60_000 - windowMs, startedAt + minutes * 60_000);
  console.log(`\n| window | receipted tx/s | p99 submit→receipt |`);
  console.log('| --- | ---: | ---: |');
  console.log(`| first ${sampleS} s after warm-up | ${fmt(start.perSecond)} | ${fmt(start.p99, 0)} ms |`);
  console.log(`| last ${sampleS} s | ${fmt(end.perSecond)} | ${fmt(end.p99, 0)} ms |`);
  console.log(`\n${blocks} L2 blocks; ${receipted.length} receipted transactions, ${lost} lost; ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

async function main(): Promise<void> {
  console.log(`soak: starting a devnet with the edge (${machine()})`);
  const devnet = await startE2eDevnet({ withEdge: true });
  let running = true;
  const isRunning = () => running;
  try {
    const url = devnet.edge!.url;
    const receipted: Receipted[] = [];
    const counts = { reads: 0, readErrors: 0, notifications: 0, socketsClosed: 0, filterPolls: 0, filterErrors: 0 };
    const token = await startTokenLoad(url, isRunning, receipted);
    const transfers = new TransferLoad({ url, wallets: Array.from({ length: clients }, (_, i) => devAccount(i)), chainId: Number(DEVNET_L2_CHAIN_ID), pauseMs: 200 });
    transfers.start();
    const sockets = openSubscriptions(url.replace(/^http/, 'ws'), token.address, counts);
    const background = [readLoop(url, token.address, isRunning, counts), pollFilters(url, token.address, isRunning, counts)];

    const dirs = dataDirs(devnet);
    const startedAt = Date.now();
    const samples: Sample[] = [];
    while (Date.now() - startedAt < minutes * 60_000) {
      const sample = await takeSample(devnet, startedAt, dirs);
      samples.push(sample);
      console.log(`[soak] ${fmt(sample.atMin)} min: block ${sample.block}, ${[...sample.rss].map(([name, bytes]) => `${name} ${fmt(bytes / MB, 0)} MB`).join(', ')}`);
      await sleep(Math.min(sampleS * 1000, startedAt + minutes * 60_000 - Date.now()));
    }
    samples.push(await takeSample(devnet, startedAt, dirs));
    running = false;
    await transfers.stop();
    await Promise.all([token.done, ...background]);
    for (const socket of sockets) socket.close();
    const all = [...transfers.stats.receipted, ...receipted];
    const lost = await lostTransactions(devnet, all);
    report(samples, all, startedAt, counts, lost);
    console.log(`\nLargest files under the edge's persist dir (local D1, Durable Objects, cache):\n${largestFiles(dirs.get('edge (local D1)')!, 10).map((line) => `- ${line}`).join('\n')}`);
    if (lost > 0) process.exitCode = 1;
  } finally {
    running = false;
    await devnet.cleanup();
  }
}

await main();
