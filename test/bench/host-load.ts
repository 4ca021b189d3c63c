/**
 * The load generator of test/bench/host-rpc.ts, run as its own process: sends pre-signed raw transactions as
 * JSON-RPC batches over keep-alive HTTP with a fixed number of requests in flight (closed loop), and times each
 * transaction from its submission to the arrival of the newHeads notification of the block that holds it.
 *
 *   node test/bench/host-load.ts <job.json>   ->  one JSON line with the result on stdout
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import WebSocket from 'ws';

export interface LoadJob {
  rpc: string;
  ws: string;
  /** Each entry is one JSON-RPC batch request of eth_sendRawTransaction calls. */
  requests: string[][];
  concurrency: number;
  /** Stop sending after this long even if requests remain. */
  durationMs: number;
  /** Open loop: offer this many tx/s on a fixed schedule (0: closed loop, `concurrency` requests in flight). */
  rate?: number;
  /** How long to wait for inclusion after the last send. */
  drainMs: number;
}

export interface LoadResult {
  sent: number;
  accepted: number;
  refused: number;
  errors: Record<string, number>;
  sendSeconds: number;
  acceptedPerSecond: number;
  included: number;
  includedPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadJob;
const url = new URL(job.rpc);
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const submittedAt = new Map<string, number>();
const includedAt = new Map<string, number>();
const errors: Record<string, number> = {};
let accepted = 0;
let refused = 0;
let sent = 0;

function post(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Heads: the arrival of a block's newHeads notification is when its receipts became available.
const ws = new WebSocket(job.ws);
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
const pendingBlocks: Promise<void>[] = [];
ws.on('message', (data) => {
  const message = JSON.parse(data.toString()) as { method?: string; params?: { result: { number: string } } };
  if (message.method !== 'eth_subscription' || !message.params) return;
  const at = performance.now();
  const number = message.params.result.number;
  pendingBlocks.push(
    post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: [number, false] })).then((text) => {
      const block = (JSON.parse(text) as { result: { transactions: string[] } | null }).result;
      for (const hash of block?.transactions ?? []) if (!includedAt.has(hash)) includedAt.set(hash, at);
    }),
  );
});
ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
await new Promise((r) => setTimeout(r, 200));

const start = performance.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < job.requests.length && performance.now() - start < job.durationMs) {
    const index = next++;
    const raws = job.requests[index] as string[];
    if (job.rate) {
      // Open loop: request i leaves at its slot, however the earlier ones fare.
      const due = start + (index * raws.length * 1000) / job.rate;
      if (due - start >= job.durationMs) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const body = JSON.stringify(raws.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] })));
    const at = performance.now();
    sent += raws.length;
    const text = await post(body);
    const replies = JSON.parse(text) as { result?: string; error?: { message: string } }[] | { error: { message: string } };
    if (!Array.isArray(replies)) {
      refused += raws.length;
      errors[replies.error.message] = (errors[replies.error.message] ?? 0) + raws.length;
      continue;
    }
    for (const reply of replies) {
      // The answer is the transaction hash: the submission time is when its request left.
      if (reply.result) {
        accepted++;
        submittedAt.set(reply.result, at);
      } else {
        refused++;
        const key = (reply.error?.message ?? 'unknown').replace(/\d+/g, 'N');
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  }
}
await Promise.all(Array.from({ length: job.concurrency }, worker));
const sendSeconds = (performance.now() - start) / 1000;

const drainEnd = performance.now() + job.drainMs;
while (performance.now() < drainEnd && includedAt.size < accepted) await new Promise((r) => setTimeout(r, 20));
await Promise.all(pendingBlocks);
ws.close();
agent.destroy();

const latencies: number[] = [];
let lastIncluded = start;
for (const [hash, at] of includedAt) {
  const submitted = submittedAt.get(hash);
  if (submitted === undefined) continue;
  latencies.push(at - submitted);
  if (at > lastIncluded) lastIncluded = at;
}
latencies.sort((a, b) => a - b);
const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN) * 10) / 10;
const result: LoadResult = {
  sent,
  accepted,
  refused,
  errors,
  sendSeconds: Math.round(sendSeconds * 100) / 100,
  acceptedPerSecond: Math.round(accepted / sendSeconds),
  included: latencies.length,
  includedPerSecond: Math.round(latencies.length / ((lastIncluded - start) / 1000)),
  latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
};
console.log(JSON.stringify(result));
