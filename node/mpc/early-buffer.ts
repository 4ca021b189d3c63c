import type { MpcEnvelope } from './envelope.ts';

/** How much the early buffer keeps: in all, per sending peer, and per session (a peer names sessions freely). */
export interface EarlyBounds {
  ttlMs: number;
  maxMessages: number;
  maxBytes: number;
  perPeerMessages: number;
  perPeerBytes: number;
  perSessionMessages: number;
}

/** Why an envelope was not kept: the buffer as a whole is full, or its sender used up its own share. */
export type EarlyRefusal = 'full' | 'peer-limit';

type Item = { at: number; bytes: number; envelope: MpcEnvelope };

/**
 * Envelopes for sessions this host has not opened yet: a faster peer's first messages, or an invitation's
 * followers. Kept for a short while and within bounds; what expires is handed to `onExpire`. Each peer has its
 * own share of the buffer, so a flooding peer fills only its own and honest peers' early messages still fit.
 */
export class EarlyBuffer {
  private readonly sessions = new Map<string, Item[]>();
  private readonly perPeer = new Map<string, { messages: number; bytes: number }>();
  private count = 0;
  private size = 0;
  private readonly bounds: EarlyBounds;

  constructor(bounds: EarlyBounds) {
    this.bounds = bounds;
  }

  /** Keeps `envelope` (`bytes` long on the wire), or says why not. */
  add(envelope: MpcEnvelope, bytes: number, now: number, onExpire: (envelope: MpcEnvelope) => void): EarlyRefusal | null {
    this.expire(now, onExpire);
    const peer = this.perPeer.get(envelope.from) ?? { messages: 0, bytes: 0 };
    const list = this.sessions.get(envelope.session) ?? [];
    const { perPeerMessages, perPeerBytes, perSessionMessages, maxMessages, maxBytes } = this.bounds;
    if (peer.messages >= perPeerMessages || peer.bytes + bytes > perPeerBytes || list.length >= perSessionMessages) return 'peer-limit';
    if (this.count >= maxMessages || this.size + bytes > maxBytes) return 'full';
    list.push({ at: now, bytes, envelope });
    this.sessions.set(envelope.session, list);
    this.perPeer.set(envelope.from, { messages: peer.messages + 1, bytes: peer.bytes + bytes });
    this.count++;
    this.size += bytes;
    return null;
  }

  /** Removes and returns what was kept for `session` (with each envelope's size), oldest first. */
  take(session: string): Array<{ envelope: MpcEnvelope; bytes: number }> {
    const list = this.sessions.get(session) ?? [];
    this.sessions.delete(session);
    for (const item of list) this.forget(item);
    return list.map(({ envelope, bytes }) => ({ envelope, bytes }));
  }

  stats(): { messages: number; bytes: number; sessions: number; peers: number } {
    return { messages: this.count, bytes: this.size, sessions: this.sessions.size, peers: this.perPeer.size };
  }

  /** Map order is creation order, so the sweep stops at the first session still within its time. */
  private expire(now: number, onExpire: (envelope: MpcEnvelope) => void): void {
    for (const [id, list] of this.sessions) {
      if ((list[0]?.at ?? now) + this.bounds.ttlMs >= now) break;
      this.sessions.delete(id);
      for (const item of list) {
        this.forget(item);
        onExpire(item.envelope);
      }
    }
  }

  private forget(item: Item): void {
    this.count--;
    this.size -= item.bytes;
    const peer = this.perPeer.get(item.envelope.from);
    if (!peer) return;
    if (peer.messages <= 1) this.perPeer.delete(item.envelope.from);
    else this.perPeer.set(item.envelope.from, { messages: peer.messages - 1, bytes: peer.bytes - item.bytes });
  }
}
