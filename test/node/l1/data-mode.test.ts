import { describe, expect, it } from 'vitest';
import { BLOB_CAPACITY, BYTES_PER_BLOB, BlobCodecError, blobsNeeded, decodeBlobs, encodeBlobs } from '../../../node/l1/blob-codec.ts';
import { blobCost, calldataCost, chooseDataMode } from '../../../node/l1/data-mode.ts';

const gwei = 10n ** 9n;

describe('data mode: calldata or blobs, by cost', () => {
  it('takes blobs when blob gas is cheap, calldata when it is dear or absent', () => {
    const data = 90_000; // about 1,000 transfers
    expect(chooseDataMode(data, { gasPrice: 10n * gwei, blobBaseFee: 1n })).toBe('blobs');
    expect(chooseDataMode(data, { gasPrice: 10n * gwei, blobBaseFee: null })).toBe('calldata');
    // One blob (131,072 blob gas) at 200 gwei costs more than 90 kB of calldata (1.44 M gas) at 10 gwei.
    expect(chooseDataMode(data, { gasPrice: 10n * gwei, blobBaseFee: 200n * gwei })).toBe('calldata');
  });

  it('the break-even: a small batch fills little of its blob, so calldata wins at a lower blob price', () => {
    const fees = { gasPrice: gwei, blobBaseFee: gwei / 10n };
    // 1 kB of calldata costs 16,000 gas; its blob costs 131,072 × 0.1 gwei = 13,107 gas-equivalents: blobs, barely.
    expect(calldataCost(1_000, fees) - blobCost(1_000, fees)).toBe((16n * 1_000n - 13_107n) * gwei - 2n * 10n ** 8n);
    expect(chooseDataMode(1_000, fees)).toBe('blobs');
    expect(chooseDataMode(500, fees)).toBe('calldata');
  });

  it('never picks blobs for data that needs more blobs than a transaction carries', () => {
    expect(chooseDataMode(6 * BLOB_CAPACITY, { gasPrice: 100n * gwei, blobBaseFee: 1n })).toBe('calldata');
    expect(chooseDataMode(6 * BLOB_CAPACITY - 4, { gasPrice: 100n * gwei, blobBaseFee: 1n })).toBe('blobs');
  });
});

describe('blob codec', () => {
  it('round-trips data across blobs, every field element below the BLS modulus (first byte 0)', () => {
    for (const size of [0, 1, BLOB_CAPACITY - 4, BLOB_CAPACITY - 3, 2 * BLOB_CAPACITY]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 255) & 0xff);
      const blobs = encodeBlobs(data);
      expect(blobs).toHaveLength(blobsNeeded(size));
      for (const blob of blobs) {
        expect(blob.length).toBe(BYTES_PER_BLOB);
        for (let e = 0; e < 4096; e++) expect(blob[e * 32]).toBe(0);
      }
      expect(decodeBlobs(blobs)).toEqual(data);
    }
  });

  it('refuses blobs it could not have written: a set first byte, a length past the end, a blob too many', () => {
    const blobs = encodeBlobs(new Uint8Array(100).fill(9));
    const flagged = blobs.map((b) => Uint8Array.from(b));
    flagged[0]![64] = 1;
    expect(() => decodeBlobs(flagged)).toThrow(BlobCodecError);
    const long = blobs.map((b) => Uint8Array.from(b));
    long[0]!.set([0xff, 0xff, 0xff], 1);
    expect(() => decodeBlobs(long)).toThrow(/exceeds/);
    expect(() => decodeBlobs([...blobs, new Uint8Array(BYTES_PER_BLOB)])).toThrow(/would take 1 blobs/);
    expect(() => decodeBlobs([new Uint8Array(10)])).toThrow(/not 131072/);
    expect(() => decodeBlobs([])).toThrow(BlobCodecError);
    expect(() => encodeBlobs(new Uint8Array(6 * BLOB_CAPACITY))).toThrow(/more than 6/);
  });
});
