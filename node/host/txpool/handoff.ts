import type { Hex } from '../../encoding/hex.ts';
import { fromHex, toHex } from '../../encoding/hex.ts';
import type { Admission } from './admission.ts';
import type { Mempool } from './pool.ts';

/** The slice of the peer network the hand-off uses (PeerNetwork implements it). */
export interface HandoffBus {
  on(channel: string, handler: (from: Hex, payload: unknown) => void): void;
  send(to: Hex, channel: string, payload: unknown): boolean;
}

export const HANDOFF_CHANNEL = 'txs';
const CHUNK = 500;

/**
 * Rotation hand-off: when this host stops being the sequencer, it sends every transaction it acknowledged and still
 * holds to the new sequencer (peer channel `txs`, `{raws: hex[]}`), which admits and journals them; the old host
 * keeps its copy, so nothing acknowledged is lost whichever way the rotation goes. Transactions the new sequencer
 * already has or the chain has consumed are refused there without effect.
 */
export class PoolHandoff {
  private readonly bus: HandoffBus;
  private readonly pool: Mempool;
  private readonly admission: Admission;
  private readonly isActive: () => boolean;
  private readonly log?: (message: string) => void;
  handedOver = 0;
  received = 0;

  constructor(deps: { bus: HandoffBus; pool: Mempool; admission: Admission; isActive: () => boolean; log?: (message: string) => void }) {
    this.bus = deps.bus;
    this.pool = deps.pool;
    this.admission = deps.admission;
    this.isActive = deps.isActive;
    this.log = deps.log;
    this.bus.on(HANDOFF_CHANNEL, (from, payload) => this.receive(from, payload));
  }

  /** Sends the pool to `sequencer`; returns how many transactions went. */
  handTo(sequencer: Hex): number {
    const raws = [...this.pool.all()].map((tx) => toHex(tx.raw));
    for (let i = 0; i < raws.length; i += CHUNK) this.bus.send(sequencer, HANDOFF_CHANNEL, { raws: raws.slice(i, i + CHUNK) });
    this.handedOver += raws.length;
    if (raws.length) this.log?.(`handed ${raws.length} pooled transactions to the new sequencer ${sequencer}`);
    return raws.length;
  }

  private receive(from: Hex, payload: unknown): void {
    if (!this.isActive()) return;
    const raws = (payload as { raws?: unknown } | null)?.raws;
    if (!Array.isArray(raws)) return;
    for (const raw of raws.slice(0, CHUNK)) {
      if (typeof raw !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(raw)) continue;
      this.received++;
      // Refusals (already known, nonce too low, ...) are expected and change nothing.
      this.admission.submit(fromHex(raw), true).catch(() => undefined);
    }
    this.log?.(`received ${raws.length} handed-over transactions from ${from}`);
  }
}
