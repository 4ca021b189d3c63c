import { BYTES_PER_BLOB, blobsNeeded, MAX_BLOBS_PER_TX } from './blob-codec.ts';

/** Where a batch's data goes on L1 (BatchChain.appendBatch or appendBatchBlobs). */
export type DataMode = 'calldata' | 'blobs';

/** L1 prices at the time a batch is cut, in wei. */
export interface L1Fees {
  /** The next block's base fee plus the tip the relayer pays, per gas. */
  gasPrice: bigint;
  /** The blob base fee (eth_blobBaseFee), per blob gas; null when L1 has no blobs (before Cancun). */
  blobBaseFee: bigint | null;
}

/**
 * Execution gas of each append besides the data, measured by test/bench/l1-data-gas.ts (the storage of the header,
 * the signature check, the events); rounded up so a close call goes to calldata, which needs no beacon node to read.
 */
const APPEND_GAS = 160_000n;
const CALLDATA_GAS_PER_BYTE = 16n;
/** Blob gas per blob (EIP-4844 GAS_PER_BLOB). */
const GAS_PER_BLOB = BigInt(BYTES_PER_BLOB);

/** The cheaper mode for `dataLength` bytes of compressed batch data at these prices (calldata on a tie or no blobs). */
export function chooseDataMode(dataLength: number, fees: L1Fees): DataMode {
  const blobs = blobsNeeded(dataLength);
  if (fees.blobBaseFee === null || blobs > MAX_BLOBS_PER_TX) return 'calldata';
  return blobCost(dataLength, fees) < calldataCost(dataLength, fees) ? 'blobs' : 'calldata';
}

export function calldataCost(dataLength: number, fees: L1Fees): bigint {
  return (APPEND_GAS + CALLDATA_GAS_PER_BYTE * BigInt(dataLength)) * fees.gasPrice;
}

export function blobCost(dataLength: number, fees: L1Fees): bigint {
  return APPEND_GAS * fees.gasPrice + BigInt(blobsNeeded(dataLength)) * GAS_PER_BLOB * (fees.blobBaseFee ?? 0n);
}
