import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Hex } from './types.ts';

/**
 * Canonical JSON: object keys sorted, no whitespace, no undefined. Every node must hash the state to the same
 * bytes, and JSON.stringify alone depends on insertion order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`non-integer number in canonical state: ${value}`);
    if (typeof value === 'bigint') throw new TypeError('bigint in canonical state (use a decimal string)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function sha256Hex(data: Uint8Array | string): Hex {
  return `0x${bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data))}`;
}

/** sha256 of the canonical JSON of a value: the digest used for app hashes and for comparing reports. */
export function digestOf(value: unknown): Hex {
  return sha256Hex(canonicalJson(value));
}
