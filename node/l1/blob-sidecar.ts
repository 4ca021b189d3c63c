import { keccak_256 } from '@noble/hashes/sha3.js';
import { blobSidecar, verifyBlobProof } from '@l2-sequencer/native';
import { fromHex, toHex, type Hex } from '../encoding/hex.ts';
import { encodeBlobs } from './blob-codec.ts';

/** A batch's data as EIP-4844 blobs with their sidecar (KZG in the native core, seq-blob / c-kzg). */
export interface BatchBlobs {
  blobs: Uint8Array[];
  commitments: Uint8Array[];
  proofs: Uint8Array[];
  versionedHashes: Hex[];
  /** What the MPC signs as the batch's dataHash in blob mode: keccak256 of the versioned hashes in order. */
  dataHash: Hex;
}

export function batchBlobs(compressed: Uint8Array): BatchBlobs {
  const blobs = encodeBlobs(compressed);
  const sidecar = blobSidecar(blobs);
  const versionedHashes = sidecar.versionedHashes as Hex[];
  return { blobs, commitments: sidecar.commitments, proofs: sidecar.proofs, versionedHashes, dataHash: blobDataHash(versionedHashes) };
}

/** keccak256(abi.encodePacked(bytes32[] versionedHashes)), as BatchChain.appendBatchBlobs computes it from blobhash(i). */
export function blobDataHash(versionedHashes: readonly Hex[]): Hex {
  return toHex(keccak_256(Buffer.concat(versionedHashes.map(fromHex))));
}

/** EIP-4844 verify_blob_kzg_proof, for the verifier's beacon fetches. */
export function verifyBlob(blob: Uint8Array, commitment: Uint8Array, proof: Uint8Array): boolean {
  try {
    return verifyBlobProof(blob, commitment, proof);
  } catch {
    return false;
  }
}
