import { keccak_256 } from '@noble/hashes/sha3.js';
import type { TypedDataDomain } from 'ethers';
import { encodeBatchData, type BatchBlock } from '../../host/batcher/batch-data.ts';
import { nativeMerkle } from '../../host/batcher/merkle.ts';
import { fromHex, toHex, type Hex } from '../../encoding/hex.ts';
import { batchDigest, type BatchHeader } from '../../l1/typed-data.ts';
import type { ConsensusSafeHead, ReplicaView } from './context.ts';

/**
 * A signer's check of a batch against its own replica. The request carries only the block range, the batch
 * index (in `ref`) and the digest; everything else is re-derived here exactly as node/batcher does it: the
 * transaction Merkle root over keccak256 of each raw transaction (the native OpenZeppelin-layout tree; 0x00…00
 * for a batch without transactions), the state root this host verified for the last block, and the dataHash =
 * keccak256 of the brotli-compressed batch encoding (node/host/batcher/batch-data.ts) rebuilt from this host's own
 * sealed blocks. Brotli at a fixed quality is deterministic for one brotli build, and every host runs the same
 * pinned Node 22 (its bundled brotli), so honest hosts derive the same dataHash. Then the EIP-712 digest is
 * computed here; a host never signs a digest it did not derive.
 *
 * Only safe blocks are signed: every block of the range must be at or below this host's own safe head (held by
 * more than 2/3 of the hosts) and at or below the consensus layer's safe head, and this replica's block at the
 * consensus safe height must carry the consensus safe hash. Blocks are hash-linked, so that one match puts the
 * batch's last block (and every block before it) on the chain the consensus layer attested; a batch of an
 * unattested fork is never signed, even when the active sequencer asks for it.
 */

/** Batch signing requests name their batch as `<index>:<digest>`: unique per content, so a retry is a duplicate. */
export function batchRef(index: bigint, digest: string): string {
  return `${index}:${digest.toLowerCase()}`;
}

export function parseBatchRef(ref: string): { index: bigint; digest: Hex } | null {
  const match = /^(\d{1,19}):(0x[0-9a-f]{64})$/.exec(ref);
  return match ? { index: BigInt(match[1]!), digest: match[2] as Hex } : null;
}

/** The largest batch a signer re-derives (the batcher's default cut is 600 blocks). */
export const MAX_CHECKED_BLOCKS = 10_000;

const ZERO_ROOT = `0x${'00'.repeat(32)}` as Hex;

export interface BatchSignRequestFields {
  ref: string;
  fromBlock: number;
  toBlock: number;
  digest: string;
}

export type BatchCheck =
  | { ok: true; header: BatchHeader; digest: Hex }
  /** refuse: the replica contradicts the batch (evidence); unavailable: the replica does not hold it (yet). */
  | { ok: false; verdict: 'refuse' | 'unavailable'; reason: string };

const short = (hex: string) => `${hex.slice(0, 12)}…`;

/** Why the batch ending at `toBlock` may not be signed (yet), or null when it is safe on both views. */
function checkSafety(replica: ReplicaView, toBlock: number, consensusSafe: ConsensusSafeHead | null): BatchCheck | null {
  const ownSafe = replica.safeNumber();
  if (ownSafe < BigInt(toBlock)) return { ok: false, verdict: 'unavailable', reason: `block ${toBlock} is beyond this host's safe head ${ownSafe}` };
  if (!consensusSafe || consensusSafe.hash === null) return { ok: false, verdict: 'unavailable', reason: 'the consensus layer has attested no L2 safe head yet' };
  if (consensusSafe.number < toBlock) return { ok: false, verdict: 'unavailable', reason: `block ${toBlock} is beyond the consensus safe head ${consensusSafe.number}` };
  const atSafe = replica.sealedBlock(BigInt(consensusSafe.number));
  if (!atSafe) return { ok: false, verdict: 'unavailable', reason: `replica does not hold the consensus safe block ${consensusSafe.number}` };
  if (atSafe.hash.toLowerCase() !== consensusSafe.hash.toLowerCase()) {
    return { ok: false, verdict: 'refuse', reason: `replica block ${consensusSafe.number} is ${short(atSafe.hash)}, the consensus safe hash is ${short(consensusSafe.hash)}` };
  }
  return null;
}

export async function checkBatch(replica: ReplicaView, request: BatchSignRequestFields, domain: TypedDataDomain, consensusSafe: ConsensusSafeHead | null): Promise<BatchCheck> {
  const ref = parseBatchRef(request.ref);
  if (!ref) return { ok: false, verdict: 'refuse', reason: `ref ${request.ref.slice(0, 80)} is not <batch index>:<digest>` };
  if (ref.digest !== request.digest.toLowerCase()) return { ok: false, verdict: 'refuse', reason: 'ref names another digest than the request' };
  const { fromBlock, toBlock } = request;
  if (!Number.isSafeInteger(fromBlock) || !Number.isSafeInteger(toBlock) || fromBlock < 1 || toBlock < fromBlock) {
    return { ok: false, verdict: 'refuse', reason: `bad block range ${fromBlock}..${toBlock}` };
  }
  if (toBlock - fromBlock + 1 > MAX_CHECKED_BLOCKS) return { ok: false, verdict: 'refuse', reason: `${toBlock - fromBlock + 1} blocks exceed the ${MAX_CHECKED_BLOCKS}-block limit` };
  const latest = replica.latestNumber();
  if (latest < BigInt(toBlock)) return { ok: false, verdict: 'unavailable', reason: `replica is at block ${latest}, the batch ends at ${toBlock}` };
  const unsafe = checkSafety(replica, toBlock, consensusSafe);
  if (unsafe) return unsafe;

  const blocks: BatchBlock[] = [];
  const hashes: Hex[] = [];
  let stateRoot = ZERO_ROOT;
  for (let n = fromBlock; n <= toBlock; n++) {
    const sealed = replica.sealedBlock(BigInt(n));
    if (!sealed) return { ok: false, verdict: 'unavailable', reason: `replica does not hold block ${n}` };
    blocks.push({ number: sealed.env.number, timestamp: sealed.env.timestamp, beneficiary: sealed.env.beneficiary, gasLimit: sealed.env.gasLimit, transactions: sealed.transactions });
    for (const raw of sealed.transactions) hashes.push(toHex(keccak_256(fromHex(raw))));
    stateRoot = sealed.stateRoot;
  }
  const { dataHash } = await encodeBatchData(blocks);
  const header: BatchHeader = {
    index: ref.index,
    firstBlock: BigInt(fromBlock),
    lastBlock: BigInt(toBlock),
    txRoot: hashes.length > 0 ? nativeMerkle.root(hashes) : ZERO_ROOT,
    stateRoot,
    dataHash,
  };
  const digest = batchDigest(domain, header).toLowerCase() as Hex;
  if (digest !== request.digest.toLowerCase()) {
    return {
      ok: false,
      verdict: 'refuse',
      reason: `replica blocks ${fromBlock}..${toBlock} give digest ${short(digest)} (txRoot ${short(header.txRoot)}, stateRoot ${short(stateRoot)}, dataHash ${short(dataHash)})`,
    };
  }
  return { ok: true, header, digest };
}
