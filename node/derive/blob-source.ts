import { sha256 } from '@noble/hashes/sha2.js';
import type { JsonRpcProvider } from 'ethers';
import { decodeBlobs } from '../l1/blob-codec.ts';
import { fromHex, toHex, type Hex } from '../encoding/hex.ts';
import { BatchDataUnavailableError, type BlobFetcher, type L1Batch } from './l1-batches.ts';

/** Checks one blob against its KZG commitment and proof (EIP-4844 verify_blob_kzg_proof). */
export type BlobProofVerifier = (blob: Uint8Array, commitment: Uint8Array, proof: Uint8Array) => boolean;

export interface BeaconBlobOptions {
  /** REST base of a beacon node (consensus client), e.g. http://127.0.0.1:5052. */
  beaconUrl: string;
  /** The execution-layer endpoint: the beacon block of L1 block N is named by block N+1's parentBeaconBlockRoot. */
  provider: JsonRpcProvider;
  maxResponseBytes: number;
  /** KZG check of each blob against its commitment (node/l1/blob-sidecar.ts verifyBlob): a beacon node is not trusted. */
  verifyProof: BlobProofVerifier;
  timeoutMs?: number;
}

interface Sidecar {
  blob: string;
  kzg_commitment: string;
  kzg_proof: string;
}

/**
 * A blob-mode batch's data from a beacon node's `GET /eth/v1/beacon/blob_sidecars/{block_id}`: the sidecars whose
 * commitments hash to the batch's versioned hashes, in the batch's order, decoded (node/l1/blob-codec.ts).
 * Beacon nodes keep blobs about 18 days (4096 epochs); older batches need an archive that serves the same API.
 */
export class BeaconBlobFetcher implements BlobFetcher {
  private readonly options: BeaconBlobOptions;

  constructor(options: BeaconBlobOptions) {
    this.options = options;
  }

  async fetch(batch: L1Batch): Promise<Uint8Array> {
    const next = await this.options.provider.getBlock(batch.l1BlockNumber + 1);
    const root = next?.parentBeaconBlockRoot;
    if (!root) throw new BatchDataUnavailableError(`batch ${batch.header.index}: L1 block ${batch.l1BlockNumber + 1} (naming the beacon block) is not available yet`);
    const sidecars = await this.sidecars(root);
    const byHash = new Map<string, Sidecar>();
    for (const sidecar of sidecars) {
      if (typeof sidecar?.kzg_commitment !== 'string' || typeof sidecar.blob !== 'string') continue;
      byHash.set(versionedHash(fromHex(sidecar.kzg_commitment as Hex)), sidecar);
    }
    const blobs = batch.blobHashes.map((hash) => {
      const sidecar = byHash.get(hash.toLowerCase());
      if (!sidecar) throw new BatchDataUnavailableError(`batch ${batch.header.index}: beacon block ${root} has no blob ${hash}`);
      const blob = fromHex(sidecar.blob as Hex);
      if (!this.options.verifyProof(blob, fromHex(sidecar.kzg_commitment as Hex), fromHex(sidecar.kzg_proof as Hex))) {
        throw new BatchDataUnavailableError(`batch ${batch.header.index}: blob ${hash} does not match its KZG proof`);
      }
      return blob;
    });
    try {
      return decodeBlobs(blobs);
    } catch (error) {
      throw new BatchDataUnavailableError(`batch ${batch.header.index}: ${(error as Error).message}`);
    }
  }

  private async sidecars(blockRoot: string): Promise<Sidecar[]> {
    const url = `${this.options.beaconUrl.replace(/\/$/, '')}/eth/v1/beacon/blob_sidecars/${blockRoot}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    if (!response.ok) throw new Error(`beacon ${url}: HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > this.options.maxResponseBytes) throw new BatchDataUnavailableError(`beacon answer of ${declared} bytes exceeds ${this.options.maxResponseBytes}`);
    const text = await readBounded(response, this.options.maxResponseBytes);
    const body = JSON.parse(text) as { data?: unknown };
    if (!Array.isArray(body.data)) throw new BatchDataUnavailableError(`beacon ${url}: no data array`);
    return body.data as Sidecar[];
  }
}

/** EIP-4844 kzg_to_versioned_hash: 0x01 || sha256(commitment)[1:]. */
export function versionedHash(commitment: Uint8Array): Hex {
  const hash = sha256(commitment);
  hash[0] = 0x01;
  return toHex(hash);
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new BatchDataUnavailableError(`beacon answer exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
