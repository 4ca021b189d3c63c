import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A retention shorter than CometBFT needs to verify evidence: refused at start, never silently raised. */
export class RetainBelowEvidenceAgeError extends Error {
  constructor(retainBlocks: number, evidenceMaxAge: number) {
    super(`consensus.retainBlocks ${retainBlocks} is below the genesis evidence max_age_num_blocks ${evidenceMaxAge}: evidence older than the kept blocks could not be verified`);
    this.name = 'RetainBelowEvidenceAgeError';
  }
}

/**
 * The Commit response's retain_height: CometBFT may delete blocks below it. Null retention keeps every block (0);
 * otherwise the last `retainBlocks` heights up to `height` stay.
 */
export function retainHeightOf(height: number, retainBlocks: number | null): bigint {
  if (retainBlocks === null) return 0n;
  const lowest = height - retainBlocks + 1;
  return lowest > 1 ? BigInt(lowest) : 0n;
}

/** The genesis' evidence.max_age_num_blocks (CometBFT's default 100000 when absent). */
export function evidenceMaxAgeOf(cometHome: string): number {
  const genesis = JSON.parse(readFileSync(join(cometHome, 'config', 'genesis.json'), 'utf8')) as { consensus_params?: { evidence?: { max_age_num_blocks?: string | number } } };
  const value = Number(genesis.consensus_params?.evidence?.max_age_num_blocks ?? 100_000);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`genesis evidence.max_age_num_blocks is not a block count: ${value}`);
  return value;
}

/** Checks a configured retention against the evidence bound; null (keep everything) always passes. */
export function checkedRetainBlocks(retainBlocks: number | null, evidenceMaxAge: number): number | null {
  if (retainBlocks === null) return null;
  if (!Number.isSafeInteger(retainBlocks) || retainBlocks < 1) throw new Error(`consensus.retainBlocks must be a positive integer or null, got ${retainBlocks}`);
  if (retainBlocks < evidenceMaxAge) throw new RetainBelowEvidenceAgeError(retainBlocks, evidenceMaxAge);
  return retainBlocks;
}
