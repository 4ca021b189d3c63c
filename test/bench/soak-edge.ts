/**
 * The edge alone under a steady request load, to tell the Worker's own memory from the local runtime's: wrangler dev
 * --local with a fresh local D1 whose routing table names one fake host (a loopback JSON-RPC server answering
 * eth_blockNumber), loaded with `--concurrency` requests in flight, one variant after another:
 *   real:one   the edge (edge/index.ts), every request from one client IP
 *   real:new   the edge, a new client IP per request
 *   stub:new   test/bench/soak-stub-worker.ts: the same bindings, a constant answer
 *   limiter:new the stub, which first spends the simulated rate limiter's budget under a new key per request
 * More parts: `:obs` turns wrangler's local observability (a trace store of every request) back on; `:noinspect`
 * passes no inspector port and takes no heap figure (wrangler still opens its default inspector, so this shows
 * what the heap sampling costs, not a runtime without an inspector).
 * Per sample: workerd RSS (/proc), the Worker's V8 heap after a full GC (inspector), bytes under the persist dir.
 * At the end: the persist dir's files and the row counts of every table in its SQLite files.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/soak-edge.ts [--seconds 90] [--sample 15] [--variants real:new,stub:new]
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { executeLocalD1, migrateLocalD1, startLocalEdge } from '../../node/tools/edge/local-edge.ts';
import { freePort } from '../support/ports.ts';
import { machine } from './measure.ts';
import { diskBytes, largestFiles, sampleProcesses, slope, workerHeap, ipOf } from './soak-probe.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '90' },
    sample: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '4' },
    variants: { type: 'string', default: 'real:new:obs,real:new,real:one,stub:new,limiter:new' },
  },
});
const seconds = Number(values.seconds);
const sampleS = Number(values.sample);
const concurrency = Number(values.concurrency);
const MB = 1024 * 1024;
const STUB = 'test/bench/soak-stub-worker.ts';
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A host that answers every JSON-RPC call (and batch) at once: the edge's own cost is what is measured. */
async function fakeHost(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = (call: { id?: unknown; method?: string }) => ({ jsonrpc: '2.0', id: call.id ?? null, result: call.method === 'eth_blockNumber' ? '0x10' : null });
      const parsed = JSON.parse(body || '{}') as { id?: unknown } | { id?: unknown }[];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

interface Point {
  atMin: number;
  rssMb: number;
  heapMb: number;
  diskMb: number;
}

async function runVariant(variant: string, hostUrl: string): Promise<{ points: Point[]; requests: number; errors: number; files: string[] }> {
  const [entry, ips, ...flags] = variant.split(':');
  const persistTo = mkdtempSync(join(tmpdir(), 'soak-edge-'));
  try {
    await migrateLocalD1(persistTo);
    await executeLocalD1(
      persistTo,
      `INSERT INTO hosts (address, rpc_url, status, is_active, healthy) VALUES ('0x${'11'.repeat(20)}', '${hostUrl}', 'active', 1, 1);`,
    );
    const inspectorPort = await freePort();
    const edge = await startLocalEdge({
      port: await freePort(),
      inspectorPort: flags.includes('noinspect') ? undefined : inspectorPort,
      persistTo,
      main: entry === 'real' ? undefined : STUB,
      localObservability: flags.includes('obs'),
      vars: { CONSENSUS_URLS: 'http://127.0.0.1:9', SOAK_STUB: entry === 'limiter' ? 'limiter' : 'constant' },
    });
    let running = true;
    let requests = 0;
    let errors = 0;
    const load = Array.from({ length: concurrency }, async (_, lane) => {
      for (let n = lane; running; n += concurrency) {
        const ip = ips === 'new' ? ipOf(1_000_000 + n) : '10.0.0.1';
        try {
          const response = await fetch(edge.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
            body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'eth_blockNumber', params: [] }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await response.json()) as { result?: string };
          if (body.result === undefined) errors++;
          requests++;
        } catch {
          errors++;
        }
      }
    });
    const points: Point[] = [];
    const startedAt = Date.now();
    try {
      while (Date.now() - startedAt < seconds * 1000) {
        const heap = await workerHeap(inspectorPort);
        const workerd = sampleProcesses().find((p) => p.name === 'workerd');
        const point = { atMin: (Date.now() - startedAt) / 60_000, rssMb: (workerd?.rssBytes ?? 0) / MB, heapMb: (heap?.usedBytes ?? Number.NaN) / MB, diskMb: diskBytes(persistTo) / MB };
        points.push(point);
        console.log(`[${variant}] ${fmt(point.atMin, 2)} min: ${requests} requests (${errors} errors), workerd ${fmt(point.rssMb, 0)} MB, Worker heap ${fmt(point.heapMb)} MB, persist dir ${fmt(point.diskMb, 2)} MB`);
        await sleep(sampleS * 1000);
      }
    } finally {
      running = false;
      await Promise.all(load);
      await edge.stop();
    }
    const files = largestFiles(persistTo, 8);
    return { points, requests, errors, files };
  } finally {
    rmSync(persistTo, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const host = await fakeHost();
  const rows: string[] = [];
  try {
    for (const variant of values.variants.split(',')) {
      const { points, requests, errors, files } = await runVariant(variant, host.url);
      const minutes = points.at(-1)!.atMin;
      const per = (key: keyof Point) => fmt(slope(points.map((p) => ({ x: p.atMin, y: p[key] }))), 1);
      rows.push(`| ${variant} | ${requests} (${fmt(requests / (minutes * 60), 0)}/s), ${errors} errors | ${fmt(points[0]!.rssMb, 0)} → ${fmt(points.at(-1)!.rssMb, 0)} MB (${per('rssMb')} MB/min) | ${fmt(points[0]!.heapMb)} → ${fmt(points.at(-1)!.heapMb)} MB (${per('heapMb')} MB/min) | ${fmt(points.at(-1)!.diskMb, 2)} MB (${per('diskMb')} MB/min) |`);
      console.log(`[${variant}] largest files in the persist dir:\n  ${files.join('\n  ')}`);
    }
  } finally {
    host.server.close();
  }
  console.log(`\n## Edge A/B: ${seconds} s per variant, ${concurrency} requests in flight, samples every ${sampleS} s (${machine()})\n`);
  console.log('| variant | requests | workerd RSS | Worker heap after GC | persist dir |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
