import type { Hex } from '../hex.ts';
import { InvalidParamsError } from './errors.ts';

/** Parsers for JSON-RPC parameters. Each either returns a typed value or throws InvalidParamsError naming the field. */
export type { Hex };
export type BlockTag = 'latest' | 'pending' | 'safe' | 'finalized' | 'earliest';
export type BlockRef =
  | { kind: 'tag'; tag: BlockTag }
  | { kind: 'number'; number: bigint }
  | { kind: 'hash'; hash: Hex; requireCanonical: boolean };

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;
const BLOCK_TAGS: ReadonlySet<string> = new Set(['latest', 'pending', 'safe', 'finalized', 'earliest']);
const UINT256_MAX = (1n << 256n) - 1n;

/** Positional params: `params` may be omitted or an array; by-name objects are not used by Ethereum clients. */
export function positional(params: unknown, min: number, max: number): unknown[] {
  if (params === undefined || params === null) params = [];
  if (!Array.isArray(params)) throw new InvalidParamsError('params must be an array');
  if (params.length < min) throw new InvalidParamsError(`missing value for required argument ${params.length}`);
  if (params.length > max) throw new InvalidParamsError(`too many arguments, want at most ${max}`);
  return params;
}

/** A QUANTITY: 0x-prefixed hex without leading zeros (geth rejects "0x" and "0x01"). */
export function quantity(value: unknown, field: string, max: bigint = UINT256_MAX): bigint {
  if (typeof value !== 'string') throw new InvalidParamsError(`${field}: expected a hex quantity string`);
  if (!QUANTITY.test(value)) {
    const reason = value === '0x' ? 'empty hex string' : /^0x0[0-9a-f]/i.test(value) ? 'hex number with leading zero digits' : 'not a hex quantity';
    throw new InvalidParamsError(`${field}: ${reason}`);
  }
  const n = BigInt(value);
  if (n > max) throw new InvalidParamsError(`${field}: hex number > ${max === UINT256_MAX ? '256' : '64'} bits`);
  return n;
}

export function uint64(value: unknown, field: string): bigint {
  return quantity(value, field, (1n << 64n) - 1n);
}

/** A small non-negative integer given as hex quantity or JSON number (some clients send numbers for counts). */
export function count(value: unknown, field: string, max: number): number {
  const n = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? BigInt(value) : quantity(value, field);
  if (n > BigInt(max)) throw new InvalidParamsError(`${field}: at most ${max}`);
  return Number(n);
}

/** DATA: 0x-prefixed hex of whole bytes, returned lowercase; `length` pins the byte length. */
export function data(value: unknown, field: string, length?: number): Hex {
  if (typeof value !== 'string' || !DATA.test(value)) throw new InvalidParamsError(`${field}: expected 0x-prefixed hex bytes`);
  if (length !== undefined && value.length !== 2 + 2 * length) throw new InvalidParamsError(`${field}: expected ${length} bytes, got ${(value.length - 2) / 2}`);
  return value.toLowerCase() as Hex;
}

export function address(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{40}$/i.test(value)) throw new InvalidParamsError(`${field}: expected a 20-byte hex address`);
  return value.toLowerCase() as Hex;
}

export function hash32(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{64}$/i.test(value)) throw new InvalidParamsError(`${field}: expected a 32-byte hex hash`);
  return value.toLowerCase() as Hex;
}

export function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new InvalidParamsError(`${field}: expected a boolean`);
  return value;
}

/** A block number, tag, or EIP-1898 object ({blockNumber} | {blockHash, requireCanonical}). */
export function blockRef(value: unknown, field = 'block'): BlockRef {
  if (value === undefined || value === null) return { kind: 'tag', tag: 'latest' };
  if (typeof value === 'string') {
    if (BLOCK_TAGS.has(value)) return { kind: 'tag', tag: value as BlockTag };
    return { kind: 'number', number: uint64(value, field) };
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if ('blockHash' in obj && 'blockNumber' in obj) throw new InvalidParamsError(`${field}: give blockHash or blockNumber, not both`);
    if ('blockHash' in obj) {
      const requireCanonical = obj.requireCanonical === undefined ? false : bool(obj.requireCanonical, `${field}.requireCanonical`);
      return { kind: 'hash', hash: hash32(obj.blockHash, `${field}.blockHash`), requireCanonical };
    }
    if ('blockNumber' in obj) return blockRef(obj.blockNumber, `${field}.blockNumber`);
  }
  throw new InvalidParamsError(`${field}: expected a block number, tag or {blockHash}`);
}

/** Arguments of eth_call / eth_estimateGas (geth's TransactionArgs), parsed into what the engine takes. */
export interface CallArgs {
  from?: Hex;
  to?: Hex;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  nonce?: bigint;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
  /** EIP-7702: a non-empty list runs the call as a set-code transaction. */
  authorizationList?: CallAuthorization[];
}

/** One EIP-7702 authorization as geth's TransactionArgs take it; every number a 0x-hex string. */
export interface CallAuthorization {
  chainId: Hex;
  address: Hex;
  nonce: Hex;
  yParity: Hex;
  r: Hex;
  s: Hex;
}

/** The pool's bound (seq_tx::MAX_POOL_AUTHORIZATIONS): a call may not carry more than a pooled transaction. */
export const MAX_CALL_AUTHORIZATIONS = 64;

const CALL_FIELDS = new Set(['from', 'to', 'gas', 'gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'value', 'data', 'input', 'nonce', 'accessList', 'chainId', 'type', 'blobVersionedHashes', 'maxFeePerBlobGas', 'authorizationList']);

export function callArgs(value: unknown, field = 'transaction'): CallArgs {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidParamsError(`${field}: expected a transaction object`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!CALL_FIELDS.has(key)) throw new InvalidParamsError(`${field}: unknown field ${key}`);
  }
  const args: CallArgs = {};
  if (obj.from != null) args.from = address(obj.from, `${field}.from`);
  if (obj.to != null) args.to = address(obj.to, `${field}.to`);
  if (obj.gas != null) args.gas = uint64(obj.gas, `${field}.gas`);
  if (obj.gasPrice != null) args.gasPrice = quantity(obj.gasPrice, `${field}.gasPrice`);
  if (obj.maxFeePerGas != null) args.maxFeePerGas = quantity(obj.maxFeePerGas, `${field}.maxFeePerGas`);
  if (obj.maxPriorityFeePerGas != null) args.maxPriorityFeePerGas = quantity(obj.maxPriorityFeePerGas, `${field}.maxPriorityFeePerGas`);
  if (args.gasPrice !== undefined && (args.maxFeePerGas !== undefined || args.maxPriorityFeePerGas !== undefined)) {
    throw new InvalidParamsError(`${field}: both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified`);
  }
  if (obj.value != null) args.value = quantity(obj.value, `${field}.value`);
  const input = obj.input ?? obj.data;
  if (obj.input != null && obj.data != null && data(obj.input, `${field}.input`) !== data(obj.data, `${field}.data`)) {
    throw new InvalidParamsError(`${field}: both "data" and "input" are set and not equal`);
  }
  if (input != null) args.data = data(input, `${field}.input`);
  if (obj.nonce != null) args.nonce = uint64(obj.nonce, `${field}.nonce`);
  if (obj.accessList != null) args.accessList = accessList(obj.accessList, `${field}.accessList`);
  if (obj.authorizationList != null) args.authorizationList = authorizationList(obj.authorizationList, `${field}.authorizationList`);
  return args;
}

function authorizationList(value: unknown, field: string): CallAuthorization[] {
  if (!Array.isArray(value)) throw new InvalidParamsError(`${field}: expected an array`);
  if (value.length > MAX_CALL_AUTHORIZATIONS) throw new InvalidParamsError(`${field}: at most ${MAX_CALL_AUTHORIZATIONS} authorizations`);
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new InvalidParamsError(`${field}[${i}]: expected an object`);
    const entry = item as Record<string, unknown>;
    const at = (key: string) => `${field}[${i}].${key}`;
    // Signature words come zero-padded from some wallets (viem): hex of at most 32 bytes, leading zeros allowed.
    const word = (key: string, max: bigint) => {
      const text = entry[key];
      if (typeof text !== 'string' || !/^0x[0-9a-f]{1,64}$/i.test(text)) throw new InvalidParamsError(`${at(key)}: expected a hex number`);
      const n = BigInt(text);
      if (n > max) throw new InvalidParamsError(`${at(key)}: above ${max}`);
      return `0x${n.toString(16)}` as Hex;
    };
    return {
      chainId: word('chainId', UINT256_MAX),
      address: address(entry.address, at('address')),
      nonce: word('nonce', (1n << 64n) - 1n),
      yParity: word(entry.yParity === undefined ? 'v' : 'yParity', 1n),
      r: word('r', UINT256_MAX),
      s: word('s', UINT256_MAX),
    };
  });
}

function accessList(value: unknown, field: string): { address: Hex; storageKeys: Hex[] }[] {
  if (!Array.isArray(value)) throw new InvalidParamsError(`${field}: expected an array`);
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new InvalidParamsError(`${field}[${i}]: expected an object`);
    const entry = item as Record<string, unknown>;
    const keys = entry.storageKeys ?? [];
    if (!Array.isArray(keys)) throw new InvalidParamsError(`${field}[${i}].storageKeys: expected an array`);
    return { address: address(entry.address, `${field}[${i}].address`), storageKeys: keys.map((k, j) => hash32(k, `${field}[${i}].storageKeys[${j}]`)) };
  });
}

/** eth_getLogs / eth_subscribe('logs') filter. Topics: null = any; array = any of. */
export interface LogFilter {
  fromBlock?: BlockRef;
  toBlock?: BlockRef;
  blockHash?: Hex;
  addresses: Hex[];
  topics: (Hex[] | null)[];
}

export function logFilter(value: unknown, field = 'filter', allowRange = true): LogFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidParamsError(`${field}: expected a filter object`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!['fromBlock', 'toBlock', 'blockHash', 'address', 'topics'].includes(key)) throw new InvalidParamsError(`${field}: unknown field ${key}`);
  }
  const filter: LogFilter = { addresses: [], topics: [] };
  if (obj.blockHash != null) {
    if (!allowRange) throw new InvalidParamsError(`${field}: blockHash is not allowed here`);
    if (obj.fromBlock != null || obj.toBlock != null) throw new InvalidParamsError(`${field}: cannot specify both blockHash and fromBlock/toBlock`);
    filter.blockHash = hash32(obj.blockHash, `${field}.blockHash`);
  }
  if (obj.fromBlock != null || obj.toBlock != null) {
    if (!allowRange) throw new InvalidParamsError(`${field}: fromBlock/toBlock are not allowed here`);
    if (obj.fromBlock != null) filter.fromBlock = blockRef(obj.fromBlock, `${field}.fromBlock`);
    if (obj.toBlock != null) filter.toBlock = blockRef(obj.toBlock, `${field}.toBlock`);
  }
  if (obj.address != null) {
    filter.addresses = Array.isArray(obj.address) ? obj.address.map((a, i) => address(a, `${field}.address[${i}]`)) : [address(obj.address, `${field}.address`)];
  }
  if (obj.topics != null) {
    if (!Array.isArray(obj.topics)) throw new InvalidParamsError(`${field}.topics: expected an array`);
    if (obj.topics.length > 4) throw new InvalidParamsError(`${field}.topics: at most 4 topic positions`);
    filter.topics = obj.topics.map((t, i) => {
      if (t === null) return null;
      if (Array.isArray(t)) return t.length === 0 ? null : t.map((x, j) => hash32(x, `${field}.topics[${i}][${j}]`));
      return [hash32(t, `${field}.topics[${i}]`)];
    });
  }
  return filter;
}
