import { isSupermajority } from '../../consensus/app/tally.ts';
import type { SignerQuorum } from '../../mpc/party.ts';

/** The stake a signing set holds, out of the active validators' total (the consensus layer's power). */
export function stakeOf(signers: readonly string[], power: Readonly<Record<string, number>>): { held: number; total: number } {
  const total = Object.values(power).reduce((sum, value) => sum + value, 0);
  const held = [...new Set(signers)].reduce((sum, signer) => sum + (power[signer] ?? 0), 0);
  return { held, total };
}

/**
 * Safety counts stake, cait-sith's threshold counts parties: t parties that hold a minority of the stake could
 * otherwise sign. A set signs only if it holds more than 2/3 of the active stake.
 */
export function stakeQuorum(power: Readonly<Record<string, number>>): SignerQuorum {
  return (signers) => {
    const { held, total } = stakeOf(signers, power);
    return isSupermajority(held, total);
  };
}
