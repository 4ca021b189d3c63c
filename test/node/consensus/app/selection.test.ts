import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../../protocol/consensus/canonical.ts';
import { EmptyCandidateSetError, selectWeighted, type Candidate } from '../../../../node/consensus/app/selection.ts';
import type { Address } from '../../../../protocol/consensus/types.ts';

const address = (index: number): Address => `0x${index.toString(16).padStart(40, '0')}`;

describe('stake-weighted selection', () => {
  it('picks each candidate in proportion to its stake over many seeds (chi-square, p = 0.001)', () => {
    const candidates: Candidate[] = [20_000, 30_000, 50_000, 100_000, 40_000].map((power, index) => ({ address: address(index + 1), power }));
    const total = candidates.reduce((sum, candidate) => sum + candidate.power, 0);
    const draws = 20_000;
    const counts = new Map<Address, number>();
    for (let round = 0; round < draws; round++) {
      const winner = selectWeighted(sha256Hex(`epoch seed ${round}`), candidates);
      counts.set(winner, (counts.get(winner) ?? 0) + 1);
    }
    let chiSquare = 0;
    for (const candidate of candidates) {
      const expected = (draws * candidate.power) / total;
      chiSquare += ((counts.get(candidate.address) ?? 0) - expected) ** 2 / expected;
    }
    // 4 degrees of freedom: the 0.999 quantile is 18.467.
    expect(chiSquare).toBeLessThan(18.467);
    // And the heaviest candidate really wins most often (a uniform draw would fail this).
    expect(counts.get(address(4))! / draws).toBeGreaterThan(0.38);
    expect(counts.get(address(1))! / draws).toBeLessThan(0.12);
  });

  it('a uniform pick would be rejected by the same test (the test has power)', () => {
    const candidates: Candidate[] = [20_000, 30_000, 50_000, 100_000, 40_000].map((power, index) => ({ address: address(index + 1), power }));
    const total = 240_000;
    const draws = 20_000;
    let chiSquare = 0;
    for (const candidate of candidates) {
      const expected = (draws * candidate.power) / total;
      chiSquare += (draws / candidates.length - expected) ** 2 / expected;
    }
    expect(chiSquare).toBeGreaterThan(18.467);
  });

  it('is a pure function of seed and the candidate set, whatever the input order', () => {
    const candidates: Candidate[] = [1, 2, 3, 4].map((index) => ({ address: address(index), power: index * 1000 }));
    const seed = sha256Hex('fixed');
    const first = selectWeighted(seed, candidates);
    expect(selectWeighted(seed, [...candidates].reverse())).toBe(first);
    expect(selectWeighted(seed, candidates)).toBe(first);
  });

  it('never picks a candidate with zero power and refuses an empty set', () => {
    const candidates: Candidate[] = [
      { address: address(1), power: 0 },
      { address: address(2), power: 5 },
    ];
    for (let round = 0; round < 200; round++) expect(selectWeighted(sha256Hex(`s${round}`), candidates)).toBe(address(2));
    expect(() => selectWeighted(sha256Hex('x'), [{ address: address(1), power: 0 }])).toThrow(EmptyCandidateSetError);
  });
});
