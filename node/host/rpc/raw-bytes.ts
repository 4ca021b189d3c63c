import { InvalidParamsError } from '../../../protocol/jsonrpc/errors.ts';

/**
 * The host's parser for DATA it only needs as bytes (eth_sendRawTransaction): Buffer's native hex codec in one pass,
 * no regex. The Worker never decodes raw transactions, so this stays out of protocol/.
 */
export function bytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 2 !== 0 || (value[0] !== '0' || (value[1] !== 'x' && value[1] !== 'X'))) {
    throw new InvalidParamsError(`${field}: expected 0x-prefixed hex bytes`);
  }
  const decoded = Buffer.from(value.slice(2), 'hex');
  // Buffer.from stops at the first non-hex pair: a short result means the input was not all hex.
  if (decoded.length * 2 !== value.length - 2) throw new InvalidParamsError(`${field}: expected 0x-prefixed hex bytes`);
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
}

