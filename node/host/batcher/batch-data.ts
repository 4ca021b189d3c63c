import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex, type Hex } from '../../encoding/hex.ts';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);
const MAGIC = Buffer.from('L2B1');

/** Batch data that does not decode: not brotli, larger than the bound once decompressed, or not the format below. */
export class BatchDataError extends Error {
  override name = 'BatchDataError';
}

/**
 * Decompressed size a decoder accepts by default: far above any batch the batcher cuts, and small enough that a
 * brotli bomb posted to L1 (a few KiB that inflate to gigabytes) is refused instead of exhausting memory.
 */
export const MAX_BATCH_RAW_BYTES = 256 * 1024 * 1024;

/** What a batch carries per block: enough for anyone to re-execute the range from the previous state. */
export interface BatchBlock {
  number: bigint;
  timestamp: bigint;
  beneficiary: Hex;
  gasLimit: bigint;
  transactions: Hex[];
}

/**
 * Batch data: "L2B1" | u32 blockCount | per block: u64 number, u64 timestamp, 20-byte beneficiary, u64 gasLimit,
 * u32 txCount, then per tx u32 length + EIP-2718 bytes; brotli-compressed. dataHash = keccak256(compressed).
 */
export async function encodeBatchData(blocks: readonly BatchBlock[]): Promise<{ compressed: Uint8Array; dataHash: Hex; rawSize: number }> {
  const parts: Buffer[] = [MAGIC, u32(blocks.length)];
  for (const block of blocks) {
    const head = Buffer.alloc(8 + 8 + 20 + 8 + 4);
    head.writeBigUInt64BE(block.number, 0);
    head.writeBigUInt64BE(block.timestamp, 8);
    head.set(fromHex(block.beneficiary), 16);
    head.writeBigUInt64BE(block.gasLimit, 36);
    head.writeUInt32BE(block.transactions.length, 44);
    parts.push(head);
    for (const tx of block.transactions) {
      const bytes = Buffer.from(tx.slice(2), 'hex');
      parts.push(u32(bytes.length), bytes);
    }
  }
  const raw = Buffer.concat(parts);
  const compressed = new Uint8Array(
    await compress(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
  );
  return { compressed, dataHash: toHex(keccak_256(compressed)), rawSize: raw.length };
}

export async function decodeBatchData(compressed: Uint8Array, maxRawBytes = MAX_BATCH_RAW_BYTES): Promise<BatchBlock[]> {
  let raw: Buffer;
  try {
    raw = await decompress(compressed, { maxOutputLength: maxRawBytes });
  } catch (error) {
    throw new BatchDataError(`batch data: does not decompress within ${maxRawBytes} bytes (${(error as Error).message})`);
  }
  if (raw.length < 8 || !raw.subarray(0, 4).equals(MAGIC)) throw new BatchDataError('batch data: bad magic');
  const count = raw.readUInt32BE(4);
  const blocks: BatchBlock[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 48 > raw.length) throw new BatchDataError('batch data: truncated block header');
    const block: BatchBlock = {
      number: raw.readBigUInt64BE(at),
      timestamp: raw.readBigUInt64BE(at + 8),
      beneficiary: toHex(raw.subarray(at + 16, at + 36)),
      gasLimit: raw.readBigUInt64BE(at + 36),
      transactions: [],
    };
    const txCount = raw.readUInt32BE(at + 44);
    at += 48;
    for (let t = 0; t < txCount; t++) {
      if (at + 4 > raw.length) throw new BatchDataError('batch data: truncated transaction length');
      const length = raw.readUInt32BE(at);
      if (at + 4 + length > raw.length) throw new BatchDataError('batch data: truncated transaction');
      block.transactions.push(toHex(raw.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    blocks.push(block);
  }
  if (at !== raw.length) throw new BatchDataError('batch data: trailing bytes');
  return blocks;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
