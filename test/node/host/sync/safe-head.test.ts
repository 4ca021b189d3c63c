import { describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { SafeHeadTracker } from '../../../../node/host/sync/safe-head.ts';

describe('safe head', () => {
  const [a, b, c, d] = ['0xa', '0xb', '0xc', '0xd'].map((x) => x.padEnd(42, '0') as Hex) as [Hex, Hex, Hex, Hex];
  it('is the highest block held by more than 2/3 of the weight, counting ourselves at latest', () => {
    const tracker = new SafeHeadTracker(a, new Map([[a, 1n], [b, 1n], [c, 1n], [d, 1n]]));
    expect(tracker.safe(10n)).toBe(0n);
    tracker.ack(b, 8n);
    expect(tracker.safe(10n)).toBe(0n);
    tracker.ack(c, 9n);
    expect(tracker.safe(10n)).toBe(8n); // a@10, c@9, b@8: three of four > 2/3
    tracker.ack(b, 5n); // acks only move forward
    expect(tracker.safe(10n)).toBe(8n);
  });

  it('weighs by stake: one heavy host and ourselves can be enough, many light ones not', () => {
    const tracker = new SafeHeadTracker(a, new Map([[a, 10n], [b, 60n], [c, 15n], [d, 15n]]));
    tracker.ack(c, 9n);
    tracker.ack(d, 9n);
    expect(tracker.safe(10n)).toBe(0n); // 10 + 15 + 15 = 40 of 100
    tracker.ack(b, 7n);
    expect(tracker.safe(10n)).toBe(7n); // a, c, d hold 9+ but weigh 40 of 100; with b's 60 all hold 7
  });
});
