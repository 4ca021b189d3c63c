import type { MpcAction } from '@l2-sequencer/native';
import type { Clock } from './clock.ts';
import type { MpcEnvelope, MpcPayload } from './envelope.ts';
import { nativeCode, type FaultReason } from './errors.ts';
import type { Address, PartySet } from './identity.ts';
import { PrivateChannels } from './private-channel.ts';

/** The sans-I/O shape every native MPC class has. */
export interface NativeProtocol {
  /** Runs on the libuv pool, so triple generation never blocks the host's event loop. */
  pokeAsync(): Promise<MpcAction[]>;
  message(from: number, data: Buffer): void;
  readonly done: boolean;
}

export interface Fault {
  party: Address;
  reason: FaultReason;
}

/** One attempt of a session ended without a result; `faults` are the parties to leave out of a retry. */
export class AttemptFailed extends Error {
  override readonly name = 'AttemptFailed';
  readonly reason: string;
  readonly faults: Fault[];
  constructor(reason: string, faults: Fault[]) {
    super(reason);
    this.reason = reason;
    this.faults = faults;
  }
}

export interface SessionIo {
  me: Address;
  /** 0x compressed node public key, announced in every hello. */
  publicKey: string;
  ecdh(peerPublicKey: Buffer): Buffer;
  clock: Clock;
  send(session: string, to: Address | undefined, recipients: readonly Address[], payload: MpcPayload): void;
  /** A message that reached the session but could not be used (counted and logged by the owner). */
  reject(envelope: MpcEnvelope, detail: string, reason?: 'bad-payload' | 'peer-limit'): void;
  /** What one party may have queued for stages this host has not started yet (whole envelopes, bytes). */
  pendingLimit: { messages: number; bytes: number };
}

type Waiter = { resolve: () => void; reject: (e: Error) => void; check: () => boolean };

/**
 * One session on one host: its parties, the stage being run (a native state machine), the hellos received,
 * who has been heard from, and who misbehaved. Everything it sends goes to the session's parties only.
 */
export class Session {
  readonly hellos = new Map<Address, Record<string, unknown>>();
  private readonly lastSeq = new Map<Address, number>();
  private readonly heard = new Set<Address>();
  private readonly faults = new Map<Address, FaultReason>();
  private readonly pending = new Map<string, Array<{ from: Address; m: string[]; sealed: boolean; bytes: number }>>();
  private readonly pendingBy = new Map<Address, { messages: number; bytes: number }>();
  private readonly channels: PrivateChannels;
  private stage: { name: string; protocol: NativeProtocol; done: boolean } | null = null;
  /** One poke in flight per session; messages arriving meanwhile are queued natively and trigger one more. */
  private pumping = false;
  private pumpAgain = false;
  private lastSender: Address | null = null;
  private waiter: Waiter | null = null;
  private timer: unknown = null;
  private closed = false;
  private readonly others: Address[];

  readonly id: string;
  readonly parties: PartySet;
  private readonly io: SessionIo;

  constructor(id: string, parties: PartySet, io: SessionIo) {
    this.id = id;
    this.parties = parties;
    this.io = io;
    this.others = parties.addresses.filter((a) => a !== io.me);
    this.channels = new PrivateChannels(id, io.me, io.ecdh);
  }

  /** Replay protection: sequence numbers only grow per sender within a session. */
  acceptSeq(from: Address, seq: number): boolean {
    const last = this.lastSeq.get(from) ?? 0;
    if (seq <= last) return false;
    this.lastSeq.set(from, seq);
    return true;
  }

  /** `bytes`: the envelope's size on the wire, counted against its sender's share of the later-stage queue. */
  deliver(envelope: MpcEnvelope, bytes = 0): void {
    if (this.closed) return;
    const from = envelope.from;
    const payload = envelope.payload;
    if (payload.t === 'h') {
      if (!this.hellos.has(from)) this.hellos.set(from, payload.hello);
      this.heard.add(from);
      this.settle();
      return;
    }
    if (payload.t !== 'p') return;
    if (this.stage?.name !== payload.stage) return this.queue(envelope, payload.stage, payload.m, bytes);
    this.feed(from, payload.m, envelope.to !== undefined);
  }

  /** Keeps a message for a stage not started yet, within its sender's share (stage names are the sender's choice). */
  private queue(envelope: MpcEnvelope, stage: string, m: string[], bytes: number): void {
    const from = envelope.from;
    const used = this.pendingBy.get(from) ?? { messages: 0, bytes: 0 };
    const limit = this.io.pendingLimit;
    if (used.messages >= limit.messages || used.bytes + bytes > limit.bytes) return this.io.reject(envelope, `${from} queued too much for later stages of ${this.id}`, 'peer-limit');
    this.pendingBy.set(from, { messages: used.messages + 1, bytes: used.bytes + bytes });
    const list = this.pending.get(stage) ?? [];
    list.push({ from, m, sealed: envelope.to !== undefined, bytes });
    this.pending.set(stage, list);
  }

  /** Envelopes (and their bytes) queued here for stages not started yet. */
  queued(): { messages: number; bytes: number } {
    let messages = 0;
    let bytes = 0;
    for (const used of this.pendingBy.values()) {
      messages += used.messages;
      bytes += used.bytes;
    }
    return { messages, bytes };
  }

  private feed(from: Address, messages: string[], sealed: boolean): void {
    const stage = this.stage;
    if (!stage) return;
    const fromId = this.parties.ids[this.parties.addresses.indexOf(from)] as number;
    this.heard.add(from);
    for (const m of messages) {
      try {
        stage.protocol.message(fromId, sealed ? this.channels.open(from, m, stage.name) : Buffer.from(m, 'base64'));
      } catch (error) {
        // A signed envelope with bytes the protocol refuses is the sender's own doing: end the attempt now
        // (its real message will not come) and leave the sender out of the retry.
        this.faults.set(from, 'malformed');
        this.fail(new AttemptFailed(`${stage.name}: ${nativeCode(error)} from ${from}`, [{ party: from, reason: 'malformed' }]));
        return;
      }
    }
    this.pump(from);
  }

  /** Poke until the protocol waits; a protocol error is blamed on the sender whose message came last. */
  private pump(trigger: Address | null): void {
    if (trigger) this.lastSender = trigger;
    const stage = this.stage;
    if (!stage || this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    stage.protocol.pokeAsync().then(
      (actions) => {
        this.pumping = false;
        if (this.stage !== stage || this.closed) return;
        this.dispatch(stage.name, actions);
        stage.done = stage.protocol.done;
        this.settle();
        if (this.pumpAgain && !stage.done) {
          this.pumpAgain = false;
          this.pump(null);
        }
      },
      (error: unknown) => {
        this.pumping = false;
        if (this.stage !== stage || this.closed) return;
        const faults: Fault[] = this.lastSender ? [{ party: this.lastSender, reason: 'protocol' }] : [];
        this.fail(new AttemptFailed(`${stage.name} failed (${nativeCode(error)}): ${(error as Error).message}`, faults));
      },
    );
  }

  private dispatch(stage: string, actions: MpcAction[]): void {
    const broadcast: string[] = [];
    const direct = new Map<Address, string[]>();
    for (const action of actions) {
      if (action.to === undefined || action.to === null) {
        broadcast.push(action.data.toString('base64'));
        continue;
      }
      const to = this.parties.addressOf(action.to);
      if (!to) continue;
      const list = direct.get(to) ?? [];
      list.push(this.channels.seal(to, action.data, stage));
      direct.set(to, list);
    }
    if (broadcast.length > 0) this.io.send(this.id, undefined, this.others, { t: 'p', stage, m: broadcast });
    for (const [to, m] of direct) this.io.send(this.id, to, [to], { t: 'p', stage, m });
  }

  /**
   * Broadcasts our hello (with our node public key) and resolves when every other party's hello is in and its
   * public key checks out; the private channels of the session are keyed from these.
   */
  async exchangeHellos(hello: Record<string, unknown>, timeoutMs: number): Promise<Map<Address, Record<string, unknown>>> {
    const mine = { ...hello, pk: this.io.publicKey };
    this.hellos.set(this.io.me, mine);
    this.io.send(this.id, undefined, this.others, { t: 'h', hello: mine });
    await this.until(() => this.others.every((p) => this.hellos.has(p)), timeoutMs, () =>
      this.others.filter((p) => !this.hellos.has(p)),
    );
    const bad = this.others.filter((p) => !this.channels.add(p, this.hellos.get(p)?.pk));
    if (bad.length > 0) throw new AttemptFailed('a hello carried a public key that is not its sender\'s', bad.map((party) => ({ party, reason: 'malformed' as const })));
    return this.hellos;
  }

  /** Runs one native protocol to completion among the session's parties. */
  async run<P extends NativeProtocol>(name: string, protocol: P, timeoutMs: number): Promise<P> {
    const stage = { name, protocol, done: false };
    this.stage = stage;
    this.pumpAgain = false;
    this.lastSender = null;
    this.heard.clear();
    const early = this.pending.get(name) ?? [];
    this.pending.delete(name);
    for (const { from, bytes } of early) {
      const used = this.pendingBy.get(from);
      if (used) this.pendingBy.set(from, { messages: used.messages - 1, bytes: used.bytes - bytes });
    }
    const done = this.until(() => stage.done, timeoutMs, () => this.others.filter((p) => !this.heard.has(p)));
    this.pump(null);
    for (const { from, m, sealed } of early) this.feed(from, m, sealed);
    await done;
    return protocol;
  }

  private until(check: () => boolean, timeoutMs: number, silent: () => Address[]): Promise<void> {
    if (this.closed) return Promise.reject(new AttemptFailed('session closed', []));
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject, check };
      this.timer = this.io.clock.setTimeout(() => {
        const faults: Fault[] = [
          ...[...this.faults].map(([party, reason]) => ({ party, reason })),
          ...silent()
            .filter((p) => !this.faults.has(p))
            .map((party) => ({ party, reason: 'timeout' as const })),
        ];
        this.fail(new AttemptFailed(`timed out after ${timeoutMs} ms`, faults));
      }, timeoutMs);
      this.settle();
    });
  }

  private settle(): void {
    const waiter = this.waiter;
    if (!waiter || !waiter.check()) return;
    this.waiter = null;
    this.io.clock.clearTimeout(this.timer);
    waiter.resolve();
  }

  private fail(error: AttemptFailed): void {
    const waiter = this.waiter;
    this.waiter = null;
    this.io.clock.clearTimeout(this.timer);
    this.stage = null;
    waiter?.reject(error);
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
    this.pendingBy.clear();
    this.fail(new AttemptFailed('session closed', []));
  }
}
