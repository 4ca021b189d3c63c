import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Address, Hex } from '../../../protocol/consensus/types.ts';

export interface Candidate {
  address: Address;
  power: number;
}

export class EmptyCandidateSetError extends Error {
  override name = 'EmptyCandidateSetError';
  constructor() {
    super('no candidate with positive power to elect');
  }
}

/**
 * Stake-weighted draw: candidate i wins with probability power_i / sum(power). The 256-bit draw reduced modulo a
 * total below 2^63 has a bias under 2^-190, far below anything measurable. Candidates are sorted by address so
 * the result does not depend on the order they are passed in.
 */
export function selectWeighted(seed: Hex, candidates: readonly Candidate[], domain = 'sequencer'): Address {
  const eligible = candidates.filter((candidate) => candidate.power > 0).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const total = eligible.reduce((sum, candidate) => sum + BigInt(candidate.power), 0n);
  if (total === 0n) throw new EmptyCandidateSetError();
  const digest = sha256(concatBytes(utf8ToBytes(`select:${domain}:`), hexToBytes(seed.slice(2))));
  let draw = BigInt(`0x${Buffer.from(digest).toString('hex')}`) % total;
  for (const candidate of eligible) {
    const power = BigInt(candidate.power);
    if (draw < power) return candidate.address;
    draw -= power;
  }
  throw new Error('unreachable: draw exceeded total power');
}
