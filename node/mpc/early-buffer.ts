import type { MpcEnvelope } from './envelope.ts';

/**
 * Envelopes for sessions this host has not opened yet: a faster peer's first messages, or an invitation's
 * followers. Kept for a short while and within a bound; what expires is handed to `onExpire`.
 */
export class EarlyBuffer {
  private readonly sessions = new Map<string, Array<{ at: number; envelope: MpcEnvelope }>>();
  private count = 0;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(ttlMs: number, max: number) {
    this.ttlMs = ttlMs;
    this.max = max;
  }

  /** False when full. */
  add(envelope: MpcEnvelope, now: number, onExpire: (envelope: MpcEnvelope) => void): boolean {
    for (const [id, list] of this.sessions) {
      if ((list[0]?.at ?? now) + this.ttlMs < now) {
        this.sessions.delete(id);
        this.count -= list.length;
        for (const item of list) onExpire(item.envelope);
      }
    }
    if (this.count >= this.max) return false;
    const list = this.sessions.get(envelope.session) ?? [];
    list.push({ at: now, envelope });
    this.sessions.set(envelope.session, list);
    this.count++;
    return true;
  }

  /** Removes and returns what was kept for `session`, oldest first. */
  take(session: string): MpcEnvelope[] {
    const list = this.sessions.get(session) ?? [];
    this.sessions.delete(session);
    this.count -= list.length;
    return list.map((item) => item.envelope);
  }
}
