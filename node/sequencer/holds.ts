import type { Host } from '../host/host.ts';

export type HoldReason = 'consensus-sync' | 'being-replaced';

/**
 * Reasons this process keeps its host from producing blocks and taking transactions (host.paused), besides the
 * operator's own pause: the host resumes when the last hold is released. A release never lifts a pause that no hold
 * of ours set (the operator paused the host while nothing was held).
 */
export class ProductionHolds {
  private readonly host: Host;
  private readonly held = new Set<HoldReason>();
  private readonly log: (message: string) => void;

  constructor(host: Host, log: (message: string) => void) {
    this.host = host;
    this.log = log;
  }

  has(reason: HoldReason): boolean {
    return this.held.has(reason);
  }

  hold(reason: HoldReason): void {
    if (this.held.has(reason)) return;
    this.held.add(reason);
    this.host.paused = true;
    this.log(`production held: ${reason}`);
  }

  release(reason: HoldReason): void {
    if (!this.held.delete(reason)) return;
    this.log(`production hold released: ${reason}`);
    if (this.held.size === 0) this.host.paused = false;
  }
}
