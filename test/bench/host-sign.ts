/**
 * Pre-signing for the host benchmarks: EIP-1559 transfers from many deterministic senders, RLP built by hand and
 * signed by the native k256 signer (keccak256 + secp256k1, 65-byte r || s || v): JavaScript signing would take
 * longer than the load itself.
 */
import { mpcEnvelopeSign } from '@l2-sequencer/native';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

export interface SignJob {
  chainId: number;
  /** Sender indexes [from, to). */
  from: number;
  to: number;
  nonces: number;
  maxFeePerGas: bigint;
  /** Transfers go to this address (1 wei each). */
  recipient: string;
}

/** Deterministic sender keys: keccak256("host-bench-" ‖ i). */
export function senderKey(i: number): Uint8Array {
  return keccak_256(new TextEncoder().encode(`host-bench-${i}`));
}

export function senderAddress(i: number): string {
  const pub = secp256k1.getPublicKey(senderKey(i), false);
  return `0x${Buffer.from(keccak_256(pub.subarray(1)).subarray(12)).toString('hex')}`;
}

function uint(n: bigint | number): Buffer {
  let hex = BigInt(n).toString(16);
  if (hex === '0') return Buffer.alloc(0);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

function rlpBytes(b: Buffer): Buffer {
  if (b.length === 1 && (b[0] as number) < 0x80) return b;
  return Buffer.concat([rlpLength(b.length, 0x80), b]);
}

function rlpLength(length: number, offset: number): Buffer {
  if (length <= 55) return Buffer.from([offset + length]);
  const len = uint(length);
  return Buffer.from([offset + 55 + len.length, ...len]);
}

function rlpList(items: Buffer[]): Buffer {
  const body = Buffer.concat(items);
  return Buffer.concat([rlpLength(body.length, 0xc0), body]);
}

/** Signed raw transactions (0x-hex), [sender][nonce]. */
export function signRange(job: SignJob): string[][] {
  const out: string[][] = [];
  const to = rlpBytes(Buffer.from(job.recipient.slice(2), 'hex'));
  const head = [rlpBytes(uint(job.chainId))];
  const tail = [rlpBytes(uint(1n)), rlpBytes(uint(job.maxFeePerGas)), rlpBytes(uint(21_000n)), to, rlpBytes(uint(1n)), rlpBytes(Buffer.alloc(0)), rlpList([])];
  for (let s = job.from; s < job.to; s++) {
    const secret = Buffer.from(senderKey(s));
    const txs: string[] = [];
    for (let nonce = 0; nonce < job.nonces; nonce++) {
      const fields = [...head, rlpBytes(uint(nonce)), ...tail];
      const sig = mpcEnvelopeSign(secret, Buffer.concat([Buffer.from([2]), rlpList(fields)]));
      const signed = rlpList([...fields, rlpBytes(uint((sig[64] as number) - 27)), rlpBytes(stripZeros(sig.subarray(0, 32))), rlpBytes(stripZeros(sig.subarray(32, 64)))]);
      txs.push(`0x02${signed.toString('hex')}`);
    }
    out.push(txs);
  }
  return out;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}
