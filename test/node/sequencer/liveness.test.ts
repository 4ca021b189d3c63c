import { describe, expect, it } from 'vitest';
import type { Epoch } from '../../../protocol/consensus/types.ts';
import { LivenessMonitor } from '../../../node/sequencer/liveness.ts';

const epoch = (number: number, reason: Epoch['reason'] = 'epoch', firstBlock = 1): Epoch => ({
  number,
  firstBlock,
  lastBlock: firstBlock + 99,
  sequencer: '0x0000000000000000000000000000000000000001',
  seed: '0x00',
  reason,
  startedAtHeight: 1,
});

function monitor() {
  let now = 1_000_000;
  const liveness = new LivenessMonitor({ now: () => now, genesisGraceMs: 15_000, fastSilenceMs: 500, linkDownMs: 300 });
  return { liveness, advance: (ms: number) => (now += ms) };
}

const context = (linkUp: boolean | null, latest: number | null = 10) => ({ livenessTimeoutMs: 3_000, latest, linkUp });

describe('LivenessMonitor: a host’s verdict on the active sequencer', () => {
  it('is dead after livenessTimeoutMs without a block, alive again once a block arrives', () => {
    const { liveness, advance } = monitor();
    expect(liveness.verdict(epoch(3), context(true))).toBe('alive');
    advance(2_900);
    expect(liveness.verdict(epoch(3), context(true))).toBe('alive');
    advance(200);
    expect(liveness.verdict(epoch(3), context(true))).toBe('dead');
    liveness.blockArrived();
    expect(liveness.verdict(epoch(3), context(true))).toBe('alive');
  });

  it('calls a sequencer whose peer link dropped dead after 500 ms without a block, not before the link was down 300 ms', () => {
    const { liveness, advance } = monitor();
    liveness.verdict(epoch(3), context(true));
    advance(600);
    // The link just dropped: silence is long enough, but the link has not been down long enough.
    expect(liveness.verdict(epoch(3), context(false))).toBe('alive');
    advance(299);
    expect(liveness.verdict(epoch(3), context(false))).toBe('alive');
    advance(1);
    expect(liveness.verdict(epoch(3), context(false))).toBe('dead');
    // A link that comes back resets the clock of the fast path; only the long timeout remains.
    expect(liveness.verdict(epoch(3), context(true))).toBe('alive');
  });

  it('never uses the fast path while blocks keep coming, even with the link down (a slow link is not a dead sequencer)', () => {
    const { liveness, advance } = monitor();
    liveness.verdict(epoch(3), context(false));
    for (let i = 0; i < 10; i++) {
      advance(400);
      liveness.blockArrived();
      expect(liveness.verdict(epoch(3), context(false))).toBe('alive');
    }
  });

  it('gives a newly elected sequencer the full timeout from the moment the host hears of its epoch', () => {
    const { liveness, advance } = monitor();
    liveness.verdict(epoch(3), context(true));
    advance(10_000);
    expect(liveness.verdict(epoch(3), context(true))).toBe('dead');
    expect(liveness.verdict(epoch(4), context(true))).toBe('alive');
    advance(3_001);
    expect(liveness.verdict(epoch(4), context(true))).toBe('dead');
  });

  it('waits genesisGraceMs for block 1 of the genesis epoch (sequencers boot one by one), then the normal rules apply', () => {
    const { liveness, advance } = monitor();
    expect(liveness.verdict(epoch(0, 'genesis'), context(false, 0))).toBe('alive');
    advance(14_000);
    expect(liveness.verdict(epoch(0, 'genesis'), context(false, 0))).toBe('alive');
    advance(1_001);
    expect(liveness.verdict(epoch(0, 'genesis'), context(false, 0))).toBe('dead');
    liveness.blockArrived();
    expect(liveness.verdict(epoch(0, 'genesis'), context(true, 1))).toBe('alive');
    advance(3_001);
    expect(liveness.verdict(epoch(0, 'genesis'), context(true, 1))).toBe('dead');
  });

  it('has no opinion before the host has a chain', () => {
    const { liveness, advance } = monitor();
    advance(60_000);
    expect(liveness.verdict(epoch(3), context(false, null))).toBe('unknown');
  });
});
