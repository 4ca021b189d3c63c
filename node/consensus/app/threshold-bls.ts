import { bls12_381, bls12_381_Fr as Fr } from '@noble/curves/bls12-381.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Hex } from '../../../protocol/consensus/types.ts';

/**
 * Threshold BLS over BLS12-381 in the short-signature mode (signatures in G1, keys in G2), with @noble/curves.
 * Pure: the state machine and the hosts share it. Shares are points of a degree t-1 polynomial at x = 1..W;
 * any t partial signatures interpolate to the one group signature, which is unique for a message and key.
 */

const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
type G1Point = InstanceType<typeof G1>;
type G2Point = InstanceType<typeof G2>;
const signatures = bls12_381.shortSignatures;

/** Hash-to-curve domain of the rotation seed (RFC 9380 suite for G1 signatures). */
export const SEED_DST = 'L2SEQ-ROTATION-SEED-V1_BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';
/** Shares dealt per member on average; 3 keeps the rounding of stake weights inside the 1/3 margins (see weights). */
export const SHARES_PER_MEMBER = 3;

const hexOf = (bytes: Uint8Array): Hex => `0x${bytesToHex(bytes)}`;
const bytesOf = (hex: Hex): Uint8Array => hexToBytes(hex.slice(2));
const pointHex = (point: { toHex(compressed?: boolean): string }): Hex => `0x${point.toHex(true)}`;

/**
 * Shares per member, proportional to power: w_i = round(3n·p_i / P), so each member is off by at most 1/2. A set
 * with less than 1/3 of the power then holds fewer than n + n/2 shares and a set with more than 2/3 holds more
 * than 2n - n/2: the threshold floor(3n/2) + 1 separates them for every n.
 */
export function shareWeights(powers: readonly number[]): number[] {
  const total = powers.reduce((sum, power) => sum + BigInt(power), 0n);
  const shares = BigInt(SHARES_PER_MEMBER * powers.length);
  if (total === 0n) return powers.map(() => 0);
  return powers.map((power) => Number((2n * BigInt(power) * shares + total) / (2n * total)));
}

export function beaconThreshold(memberCount: number): number {
  return Math.floor((SHARES_PER_MEMBER * memberCount) / 2) + 1;
}

/** Share indices (1-based) owned by each member, in member order. */
export function shareIndices(weights: readonly number[]): number[][] {
  let next = 1;
  return weights.map((weight) => Array.from({ length: weight }, () => next++));
}

export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  let value = 0n;
  for (let k = coefficients.length - 1; k >= 0; k--) value = Fr.add(Fr.mul(value, BigInt(x)), coefficients[k]!);
  return value;
}

export function commitTo(coefficients: readonly bigint[]): Hex[] {
  return coefficients.map((coefficient) => pointHex(G2.BASE.multiplyUnsafe(coefficient)));
}

/** Valid G2 points already decoded (public shares and commitments recur every election); bounded. */
const decodedG2 = new Map<string, G2Point>();

/** Decodes compressed points; undefined for anything not a valid subgroup point. Never throws. */
export function decodeG2(hex: Hex): G2Point | undefined {
  const known = decodedG2.get(hex);
  if (known) return known;
  try {
    const point = G2.fromHex(hex.slice(2));
    point.assertValidity();
    if (decodedG2.size >= 4096) decodedG2.clear();
    decodedG2.set(hex, point);
    return point;
  } catch {
    return undefined;
  }
}

function decodeG1(hex: Hex): G1Point | undefined {
  try {
    const point = G1.fromHex(hex.slice(2));
    point.assertValidity();
    return point.is0() ? undefined : point;
  } catch {
    return undefined;
  }
}

export function decodeCommitments(hexes: readonly Hex[]): G2Point[] | undefined {
  const points = hexes.map(decodeG2);
  return points.every((point) => point !== undefined) ? (points as G2Point[]) : undefined;
}

/** g2^f(x) from the commitments, by Horner's rule (x is small, so each step is cheap). */
export function commitmentAt(commitments: readonly G2Point[], x: number): G2Point {
  let value = G2.ZERO;
  for (let k = commitments.length - 1; k >= 0; k--) value = value.multiplyUnsafe(BigInt(x)).add(commitments[k]!);
  return value;
}

export function matchesPublicKey(share: bigint, publicKey: Hex): boolean {
  const point = decodeG2(publicKey);
  return point !== undefined && G2.BASE.multiplyUnsafe(share).equals(point);
}

export function reduceScalar(value: bigint): bigint {
  return Fr.create(value);
}

export function shareMatches(share: bigint, commitments: readonly G2Point[], x: number): boolean {
  return G2.BASE.multiplyUnsafe(share).equals(commitmentAt(commitments, x));
}

/** The qualified dealers' commitments summed coefficient by coefficient: the group polynomial's commitments. */
export function sumCommitments(dealings: readonly G2Point[][]): G2Point[] {
  const length = dealings[0]?.length ?? 0;
  return Array.from({ length }, (_, k) => dealings.reduce((sum, commitments) => sum.add(commitments[k]!), G2.ZERO));
}

export function groupKeyOf(sum: readonly G2Point[]): { publicKey: Hex; publicShares: (count: number) => Hex[] } {
  return {
    publicKey: pointHex(sum[0]!),
    publicShares: (count) => Array.from({ length: count }, (_, index) => pointHex(commitmentAt(sum, index + 1))),
  };
}

export function scalarToHex(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}`;
}

/** A scalar from 32 bytes, or undefined when it is not below the group order. */
export function scalarFromHex(hex: Hex): bigint | undefined {
  if (!/^0x[0-9a-f]{64}$/.test(hex)) return undefined;
  const value = BigInt(hex);
  return value < Fr.ORDER ? value : undefined;
}

/** Reduces 48 uniform bytes into a scalar (bias below 2^-128). */
export function scalarFromBytes(bytes: Uint8Array): bigint {
  return Fr.create(BigInt(`0x${bytesToHex(bytes)}`));
}

/** The message every election signs: the chain, the epoch being elected and the election round. */
export function seedMessage(chainId: string, epoch: number, round: number): Uint8Array {
  return utf8ToBytes(`rotation-seed:${chainId}:${epoch}:${round}`);
}

const hashed = new Map<string, G1Point>();
function hashToG1(message: Uint8Array): G1Point {
  const key = bytesToHex(message);
  let point = hashed.get(key);
  if (!point) {
    point = signatures.hash(message, SEED_DST);
    if (hashed.size >= 64) hashed.clear();
    hashed.set(key, point);
  }
  return point;
}

export function signShare(share: bigint, message: Uint8Array): Hex {
  return pointHex(hashToG1(message).multiply(share));
}

/**
 * Whether every partial verifies against its public share. One pairing check for all: a random linear combination
 * whose 64-bit coefficients are a hash of every input, so they are fixed only after the partials are.
 */
export function partialsVerify(message: Uint8Array, items: readonly { signature: Hex; publicShare: Hex }[]): boolean {
  if (items.length === 0) return true;
  const decoded = items.map((item) => ({ signature: decodeG1(item.signature), publicShare: decodeG2(item.publicShare) }));
  if (decoded.some((item) => !item.signature || !item.publicShare)) return false;
  const transcript = sha256(concatBytes(message, ...items.flatMap((item) => [bytesOf(item.signature), bytesOf(item.publicShare)])));
  let signature = G1.ZERO;
  let publicKey = G2.ZERO;
  decoded.forEach((item, index) => {
    const weight = BigInt(`0x${bytesToHex(sha256(concatBytes(transcript, utf8ToBytes(String(index)))).slice(0, 8))}`) | 1n;
    signature = signature.add(item.signature!.multiplyUnsafe(weight));
    publicKey = publicKey.add(item.publicShare!.multiplyUnsafe(weight));
  });
  try {
    return signatures.verify(signature, hashToG1(message), publicKey);
  } catch {
    return false;
  }
}

function lagrangeAtZero(index: number, indices: readonly number[]): bigint {
  let numerator = 1n;
  let denominator = 1n;
  for (const other of indices) {
    if (other === index) continue;
    numerator = Fr.mul(numerator, BigInt(other));
    denominator = Fr.mul(denominator, Fr.sub(BigInt(other), BigInt(index)));
  }
  return Fr.mul(numerator, Fr.inv(denominator));
}

/** The group signature from `threshold` verified partials (the lowest indices given; any set gives the same). */
export function recoverSignature(partials: ReadonlyMap<number, Hex>, threshold: number): Hex {
  const indices = [...partials.keys()].sort((a, b) => a - b).slice(0, threshold);
  if (indices.length < threshold) throw new RangeError(`need ${threshold} partials, have ${indices.length}`);
  let signature = G1.ZERO;
  for (const index of indices) signature = signature.add(G1.fromHex(partials.get(index)!.slice(2)).multiply(lagrangeAtZero(index, indices)));
  return pointHex(signature);
}

export function signatureVerifies(signature: Hex, message: Uint8Array, publicKey: Hex): boolean {
  const point = decodeG1(signature);
  const key = decodeG2(publicKey);
  if (!point || !key) return false;
  try {
    return signatures.verify(point, hashToG1(message), key);
  } catch {
    return false;
  }
}

/** The election seed: a hash of the unique group signature. */
export function seedOf(signature: Hex): Hex {
  return hexOf(sha256(concatBytes(utf8ToBytes('rotation-seed:'), bytesOf(signature))));
}
