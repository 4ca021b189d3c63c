/**
 * End-to-end benchmark on a real devnet: L1 (EDR), four sequencer processes (host + CometBFT + consensus app + MPC
 * party each), the edge in `wrangler dev --local`.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/e2e.ts [--duration 15] [--concurrency 16] [--kills 5]
 *
 * 1. Throughput and latency: pre-signed EIP-1559 transfers from 10 funded wallets, sent one request per
 *    transaction by `concurrency` concurrent clients for `duration` seconds (closed loop), once through the edge and
 *    once straight to the active sequencer host: the same load, side by side. Each request carries its own
 *    CF-Connecting-IP (many wallets), so the edge's per-IP budgets never refuse. Submit-to-receipt latency = from the
 *    request leaving to the block holding the transaction appearing on a follower host (polled every 25 ms).
 * 2. Failover: `kills` times, under a steady write load through the edge, kill -9 the active sequencer's process;
 *    failover = from the arrival of its last block to the arrival of its successor's first block at a follower;
 *    then check every transaction that had a receipt is still in the chain on every surviving host, restart the
 *    killed sequencer and let it catch up. Target: under 3 s with zero receipted transactions lost.
 */
import { parseArgs } from 'node:util';
import { Transaction, Wallet, id, parseEther } from 'ethers';
import { devAccount } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import { BlockWatch } from '../e2e/block-watch.ts';
import { TransferLoad } from '../e2e/load.ts';
import { block, rpc, startE2eDevnet, waitFor, type E2eDevnet } from '../e2e/support.ts';
import { percentile } from './measure.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    kills: { type: 'string', default: '5' },
  },
});
const durationS = Number(values.duration);
const concurrency = Number(values.concurrency);
const kills = Number(values.kills);

interface ThroughputResult {
  path: string;
  sent: number;
  included: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

interface FailoverResult {
  killed: string;
  lastBlock: number;
  firstBlock: number;
  failoverMs: number;
  receipted: number;
  lost: number;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Records when each transaction hash first appears in a block on `url`. */
class InclusionWatch {
  readonly seenAt = new Map<string, number>();
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  async start(): Promise<void> {
    this.next = Number(await rpc<string>(this.url, 'eth_blockNumber')) + 1;
    this.timer = setInterval(() => void this.poll(), 25);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const header = await block(this.url, this.next);
        if (!header) break;
        const now = performance.now();
        for (const hash of header.transactions) if (!this.seenAt.has(hash)) this.seenAt.set(hash, now);
        this.next++;
      }
    } catch {
      // next poll
    } finally {
      this.busy = false;
    }
  }
}

/** Pre-signs `count` transfers spread over `wallets`, continuing each wallet's nonce. */
async function presign(url: string, wallets: Wallet[], count: number): Promise<string[]> {
  // A run stops when its time is up, so each starts from the nonces the chain has seen, not from the ones signed.
  const nonces = new Map<string, number>();
  for (const wallet of wallets) nonces.set(wallet.address, Number(await rpc<string>(url, 'eth_getTransactionCount', [wallet.address, 'pending'])));
  const raws: string[] = [];
  for (let index = 0; index < count; index++) {
    const wallet = wallets[index % wallets.length]!;
    const nonce = nonces.get(wallet.address)!;
    nonces.set(wallet.address, nonce + 1);
    raws.push(await wallet.signTransaction({ type: 2, chainId: DEVNET_L2_CHAIN_ID, nonce, to: wallet.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }));
  }
  return raws;
}

/** Gives each wallet 1 ETH from the funded genesis accounts 10..19 (sent to the active host) and waits for it. */
async function fund(url: string, wallets: Wallet[]): Promise<void> {
  const funders = Array.from({ length: 10 }, (_, index) => devAccount(10 + index));
  const raws: string[] = [];
  for (const [index, funder] of funders.entries()) {
    let nonce = Number(await rpc<string>(url, 'eth_getTransactionCount', [funder.address, 'pending']));
    for (let k = index; k < wallets.length; k += funders.length) {
      raws.push(await funder.signTransaction({ type: 2, chainId: DEVNET_L2_CHAIN_ID, nonce: nonce++, to: wallets[k]!.address, value: parseEther('1'), gasLimit: 21_000n, maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }));
    }
  }
  for (const raw of raws) await rpc<string>(url, 'eth_sendRawTransaction', [raw]);
  await waitFor(
    'the bench wallets funded',
    async () => (await Promise.all(wallets.map((wallet) => rpc<string>(url, 'eth_getBalance', [wallet.address, 'latest'])))).every((balance) => BigInt(balance) > 0n),
    30_000,
    500,
  );
}

async function throughput(path: string, url: string, observer: string, raws: string[]): Promise<ThroughputResult> {
  const watch = new InclusionWatch(observer);
  await watch.start();
  const sentAt = new Map<string, number>();
  let next = 0;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && next < raws.length) {
        const raw = raws[next++]!;
        const hash = Transaction.from(raw).hash!;
        sentAt.set(hash, performance.now());
        const ip = `10.${(sequence >> 16) & 255}.${(sequence >> 8) & 255}.${sequence++ & 255}`;
        await rpc<string>(url, 'eth_sendRawTransaction', [raw], 30_000, { 'cf-connecting-ip': ip });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (next >= raws.length && !path.endsWith('(warm-up)')) console.warn(`[bench] ${path}: ran out of pre-signed transactions; raise the estimate`);
  await waitFor('every sent transaction in a block', () => [...sentAt.keys()].every((hash) => watch.seenAt.has(hash)), 60_000, 100);
  watch.stop();
  const latencies = [...sentAt].map(([hash, at]) => watch.seenAt.get(hash)! - at).sort((a, b) => a - b);
  return { path, sent: sentAt.size, included: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1)! };
}

async function failover(devnet: E2eDevnet): Promise<FailoverResult> {
  const consensus = devnet.consensus();
  const status = await waitFor(
    'an epoch with blocks to spare',
    async () => {
      const current = await consensus.status();
      const latest = Number(await rpc<string>(devnet.sequencers.find((s) => s.running)!.rpcUrl, 'eth_blockNumber'));
      return latest >= current.epoch.firstBlock && latest <= current.epoch.lastBlock - 10 && devnet.sequencers.some((s) => s.address === current.activeSequencer && s.running) ? current : null;
    },
    120_000,
    100,
  );
  const victim = devnet.sequencers.find((sequencer) => sequencer.address === status.activeSequencer)!;
  const witness = devnet.sequencers.find((sequencer) => sequencer !== victim && sequencer.running)!;
  const watch = new BlockWatch(witness.rpcUrl);
  watch.start();
  const load = new TransferLoad({ url: devnet.edge!.url, wallets: [1, 2, 3, 4].map((index) => devAccount(index)), chainId: DEVNET_L2_CHAIN_ID });
  load.start();
  let result: Omit<FailoverResult, 'receipted' | 'lost'>;
  try {
    await waitFor('receipts before the kill', () => load.stats.receipted.length >= 8, 30_000);
    await victim.kill();
    const { last, first: successor } = await waitFor('the successor’s first block', () => watch.handover(victim.address), 60_000, 25);
    result = { killed: victim.address, lastBlock: last.number, firstBlock: successor.number, failoverMs: successor.seenAt - last.seenAt };
    const after = load.stats.receipted.length;
    await waitFor('receipts after the failover', () => load.stats.receipted.length >= after + 8, 60_000);
  } finally {
    await load.stop();
    watch.stop();
  }
  let lost = 0;
  const survivors = devnet.sequencers.filter((sequencer) => sequencer.running);
  const top = Math.max(...load.stats.receipted.map((item) => item.blockNumber));
  await waitFor('survivors at the top', async () => (await Promise.all(survivors.map(async (host) => Number(await rpc<string>(host.rpcUrl, 'eth_blockNumber'))))).every((n) => n >= top), 30_000);
  for (const host of survivors) {
    for (const item of load.stats.receipted) {
      const receipt = await rpc<{ blockHash: string } | null>(host.rpcUrl, 'eth_getTransactionReceipt', [item.hash]);
      if (!receipt || receipt.blockHash !== item.blockHash) lost++;
    }
  }
  await restart(victim, witness);
  return { ...result, receipted: load.stats.receipted.length, lost };
}

async function restart(victim: SequencerProcess, witness: SequencerProcess): Promise<void> {
  await victim.start();
  const target = Number(await rpc<string>(witness.rpcUrl, 'eth_blockNumber'));
  await waitFor('the restarted sequencer to catch up', async () => Number(await rpc<string>(victim.rpcUrl, 'eth_blockNumber')) >= target, 90_000, 250);
}

const startedAt = performance.now();
const devnet = await startE2eDevnet({
  withEdge: true,
  edgeScheduleMs: 2_000,
  edgeVars: { TX_LIMIT_PER_MINUTE: '100000000' },
  params: { epochLength: 120, electionLeadBlocks: 5 },
  progress: (step, done, seconds) => done && console.log(`[bench] ${step}: ${seconds!.toFixed(1)} s`),
});
console.log(`[bench] devnet up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
try {
  // A host queues at most 64 nonces ahead of a sender's account nonce, so a sustained load needs many senders:
  // 200 fresh wallets, funded from the genesis accounts 10..19 first.
  const wallets = Array.from({ length: 200 }, (_, index) => new Wallet(id(`e2e bench sender ${index}`)));
  const active = (await devnet.consensus().status()).activeSequencer;
  await fund(devnet.sequencers.find((sequencer) => sequencer.address === active)!.rpcUrl, wallets);
  const results: ThroughputResult[] = [];
  for (const path of ['through the edge (wrangler dev --local)', 'straight to the active sequencer host'] as const) {
    // Each run stays inside one epoch: a host that stops sequencing refuses writes sent straight to it.
    const sequencing = (
      await waitFor(
        'an epoch with room for the run',
        async () => {
          const status = await devnet.consensus().status();
          return status.l2.latest + durationS + 45 <= status.epoch.lastBlock ? status : null;
        },
        300_000,
        250,
      )
    ).activeSequencer;
    const activeHost = devnet.sequencers.find((sequencer) => sequencer.address === sequencing)!;
    const viaEdge = path.startsWith('through');
    const url = viaEdge ? devnet.edge!.url : activeHost.rpcUrl;
    const observer = devnet.sequencers.find((sequencer) => sequencer !== activeHost)!.rpcUrl;
    // Warm-up (JIT, connection pools, the edge isolate's routing table), then the measured run.
    await throughput(`${path} (warm-up)`, url, observer, await presign(url, wallets, 200));
    const result = await throughput(path, url, observer, await presign(url, wallets, (viaEdge ? 150 : 2_500) * durationS));
    console.log(`[bench] ${result.path}: ${fmt(result.perSecond)} tx/s, p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms`);
    results.push(result);
  }

  const failovers: FailoverResult[] = [];
  for (let round = 0; round < kills; round++) {
    const result = await failover(devnet);
    console.log(`[bench] kill ${round + 1}: ${result.killed} → failover ${fmt(result.failoverMs)} ms (blocks ${result.lastBlock} → ${result.firstBlock}), ${result.receipted} receipted, ${result.lost} lost`);
    failovers.push(result);
  }

  console.log('\n| path | tx/s (included) | p50 submit→receipt | p99 | max | transactions |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const result of results) console.log(`| ${result.path} | ${fmt(result.perSecond)} | ${fmt(result.p50)} ms | ${fmt(result.p99)} ms | ${fmt(result.max)} ms | ${fmt(result.included)} |`);
  const [edge, direct] = results as [ThroughputResult, ThroughputResult];
  console.log(`\nEdge / direct: ${(edge.perSecond / direct.perSecond).toFixed(2)}x the throughput, p50 ${(edge.p50 / direct.p50).toFixed(2)}x, p99 ${(edge.p99 / direct.p99).toFixed(2)}x.`);
  if (failovers.length) {
    console.log('\n| kill | killed sequencer | last block → first block of the successor | failover | receipted txs | lost |');
    console.log('| ---: | --- | --- | ---: | ---: | ---: |');
    for (const [index, f] of failovers.entries()) console.log(`| ${index + 1} | ${f.killed.slice(0, 10)}… | ${f.lastBlock} → ${f.firstBlock} | ${fmt(f.failoverMs)} ms | ${f.receipted} | ${f.lost} |`);
    const sorted = failovers.map((f) => f.failoverMs).sort((a, b) => a - b);
    console.log(`\nFailover median ${fmt(percentile(sorted, 0.5))} ms (min ${fmt(sorted[0]!)}, max ${fmt(sorted.at(-1)!)}); receipted transactions lost: ${failovers.reduce((sum, f) => sum + f.lost, 0)} of ${failovers.reduce((sum, f) => sum + f.receipted, 0)}.`);
  }
} finally {
  await devnet.cleanup();
}
