/**
 * Hardhat's EDR node keeps its chain in memory. For `npm start` to resume the same L1, the devnet puts this
 * recording proxy in front of it: every call that changes the chain is appended to a journal together with the
 * timestamp of the block it produced, and on the next start the journal is replayed into a fresh node whose
 * genesis time is pinned, which rebuilds the same blocks, hashes and state.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rpcCall } from '../../net/rpc-call.ts';

/** Calls that change the chain. Everything else is a read and is forwarded without a record. */
const CHAIN_CHANGING = new Set([
  'eth_sendRawTransaction',
  'eth_sendTransaction',
  'evm_mine',
  'hardhat_mine',
  'evm_setAutomine',
  'evm_setIntervalMining',
  'hardhat_setBalance',
  'hardhat_setCode',
  'hardhat_setNonce',
  'hardhat_setStorageAt',
  'hardhat_setCoinbase',
  'hardhat_setPrevRandao',
  'hardhat_setNextBlockBaseFeePerGas',
]);

/** Calls that must not be replayed: they only shape the next block, whose timestamp the journal already holds. */
const NOT_JOURNALED = new Set(['evm_setNextBlockTimestamp', 'evm_increaseTime']);

type JsonRpcRequest = { jsonrpc?: string; id?: unknown; method?: unknown; params?: unknown };
type JsonRpcResponse = { id?: unknown; result?: unknown; error?: unknown };

/** One chain-changing call: its method, params, and the head block (number, timestamp) right after it. */
export type JournalEntry = { method: string; params: unknown; block: number; timestamp: number };

export type JournalProxy = { url: string; close(): Promise<void> };

/** Reads a journal file (one JSON entry per line); a torn last line from a crash is ignored. */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      break;
    }
  }
  return entries;
}

/** Replays `entries` into the node at `upstream`, pinning each produced block's timestamp. */
export async function replayJournal(upstream: string, entries: readonly JournalEntry[]): Promise<void> {
  for (const entry of entries) {
    const head = await headOf(upstream);
    if (entry.block > head.number) await rpcCall(upstream, 'evm_setNextBlockTimestamp', [entry.timestamp]);
    await rpcCall(upstream, entry.method, entry.params);
    const after = await headOf(upstream);
    if (after.number !== entry.block) {
      throw new Error(`L1 journal replay diverged at ${entry.method}: head ${after.number}, journal says ${entry.block}`);
    }
  }
}

/**
 * Serves `port` on 127.0.0.1 as a JSON-RPC proxy to `upstream`, journaling chain-changing calls to `file`.
 * Chain-changing calls are forwarded one at a time so the journal's order is the chain's order.
 */
export async function startJournalProxy(options: { port: number; upstream: string; file: string }): Promise<JournalProxy> {
  let serial: Promise<unknown> = Promise.resolve();
  const forwardOne = async (request: JsonRpcRequest): Promise<JsonRpcResponse> => {
    const method = typeof request.method === 'string' ? request.method : '';
    if (!CHAIN_CHANGING.has(method) || NOT_JOURNALED.has(method)) return await post(options.upstream, request);
    const run = serial.then(async () => {
      const response = await post(options.upstream, request);
      if (response.error === undefined) {
        const head = await headOf(options.upstream);
        const entry: JournalEntry = { method, params: request.params ?? [], block: head.number, timestamp: head.timestamp };
        appendFileSync(options.file, `${JSON.stringify(entry)}\n`);
      }
      return response;
    });
    serial = run.catch(() => undefined);
    return await run;
  };

  const server: Server = createServer((req, res) => void handle(req, res, forwardOne));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, forwardOne: (r: JsonRpcRequest) => Promise<JsonRpcResponse>) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  try {
    if (Array.isArray(body)) {
      const out: JsonRpcResponse[] = [];
      for (const item of body) out.push(await forwardOne(item as JsonRpcRequest));
      return send(res, out);
    }
    return send(res, await forwardOne(body as JsonRpcRequest));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return send(res, { jsonrpc: '2.0', id: null, error: { code: -32603, message: `L1 unreachable: ${message}` } });
  }
}

function send(res: ServerResponse, payload: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

async function post(url: string, request: JsonRpcRequest): Promise<JsonRpcResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return (await response.json()) as JsonRpcResponse;
}

async function headOf(url: string): Promise<{ number: number; timestamp: number }> {
  const block = (await rpcCall(url, 'eth_getBlockByNumber', ['latest', false])) as { number: string; timestamp: string };
  return { number: Number(block.number), timestamp: Number(block.timestamp) };
}
