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

export const voteExtensionSchema = z
  .object({
    v: z.literal(1),
    l2: z.object({ latest: blockRef.nullable(), attest: blockRef.nullable(), finalized: uint }).strict(),
    liveness: z.object({ epoch: uint, verdict: z.enum(['alive', 'dead', 'unknown']) }).strict().nullable(),
    evidence: z.array(evidenceSchema).max(MAX_EVIDENCE_PER_EXTENSION),
    l1: z.object({ head: uint, events: z.array(l1EventSchema).max(MAX_L1_EVENTS_PER_EXTENSION) }).strict().nullable(),
    /** After a rotation trigger: whether this validator reached the epoch's sequencer's public RPC itself. */
    probe: z.object({ epoch: uint, reachable: z.boolean() }).strict().nullable().optional(),
    randao: z
      .object({
        commit: z.object({ round: uint, hash: hex32 }).strict().nullable(),
        reveal: z.object({ round: uint, secret: hex32 }).strict().nullable(),
      })
      .strict(),
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
  return { v: 1, l2: { latest: null, attest: null, finalized: 0 }, liveness: null, evidence: [], l1: null, randao: { commit: null, reveal: null } };
}
