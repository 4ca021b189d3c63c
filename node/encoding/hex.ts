/** Hex helpers shared by the host. Buffer's hex codec is native and the fastest available in Node. */
import type { Hex } from '../../protocol/hex.ts';

export type { Hex };

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

export function fromHex(hex: string): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new Error(`not hex bytes: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(body, 'hex'));
}

export const quantity = (n: bigint | number): Hex => `0x${n.toString(16)}`;

/** Parses a hex quantity or decimal string / number coming back from the native layer. */
export function toBigInt(value: string | number | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}
