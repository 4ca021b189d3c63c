/**
 * Batch data in EIP-4844 blobs. A blob is 4096 field elements of 32 big-endian bytes, each below the BLS12-381
 * scalar modulus; the first byte of every element is left 0 (so any value fits) and the other 31 carry data.
 * The payload is u32 big-endian length | the compressed batch data (batch-data.ts), zero-padded to the last blob.
 */
export const BYTES_PER_BLOB = 131_072;
const ELEMENTS_PER_BLOB = 4096;
const DATA_BYTES_PER_ELEMENT = 31;
/** Payload bytes one blob carries. */
export const BLOB_CAPACITY = ELEMENTS_PER_BLOB * DATA_BYTES_PER_ELEMENT;
/** EIP-4844's MAX_BLOB_GAS_PER_BLOCK / GAS_PER_BLOB at Cancun: the most blobs one transaction can carry there. */
export const MAX_BLOBS_PER_TX = 6;

export class BlobCodecError extends Error {
  override name = 'BlobCodecError';
}

/** How many blobs `dataLength` bytes of batch data need. */
export function blobsNeeded(dataLength: number): number {
  return Math.max(1, Math.ceil((4 + dataLength) / BLOB_CAPACITY));
}

export function encodeBlobs(data: Uint8Array): Uint8Array[] {
  const count = blobsNeeded(data.length);
  if (count > MAX_BLOBS_PER_TX) throw new BlobCodecError(`${data.length} bytes need ${count} blobs, more than ${MAX_BLOBS_PER_TX} per transaction`);
  const payload = new Uint8Array(count * BLOB_CAPACITY);
  new DataView(payload.buffer).setUint32(0, data.length);
  payload.set(data, 4);
  const blobs: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const blob = new Uint8Array(BYTES_PER_BLOB);
    for (let e = 0; e < ELEMENTS_PER_BLOB; e++) {
      const from = (b * ELEMENTS_PER_BLOB + e) * DATA_BYTES_PER_ELEMENT;
      blob.set(payload.subarray(from, from + DATA_BYTES_PER_ELEMENT), e * 32 + 1);
    }
    blobs.push(blob);
  }
  return blobs;
}

/** The batch data back from its blobs, in order; refuses anything this encoder could not have produced. */
export function decodeBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0 || blobs.length > MAX_BLOBS_PER_TX) throw new BlobCodecError(`${blobs.length} blobs: expected 1..${MAX_BLOBS_PER_TX}`);
  const payload = new Uint8Array(blobs.length * BLOB_CAPACITY);
  for (const [b, blob] of blobs.entries()) {
    if (blob.length !== BYTES_PER_BLOB) throw new BlobCodecError(`blob ${b} is ${blob.length} bytes, not ${BYTES_PER_BLOB}`);
    for (let e = 0; e < ELEMENTS_PER_BLOB; e++) {
      if (blob[e * 32] !== 0) throw new BlobCodecError(`blob ${b} element ${e}: first byte is not 0`);
      payload.set(blob.subarray(e * 32 + 1, e * 32 + 32), (b * ELEMENTS_PER_BLOB + e) * DATA_BYTES_PER_ELEMENT);
    }
  }
  const length = new DataView(payload.buffer).getUint32(0);
  if (4 + length > payload.length) throw new BlobCodecError(`payload length ${length} exceeds ${blobs.length} blobs`);
  if (blobsNeeded(length) !== blobs.length) throw new BlobCodecError(`${length} bytes would take ${blobsNeeded(length)} blobs, not ${blobs.length}`);
  return payload.slice(4, 4 + length);
}
