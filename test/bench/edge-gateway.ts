/**
 * The edge gateway's cost in front of a host: requests/s and latency through `wrangler dev` (workerd, local D1)
 * against calling the same upstream directly, in one run, printed as a Markdown table with the ratios.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/edge-gateway.ts [--concurrency 32] [--requests 4000] [--rounds 2]
 *
 * Upstream: a real JSON-RPC server on loopback, the Hardhat EDR node (test/support/l1.ts), standing in for a
 * sequencer host. No consensus layer runs here, so the routing table is written straight into the local D1 (one
 * host, active) before the edge starts; everything else is the production path: per-IP rate limiter, body and
 * envelope checks, D1 routing table (re-read every ROUTING_CACHE_MS), forwarding. Each request carries its own
 * CF-Connecting-IP, as many wallets would, so the limiter runs on every request without refusing any.
 * Calls alternate eth_blockNumber and eth_chainId (never cached by the edge: both change or are cheap upstream).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { executeLocalD1, migrateLocalD1, startLocalEdge } from '../../node/tools/edge/local-edge.ts';
import { startTestL1 } from '../support/l1.ts';
import { freePort } from '../support/ports.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    requests: { type: 'string', default: '4000' },
    'latency-requests': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
  },
});
const concurrency = Number(values.concurrency);
const total = Number(values.requests);
const rounds = Number(values.rounds);
const latencyRequests = Number(values['latency-requests']);

interface Result {
  target: string;
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

let sequence = 0;
function ipFor(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

interface Sample {
  latencies: number[];
  seconds: number;
}

/** Sends `count` requests from `clients` concurrent clients: JSON-RPC calls, or plain GETs when `post` is false. */
async function drive(target: string, url: string, count: number, clients: number, post = true): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const n = next++;
        const method = n % 2 === 0 ? 'eth_blockNumber' : 'eth_chainId';
        const t0 = performance.now();
        const response = await fetch(
          url,
          post
            ? { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': ipFor(sequence++) }, body: JSON.stringify({ jsonrpc: '2.0', id: n, method, params: [] }) }
            : { headers: { 'cf-connecting-ip': ipFor(sequence++) } },
        );
        const body = (await response.json()) as { result?: string; error?: unknown };
        latencies.push(performance.now() - t0);
        if (post && (!response.ok || !body.result)) throw new Error(`${target}: ${method} failed: HTTP ${response.status} ${JSON.stringify(body)}`);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

function summarize(target: string, samples: Sample[]): Result {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return {
    target,
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: latencies.reduce((sum, x) => sum + x, 0) / latencies.length,
  };
}

const l1 = await startTestL1();
const persistTo = mkdtempSync(join(tmpdir(), 'edge-bench-'));
let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
try {
  await migrateLocalD1(persistTo);
  await executeLocalD1(
    persistTo,
    `INSERT INTO network (id, chain_id, consensus_height, l2_chain_id, epoch, epoch_first_block, epoch_last_block, epoch_reason, next_epoch, active_sequencer, l2_latest, l2_safe, l2_finalized, mpc_address, mpc_threshold, mpc_parties, params, source, synced_at)
     VALUES (1, 'bench', 0, 31337, 0, 0, 1000000, 'genesis', NULL, '0x0000000000000000000000000000000000000001', 0, 0, 0, NULL, 0, '[]', '{}', 'bench', 0);
     INSERT INTO hosts (address, rpc_url, status, is_active, healthy) VALUES ('0x0000000000000000000000000000000000000001', '${l1.url}', 'active', 1, 1);`,
  );
  edge = await startLocalEdge({ port: await freePort(), inspectorPort: await freePort(), persistTo, vars: { CONSENSUS_URLS: '' } });

  // Warm up every path (JIT, connection pools, the isolate's routing table), then interleave the rounds so that
  // drift in the machine's load hits all paths alike. Latency is measured with one client (no queueing), throughput
  // with `concurrency` clients.
  const paths = [
    { name: 'host directly (EDR JSON-RPC)', url: l1.url, post: true },
    { name: 'through the edge gateway (wrangler dev --local)', url: `${edge.url}/`, post: true },
    { name: 'wrangler dev --local, a 404 route (the local runtime alone)', url: `${edge.url}/v1/none`, post: false },
  ];
  for (const path of paths) await drive('warm-up', path.url, 500, concurrency, path.post);
  const latency = paths.map(() => [] as Sample[]);
  const throughput = paths.map(() => [] as Sample[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, path] of paths.entries()) {
      latency[i]?.push(await drive(path.name, path.url, latencyRequests, 1, path.post));
      throughput[i]?.push(await drive(path.name, path.url, total, concurrency, path.post));
    }
  }
  const one = paths.map((path, i) => summarize(path.name, latency[i] as Sample[]));
  const many = paths.map((path, i) => summarize(path.name, throughput[i] as Sample[]));
  const direct = { one: one[0] as Result, many: many[0] as Result };
  const gateway = { one: one[1] as Result, many: many[1] as Result };

  const ms = (x: number) => x.toFixed(2);
  console.log(`\nEdge gateway vs calling the host directly (eth_blockNumber/eth_chainId), ${rounds} interleaved rounds per path\n`);
  console.log(`| path | requests/s (${concurrency} clients) | p50 ms (1 client) | p99 ms (1 client) | p50 ms (${concurrency} clients) | p99 ms (${concurrency} clients) |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  paths.forEach((path, i) => {
    const [a, b] = [one[i] as Result, many[i] as Result];
    console.log(`| ${path.name} | ${b.perSecond.toFixed(0)} | ${ms(a.p50)} | ${ms(a.p99)} | ${ms(b.p50)} | ${ms(b.p99)} |`);
  });
  console.log(
    `\nthroughput ratio (edge / direct): ${(gateway.many.perSecond / direct.many.perSecond).toFixed(3)}; ` +
      `added latency with one client: p50 +${ms(gateway.one.p50 - direct.one.p50)} ms, mean +${ms(gateway.one.mean - direct.one.mean)} ms; ` +
      `latency ratio (edge / direct, p50, one client): ${(gateway.one.p50 / direct.one.p50).toFixed(1)}`,
  );
} finally {
  await edge?.stop();
  await l1.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
