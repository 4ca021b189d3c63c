import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchDataError, decodeBatchData, encodeBatchData, type BatchBlock } from '../../node/host/batcher/batch-data.ts';
import { fuzzParams, hexOf } from './support.ts';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const batchBlock: fc.Arbitrary<BatchBlock> = fc.record({
  number: u64,
  timestamp: u64,
  beneficiary: hexOf(20),
  gasLimit: u64,
  transactions: fc.array(fc.uint8Array({ maxLength: 60 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`), { maxLength: 5 }),
});

/** Resolves to the blocks, or to the BatchDataError; anything else thrown fails the property. */
async function decodeOrRefuse(compressed: Uint8Array, maxRawBytes?: number): Promise<BatchBlock[] | BatchDataError> {
  try {
    return await decodeBatchData(compressed, maxRawBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(BatchDataError);
    return error as BatchDataError;
  }
}

describe('fuzz: batch data (decodeBatchData)', () => {
  it('every list of blocks round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchBlock, { maxLength: 6 }), async (blocks) => {
        expect(await decodeBatchData((await encodeBatchData(blocks)).compressed)).toEqual(blocks);
      }),
      fuzzParams(100),
    );
  });

  it('arbitrary compressed bytes, and arbitrary bytes brotli-compressed, decode or throw BatchDataError', async () => {
    const withMagic = fc.uint8Array({ maxLength: 200 }).map((body) => Buffer.concat([Buffer.from('L2B1'), body]));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.oneof(fc.uint8Array({ maxLength: 200 }), withMagic).map((raw) => new Uint8Array(brotliCompressSync(raw)))), async (compressed) => {
        await decodeOrRefuse(compressed);
      }),
      fuzzParams(500),
    );
  });

  it('a valid batch with its raw bytes edited or cut decodes to something well formed or throws BatchDataError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchBlock, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (blocks, at, byte, cut) => {
        const { compressed } = await encodeBatchData(blocks);
        const raw = brotliDecompressSync(compressed);
        const index = at % raw.length;
        const edited = cut ? raw.subarray(0, index) : Buffer.from(raw).fill(byte, index, index + 1);
        const result = await decodeOrRefuse(new Uint8Array(brotliCompressSync(edited)));
        if (!(result instanceof BatchDataError)) for (const block of result) expect(block.beneficiary).toMatch(/^0x[0-9a-f]{40}$/);
      }),
      fuzzParams(150),
    );
  });

  it('refuses data that inflates past the bound (a brotli bomb) with BatchDataError', async () => {
    const bomb = new Uint8Array(brotliCompressSync(Buffer.concat([Buffer.from('L2B1'), Buffer.alloc(4 * 1024 * 1024)])));
    expect(bomb.length).toBeLessThan(1024);
    await expect(decodeBatchData(bomb, 1024 * 1024)).rejects.toThrow(expect.objectContaining({ name: 'BatchDataError', message: expect.stringContaining('does not decompress within') }));
  });
});
