import { brotliCompressSync } from 'node:zlib';
import { keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import { decodeBatchData, encodeBatchData, type BatchBlock } from '../../../../node/host/batcher/batch-data.ts';

const blocks: BatchBlock[] = [
  { number: 7n, timestamp: 1_700_000_000n, beneficiary: `0x${'ab'.repeat(20)}`, gasLimit: 60_000_000n, transactions: ['0x02f86b01', '0x01'] },
  { number: 8n, timestamp: 1_700_000_001n, beneficiary: `0x${'ab'.repeat(20)}`, gasLimit: 60_000_000n, transactions: [] },
  { number: 9n, timestamp: 1_700_000_001n, beneficiary: `0x${'cd'.repeat(20)}`, gasLimit: 30_000_000n, transactions: [`0x${'ff'.repeat(300)}`] },
];

describe('batch data', () => {
  it('round-trips and hashes the compressed bytes (dataHash = keccak256(compressed))', async () => {
    const { compressed, dataHash, rawSize } = await encodeBatchData(blocks);
    expect(dataHash).toBe(keccak256(compressed));
    expect(compressed.length).toBeLessThan(rawSize);
    expect(await decodeBatchData(compressed)).toEqual(blocks);
  });

  it('refuses corrupt data with a reason instead of returning garbage', async () => {
    const { compressed } = await encodeBatchData(blocks);
    await expect(decodeBatchData(compressed.subarray(0, compressed.length - 3))).rejects.toThrow();
    await expect(decodeBatchData(new Uint8Array(brotliCompressSync(Buffer.from('NOPE0000'))))).rejects.toThrow(/bad magic/);
    const raw = Buffer.concat([Buffer.from('L2B1'), Buffer.from([0, 0, 0, 1]), Buffer.alloc(20)]);
    await expect(decodeBatchData(new Uint8Array(brotliCompressSync(raw)))).rejects.toThrow(/truncated block header/);
    const trailing = Buffer.concat([Buffer.from('L2B1'), Buffer.from([0, 0, 0, 0, 9])]);
    await expect(decodeBatchData(new Uint8Array(brotliCompressSync(trailing)))).rejects.toThrow(/trailing bytes/);
  });
});
