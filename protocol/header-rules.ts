import { keccak256 } from 'ethers';
import type { HeaderFields } from './header.ts';
import type { Hex } from './hex.ts';

/**
 * The objective header rules of docs/hardening/header-rules.md, over two headers alone: what the consensus app checks
 * in bad-header evidence. The native chain (seq_chain::header_rules) enforces the same rules on every block; the
 * configurable gas-limit bounds and the local-clock bound are left out here, as they are not a function of the two
 * headers, so they are enforced but never slashable.
 */
export type ObjectiveRule = 'timestamp-before-parent' | 'gas-limit-step' | 'base-fee' | 'prevrandao' | 'extra-data';

export const MAX_EXTRA_DATA_BYTES = 32;
const GAS_LIMIT_BOUND_DIVISOR = 1024n;
const ELASTICITY = 2n;
const BASE_FEE_CHANGE_DENOMINATOR = 8n;

/** EIP-1559 base fee of the block after `parent` (alloy's calc_next_block_base_fee with Ethereum's parameters). */
export function nextBaseFee(parent: Pick<HeaderFields, 'gasLimit' | 'gasUsed' | 'baseFeePerGas'>): bigint {
  const base = BigInt(parent.baseFeePerGas);
  const used = BigInt(parent.gasUsed);
  const target = BigInt(parent.gasLimit) / ELASTICITY;
  if (used === target || target === 0n) return base;
  if (used > target) {
    const delta = (base * (used - target)) / (target * BASE_FEE_CHANGE_DENOMINATOR);
    return base + (delta > 1n ? delta : 1n);
  }
  const delta = (base * (target - used)) / (target * BASE_FEE_CHANGE_DENOMINATOR);
  return delta > base ? 0n : base - delta;
}

/** The first objective rule `child` breaks against `parent` (whose hash is `parentHash`), or null. */
export function objectiveViolation(parent: HeaderFields, parentHash: Hex, child: HeaderFields): ObjectiveRule | null {
  if (BigInt(child.timestamp) < BigInt(parent.timestamp)) return 'timestamp-before-parent';
  const parentLimit = BigInt(parent.gasLimit);
  const change = BigInt(child.gasLimit) - parentLimit;
  // Strictly less than parent / 1024.
  const bound = parentLimit / GAS_LIMIT_BOUND_DIVISOR;
  const allowed = bound > 0n ? bound - 1n : 0n;
  if ((change < 0n ? -change : change) > allowed) return 'gas-limit-step';
  if (BigInt(child.baseFeePerGas) !== nextBaseFee(parent)) return 'base-fee';
  if (child.mixHash.toLowerCase() !== keccak256(parentHash).toLowerCase()) return 'prevrandao';
  if ((child.extraData.length - 2) / 2 > MAX_EXTRA_DATA_BYTES) return 'extra-data';
  return null;
}
