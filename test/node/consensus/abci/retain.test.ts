import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkedRetainBlocks, evidenceMaxAgeOf, retainHeightOf, RetainBelowEvidenceAgeError } from '../../../../node/consensus/abci/retain.ts';

function cometHomeWith(consensusParams: unknown): string {
  const home = mkdtempSync(join(tmpdir(), 'retain-'));
  mkdirSync(join(home, 'config'));
  writeFileSync(join(home, 'config', 'genesis.json'), JSON.stringify({ consensus_params: consensusParams }));
  return home;
}

describe('consensus history retention', () => {
  it('keeps the last N heights: retain_height = height - N + 1, 0 while nothing is old enough or N is null', () => {
    expect(retainHeightOf(1_000_000, null)).toBe(0n);
    expect(retainHeightOf(1_000_000, 100_000)).toBe(900_001n);
    expect(retainHeightOf(100_000, 100_000)).toBe(0n);
    expect(retainHeightOf(5, 10)).toBe(0n);
  });

  it('refuses a retention below the genesis evidence max age, and a non-count', () => {
    const home = cometHomeWith({ evidence: { max_age_num_blocks: '5000', max_age_duration: '172800000000000' } });
    expect(evidenceMaxAgeOf(home)).toBe(5000);
    expect(evidenceMaxAgeOf(cometHomeWith({}))).toBe(100_000);
    expect(() => checkedRetainBlocks(4999, 5000)).toThrow(RetainBelowEvidenceAgeError);
    expect(checkedRetainBlocks(5000, 5000)).toBe(5000);
    expect(checkedRetainBlocks(null, 5000)).toBeNull();
    expect(() => checkedRetainBlocks(0, 0)).toThrow(/positive integer/);
    expect(() => checkedRetainBlocks(1.5, 0)).toThrow(/positive integer/);
    expect(() => evidenceMaxAgeOf(cometHomeWith({ evidence: { max_age_num_blocks: 'x' } }))).toThrow(/block count/);
  });
});
