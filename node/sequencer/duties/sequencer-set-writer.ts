import type { Hex } from '../../encoding/hex.ts';
import { parseSequencerSetCall, signedSequencerSetTx } from '../../consensus/app/sequencer-set-tx.ts';
import type { MpcSnapshot } from './session-feed.ts';

/** What the writer needs of this host's L2 side. */
export interface L2Writes {
  /** Whether this host is the elected sequencer of the next block (only it includes the writes). */
  isActive(): boolean;
  /** The nonce of `address` at this host's latest block. */
  nonceOf(address: Hex): bigint;
  /** Puts a signed transaction into this host's pool; resolves with the pool's error text, or null if admitted. */
  submitRaw(raw: Hex): Promise<string | null>;
}

/** Pool answers that mean the transaction is there already, or in the chain. */
const SETTLED = /already known|nonce too low/i;

/**
 * Includes the MPC-signed SequencerSet writes (app/sequencer-set.ts) in the L2 chain: while this host is the
 * active sequencer, every completed `sequencer-set` session whose nonce the MPC address has not used yet is built
 * into its signed transaction and given to this host's own pool, in nonce order, again every `resendMs` until the
 * chain's nonce passes it. Any host can do this from the consensus state alone, so a failover loses no write.
 */
export class SequencerSetWriter {
  private readonly l2: L2Writes;
  private readonly chainId: () => number | null;
  private readonly resendMs: number;
  private readonly log: (line: string) => void;
  private readonly sentAt = new Map<number, number>();
  private lastError = '';
  private busy = false;

  constructor(options: { l2: L2Writes; l2ChainId: () => number | null; resendMs: number; log: (line: string) => void }) {
    this.l2 = options.l2;
    this.chainId = options.l2ChainId;
    this.resendMs = options.resendMs;
    this.log = options.log;
  }

  handle(snapshot: MpcSnapshot): void {
    if (this.busy) return;
    if (!this.l2.isActive()) {
      this.sentAt.clear();
      return;
    }
    const chainId = this.chainId();
    if (!snapshot.address || chainId === null) return;
    this.busy = true;
    void this.write(snapshot, snapshot.address as Hex, chainId)
      .catch((error: unknown) => this.logOnce(`sequencer-set: ${(error as Error).message}`))
      .finally(() => (this.busy = false));
  }

  private async write(snapshot: MpcSnapshot, mpcAddress: Hex, chainId: number): Promise<void> {
    const used = Number(this.l2.nonceOf(mpcAddress));
    for (const nonce of this.sentAt.keys()) if (nonce < used) this.sentAt.delete(nonce);
    const due = snapshot.sessions
      .filter((session) => session.purpose === 'sequencer-set' && session.status === 'completed' && typeof session.result?.signature === 'string')
      .flatMap((session) => {
        try {
          return [{ session, call: parseSequencerSetCall(session.request) }];
        } catch {
          return []; // a malformed request is never signed (the parties refuse it); nothing to include
        }
      })
      .filter(({ call }) => call.nonce >= used && call.mpcAddress.toLowerCase() === mpcAddress.toLowerCase())
      .sort((a, b) => a.call.nonce - b.call.nonce);
    const now = Date.now();
    for (const { session, call } of due) {
      if (now - (this.sentAt.get(call.nonce) ?? -Infinity) < this.resendMs) continue;
      this.sentAt.set(call.nonce, now);
      try {
        const { raw, hash } = signedSequencerSetTx(call, chainId, String(session.result!.signature));
        const refused = await this.l2.submitRaw(raw as Hex);
        if (refused === null) this.log(`sequencer-set: ${call.method} of epoch ${call.epoch} (nonce ${call.nonce}, session ${session.id}) sent as ${hash}`);
        else if (!SETTLED.test(refused)) this.logOnce(`sequencer-set: the pool refused ${call.method} of epoch ${call.epoch} (nonce ${call.nonce}): ${refused}`);
      } catch (error) {
        this.logOnce(`sequencer-set: session ${session.id}: ${(error as Error).message}`);
      }
    }
  }

  /** The same refusal (e.g. the MPC address has no L2 funds yet) is logged once per run of it. */
  private logOnce(line: string): void {
    if (line !== this.lastError) this.log(line);
    this.lastError = line;
  }
}
