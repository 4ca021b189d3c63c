import { z } from 'zod';
import { badHeaderEvidenceSchema } from './bad-header.ts';
import { l1EventSchema } from './l1-events.ts';
import { address, describeIssues, hex32, hexBytes, uint } from './schemas.ts';

/**
 * A validator's vote extension: what its host observed when it precommitted. CometBFT signs it with the
 * validator's consensus key; the next proposer puts all of them into the block (see abci/injected-commit.ts), so
 * every node tallies the same observations by stake.
 */
export const MAX_L1_EVENTS_PER_EXTENSION = 32;
export const MAX_EVIDENCE_PER_EXTENSION = 8;

const blockRef = z.object({ number: uint, hash: hex32 }).strict();
const signedHeader = z.object({ hash: hex32, signature: hexBytes }).strict();

export const evidenceSchema = z.discriminatedUnion('kind', [
  /** Objective: two headers for one L2 height, both signed by the sequencer elected for it. */
  z.object({ kind: z.literal('double-sign'), sequencer: address, l2Block: uint, a: signedHeader, b: signedHeader }).strict(),
  /** Objective: a sealed header that breaks a header rule against its sealed parent (bad-header.ts). */
  badHeaderEvidenceSchema,
  /** Subjective: the host checked a batch against its own replica and refused to sign it. */
  z.object({ kind: z.literal('invalid-batch'), sequencer: address, ref: z.string().min(1).max(128), reason: z.string().max(256) }).strict(),
]);
export type Evidence = z.infer<typeof evidenceSchema>;

/** Bounds of the rotation beacon (docs/architecture/rotation-seed.md): members, shares, threshold. */
export const MAX_BEACON_MEMBERS = 100;
export const MAX_BEACON_SHARES = 3 * MAX_BEACON_MEMBERS + MAX_BEACON_MEMBERS / 2;
const MAX_BEACON_THRESHOLD = Math.floor((3 * MAX_BEACON_MEMBERS) / 2) + 1;
const g1Point = z.string().regex(/^0x[0-9a-fA-F]{96}$/, 'expected a compressed G1 point').transform((value) => value.toLowerCase() as `0x${string}`);
const g2Point = z.string().regex(/^0x[0-9a-fA-F]{192}$/, 'expected a compressed G2 point').transform((value) => value.toLowerCase() as `0x${string}`);

/** A validator's part in the beacon: its encryption key, its DKG messages and its partial signature. */
export const beaconContributionSchema = z
  .object({
    key: hex32.nullable(),
    deal: z
      .object({ round: uint, commitments: z.array(g2Point).min(1).max(MAX_BEACON_THRESHOLD), ephemeral: hex32, shares: z.array(hex32.nullable()).max(MAX_BEACON_SHARES) })
      .strict()
      .nullable(),
    verdict: z.object({ round: uint, complaints: z.array(address).max(MAX_BEACON_MEMBERS) }).strict().nullable(),
    reveal: z.object({ round: uint, shares: z.array(z.object({ index: uint, value: hex32 }).strict()).max(MAX_BEACON_SHARES) }).strict().nullable(),
    /** Signatures by the sender's shares, in share order; null for a share it could not rebuild. */
    partial: z.object({ round: uint, group: uint, signatures: z.array(g1Point.nullable()).max(MAX_BEACON_SHARES) }).strict().nullable(),
  })
  .strict();
export type BeaconContribution = z.infer<typeof beaconContributionSchema>;

export const voteExtensionSchema = z
  .object({
    v: z.literal(1),
    l2: z.object({ latest: blockRef.nullable(), attest: blockRef.nullable(), finalized: uint }).strict(),
    liveness: z.object({ epoch: uint, verdict: z.enum(['alive', 'dead', 'unknown']) }).strict().nullable(),
    evidence: z.array(evidenceSchema).max(MAX_EVIDENCE_PER_EXTENSION),
    l1: z.object({ head: uint, events: z.array(l1EventSchema).max(MAX_L1_EVENTS_PER_EXTENSION) }).strict().nullable(),
    /** After a rotation trigger: whether this validator reached the epoch's sequencer's public RPC itself. */
    probe: z.object({ epoch: uint, reachable: z.boolean() }).strict().nullable().optional(),
    beacon: beaconContributionSchema,
  })
  .strict();

export type VoteExtension = z.infer<typeof voteExtensionSchema>;

export class InvalidVoteExtensionError extends Error {
  override name = 'InvalidVoteExtensionError';
}

export function encodeVoteExtension(extension: VoteExtension): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(extension));
}

/** Strict decode: any unknown field, wrong type or oversize list rejects the whole extension. */
export function decodeVoteExtension(bytes: Uint8Array): VoteExtension {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new InvalidVoteExtensionError(`vote extension is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = voteExtensionSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidVoteExtensionError(`vote extension rejected: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function emptyVoteExtension(): VoteExtension {
  return { v: 1, l2: { latest: null, attest: null, finalized: 0 }, liveness: null, evidence: [], l1: null, beacon: emptyBeaconContribution() };
}

export function emptyBeaconContribution(): BeaconContribution {
  return { key: null, deal: null, verdict: null, reveal: null, partial: null };
}
