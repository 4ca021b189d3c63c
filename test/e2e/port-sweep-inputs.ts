import { createHash } from 'node:crypto';
import fc from 'fast-check';

/**
 * The hostile inputs of the port sweep (test/e2e/port-sweep.test.ts), all drawn from fast-check with fixed seeds so
 * a failing run is reproduced byte for byte.
 */

export const SWEEP_SEED = 0x5eed_2026;

/** `count` values of `arbitrary`, the same ones on every run for a given `salt`. */
export function draw<T>(arbitrary: fc.Arbitrary<T>, count: number, salt: number): T[] {
  return fc.sample(arbitrary, { seed: SWEEP_SEED + salt, numRuns: count });
}

export const randomBytes = (count: number, salt: number, maxLength = 2048): Uint8Array[] => draw(fc.uint8Array({ minLength: 1, maxLength }), count, salt);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'TRACK', 'BREW', 'G\u00c9T', 'get', ''];

/** An HTTP/1.1 request as raw text (target, headers and body as given, nothing checked). */
export function httpRequest(method: string, target: string, options: { body?: string; headers?: Record<string, string>; close?: boolean } = {}): string {
  const headers: Record<string, string> = { host: '127.0.0.1', ...options.headers };
  if (options.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(options.body));
  if (options.close ?? true) headers.connection = 'close';
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n');
  return `${method} ${target} HTTP/1.1\r\n${head}\r\n\r\n${options.body ?? ''}`;
}

const HUGE_NUMBERS = ['1e400', '-1e400', '115792089237316195423570985008687907853269984665640564039457584007913129639937', `"0x${'f'.repeat(10_000)}"`, '"0x-1"', '"0x"', '-0', '1.5', 'NaN', '"1e400"', '9007199254740993', `"${'9'.repeat(5000)}"`];

export const RPC_METHODS = [
  'eth_blockNumber', 'eth_call', 'eth_estimateGas', 'eth_feeHistory', 'eth_getBalance', 'eth_getBlockByHash', 'eth_getBlockByNumber', 'eth_getBlockReceipts',
  'eth_getCode', 'eth_getLogs', 'eth_getStorageAt', 'eth_getTransactionByBlockNumberAndIndex', 'eth_getTransactionByHash', 'eth_getTransactionCount',
  'eth_getTransactionReceipt', 'eth_sendRawTransaction', 'eth_sendRawTransactionSync', 'eth_subscribe', 'eth_unsubscribe', 'eth_newFilter', 'eth_getFilterChanges',
  'metis_batches', 'metis_getTransactionProof', 'metis_sequencer', 'web3_sha3', 'no_such_method',
];

/** Deeply nested arrays: `[[[…]]]` `depth` levels. */
export const deepArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
export const deepObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** JSON-RPC bodies with malformed JSON, wrong types, huge numbers and deep nesting. */
export function hostileRpcBodies(randomCount: number, salt: number): string[] {
  const bodies: string[] = ['', '{', '[', 'null', 'true', '"x"', '[]', '{}', '[1,2,3]', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":{},"method":1}', '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":{}}', '\u0000\u0001', '\ufeff{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'];
  bodies.push(deepArrays(100_000), deepObjects(100_000), `{"jsonrpc":"2.0","id":1,"method":"eth_call","params":${deepArrays(50_000)}}`, `[${Array.from({ length: 2000 }, () => '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}').join(',')}]`);
  for (const method of RPC_METHODS) {
    for (const number of HUGE_NUMBERS) bodies.push(`{"jsonrpc":"2.0","id":${number.startsWith('"') ? 1 : number},"method":"${method}","params":[${number},${number},${number}]}`);
    bodies.push(`{"jsonrpc":"2.0","id":1,"method":"${method}","params":[{"fromBlock":1e400,"toBlock":"0x${'f'.repeat(10_000)}","address":[${HUGE_NUMBERS.join(',')}],"topics":[[[[null]]]]}]}`);
  }
  const wrongTypes = draw(fc.tuple(fc.constantFrom(...RPC_METHODS), fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 4 })), randomCount, salt);
  for (const [method, params] of wrongTypes) bodies.push(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  for (const text of draw(fc.string({ unit: 'binary', maxLength: 512 }), randomCount, salt + 1)) bodies.push(text);
  return bodies;
}

/** Paths of the consensus query API with hostile parameters. */
export function hostileQueryTargets(): string[] {
  const targets = ['/', '*', '//x', '/v1/consensus/status?x=%', '/v1/consensus/accounts/%E0%A4%A', '/v1/consensus/proposals/%zz', `/v1/consensus/${'a/'.repeat(3000)}`];
  for (const number of ['1e400', '-1', '115792089237316195423570985008687907853269984665640564039457584007913129639937', `0x${'f'.repeat(4000)}`, '%00', '']) {
    targets.push(`/v1/consensus/sequencer?l2Block=${number}`, `/v1/consensus/epochs?from=${number}&limit=${number}`, `/v1/consensus/proposals/${number}`, `/v1/consensus/accounts/${number}`);
  }
  return targets;
}

/** The Sec-WebSocket-Accept a server must answer to `key` (RFC 6455 §4.2.2). */
export const websocketAccept = (key: string) => createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function websocketUpgrade(path = '/'): string {
  return httpRequest('GET', path, { close: false, headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': WS_KEY, 'sec-websocket-version': '13' } });
}

export const Opcode = { Continuation: 0, Text: 1, Binary: 2, Reserved: 3, Close: 8, Ping: 9 } as const;

/**
 * A client WebSocket frame (masked, as RFC 6455 requires of clients). `claimedLength` lies about the payload length
 * in the header, for truncated and oversize frames.
 */
export function websocketFrame(opcode: number, payload: Uint8Array, options: { fin?: boolean; claimedLength?: bigint; rsv?: number } = {}): Uint8Array {
  const length = options.claimedLength ?? BigInt(payload.length);
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f);
  let header: number[];
  if (length < 126n) header = [first, 0x80 | Number(length)];
  else if (length < 65_536n) header = [first, 0x80 | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff];
  else header = [first, 0x80 | 127, ...Array.from({ length: 8 }, (_, index) => Number((length >> BigInt(56 - 8 * index)) & 0xffn))];
  const mask = [0x12, 0x34, 0x56, 0x78];
  const masked = payload.map((byte, index) => byte ^ mask[index % 4]!);
  return Uint8Array.from([...header, ...mask, ...masked]);
}

const INVALID_UTF8 = [Uint8Array.of(0xc3, 0x28), Uint8Array.of(0xe2, 0x28, 0xa1), Uint8Array.of(0xf0, 0x90, 0x28, 0xbc), Uint8Array.of(0xff, 0xfe, 0xfd), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xc0, 0xaf)];

/** Frame sequences to send after a WebSocket upgrade: each entry is one connection's worth. */
export function hostileFrameSequences(randomCount: number, salt: number, maxPayload: number): Uint8Array[][] {
  const text = (value: string) => new TextEncoder().encode(value);
  const sequences: Uint8Array[][] = [];
  for (const bytes of INVALID_UTF8) sequences.push([websocketFrame(Opcode.Text, bytes)], [websocketFrame(Opcode.Text, Uint8Array.from([...text('{"jsonrpc":"2.0","id":1,"method":"'), ...bytes, ...text('"}')]))]);
  sequences.push(
    [websocketFrame(Opcode.Text, new Uint8Array(0), { claimedLength: 1n << 62n })],
    [websocketFrame(Opcode.Text, new Uint8Array(0), { claimedLength: BigInt(maxPayload) + 1n })],
    [websocketFrame(Opcode.Text, text('{"jsonrpc":"2.0"'), { claimedLength: 1000n })],
    [websocketFrame(Opcode.Text, text('{"jsonrpc":'), { fin: false })],
    [websocketFrame(Opcode.Continuation, text('orphan continuation'))],
    [websocketFrame(Opcode.Reserved, text('reserved opcode'))],
    [websocketFrame(Opcode.Text, text('rsv bits'), { rsv: 7 })],
    [websocketFrame(Opcode.Ping, new Uint8Array(200))],
    [websocketFrame(Opcode.Close, Uint8Array.of(0x03))],
    [websocketFrame(Opcode.Binary, text(deepArrays(100_000)))],
    [websocketFrame(Opcode.Text, text(deepObjects(100_000)))],
    [websocketFrame(Opcode.Binary, new Uint8Array(maxPayload + 1))],
    [websocketFrame(Opcode.Text, text('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}')).subarray(0, 9)],
  );
  for (const bytes of randomBytes(randomCount, salt, 4096)) sequences.push([websocketFrame(Opcode.Binary, bytes)], [websocketFrame(Opcode.Text, text(Buffer.from(bytes).toString('latin1')))], [bytes]);
  return sequences;
}
