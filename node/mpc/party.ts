import { randomBytes } from 'node:crypto';
import { MpcKeygen, MpcPresign, MpcReshare, MpcSign } from '@l2-sequencer/native';
import { systemClock, type Clock } from './clock.ts';
import { isSessionId, openEnvelope, sealEnvelope, type DropReason, type MpcEnvelope, type MpcPayload } from './envelope.ts';
import { MpcInputError, MpcSessionError, nativeCode } from './errors.ts';
import { EarlyBuffer } from './early-buffer.ts';
import { HeldKey } from './held-key.ts';
import { normaliseAddress, PartySet, type Address } from './identity.ts';
import { NodeKey } from '../identity/node-key.ts';
import { PresignaturePool } from './presignature-pool.ts';
import { agreeOnOldKey } from './reshare-agreement.ts';
import { AttemptFailed, Session, type Fault } from './session.ts';
export type { FaultListener, DropListener, KeyInfo, MpcLimits, MpcPartyOptions, MpcSignatureResult, MpcStats, MpcTimeouts, SignerQuorum, SignPurpose } from './party-types.ts';
import type { DropListener, FaultListener, KeyInfo, MpcLimits, MpcPartyOptions, MpcSignatureResult, MpcStats, MpcTimeouts, SignerQuorum, SignPurpose } from './party-types.ts';

const PURPOSES: readonly string[] = ['batch', 'rewards', 'slash', 'epoch'];

const DEFAULT_TIMEOUTS: MpcTimeouts = { hello: 3_000, sign: 10_000, presign: 30_000, keygen: 30_000, reshare: 30_000 };
const MAX_OFFERS = 8;
const MiB = 1024 * 1024;

/**
 * Honest traffic stays far below these: a leader runs one presign session at a time, a session opens before the
 * stage messages for it are sent (only hellos and invitations arrive early), and a faster party is at most one
 * stage ahead. A Byzantine party that floods fills only its own share.
 */
export const DEFAULT_LIMITS: MpcLimits = {
  maxSessions: 256,
  invitedPerPeer: 4,
  pooledPerSet: 64,
  early: { ttlMs: 30_000, maxMessages: 20_000, maxBytes: 64 * MiB, perPeerMessages: 1_000, perPeerBytes: 4 * MiB, perSessionMessages: 64 },
  pendingPerSender: { messages: 2_000, bytes: 32 * MiB },
};

function emptyDrops(): Record<DropReason, number> {
  return { malformed: 0, 'bad-signature': 0, 'unknown-party': 0, 'wrong-session': 0, replay: 0, misaddressed: 0, 'bad-payload': 0, overflow: 0, 'peer-limit': 0 };
}

/**
 * One host's side of the MPC: key generation, signing by more than two thirds of the sequencers, and resharing
 * when the set changes. All protocol work is done by the native state machines; this class authenticates and
 * routes their messages, enforces timeouts, retries without non-responders, reports faults, and keeps the
 * share (encrypted) and the presignature pool.
 */
export class MpcParty {
  readonly address: Address;
  private readonly signer: NodeKey;
  private readonly clock: Clock;
  private readonly timeouts: MpcTimeouts;
  private readonly sessions = new Map<string, Session>();
  private readonly closedSessions: string[] = [];
  private readonly closedSet = new Set<string>();
  private readonly limits: MpcLimits;
  private readonly early: EarlyBuffer;
  private readonly pool: PresignaturePool;
  /** Presign sessions each peer has invited this host into and that still run. */
  private readonly invited = new Map<Address, number>();
  private discarded = 0;
  private readonly faultListeners: FaultListener[] = [];
  private readonly dropListeners: DropListener[] = [];
  private readonly dropped = emptyDrops();
  private readonly background = new Set<Promise<unknown>>();
  private faultCount = 0;
  private readonly refilling = new Set<string>();
  private outSeq = new Map<string, number>();
  private held: HeldKey | null = null;
  private stopped = false;

  private readonly options: MpcPartyOptions;

  private constructor(options: MpcPartyOptions) {
    this.options = options;
    this.signer = new NodeKey(options.nodeKey);
    this.address = this.signer.address as Address;
    this.clock = options.clock ?? systemClock;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.early = new EarlyBuffer(this.limits.early);
    this.pool = new PresignaturePool(this.limits.pooledPerSet);
    options.transport.onMessage((raw) => this.receive(raw));
  }

  /** Creates the party and loads its stored share, if any (ShareDecryptionError for a wrong key). */
  static async open(options: MpcPartyOptions): Promise<MpcParty> {
    const party = new MpcParty(options);
    const stored = await options.store.load();
    if (stored) party.held = HeldKey.fromStored(stored, party.address);
    return party;
  }

  get key(): KeyInfo | null {
    const held = this.held;
    if (!held) return null;
    return {
      address: held.address,
      publicKey: held.info.publicKey,
      keyId: held.keyId,
      generation: held.info.generation,
      threshold: held.threshold,
      parties: [...held.parties.addresses],
    };
  }

  onFault(listener: FaultListener): void {
    this.faultListeners.push(listener);
  }

  onDrop(listener: DropListener): void {
    this.dropListeners.push(listener);
  }

  stats(): MpcStats {
    const queued = { messages: 0, bytes: 0 };
    for (const session of this.sessions.values()) {
      const { messages, bytes } = session.queued();
      queued.messages += messages;
      queued.bytes += bytes;
    }
    const { messages, bytes } = this.early.stats();
    return {
      dropped: { ...this.dropped },
      faults: this.faultCount,
      activeSessions: this.sessions.size,
      invitedSessions: [...this.invited.values()].reduce((sum, count) => sum + count, 0),
      pooledPresignatures: this.pool.total(),
      discardedPresignatures: this.discarded,
      early: { messages, bytes },
      queued,
    };
  }

  /** Presignatures ready for `signers` under the current key. */
  pooled(signers: readonly string[]): number {
    if (!this.held) return 0;
    return this.pool.size(PresignaturePool.key(this.held.keyId, new PartySet(signers).fingerprint));
  }

  // ---- entry points -------------------------------------------------------------------------------------

  /** Distributed key generation among `parties` (every one must take part). */
  async keygen(sessionId: string, parties: readonly string[], threshold: number): Promise<KeyInfo> {
    const set = this.sessionSet(sessionId, parties);
    if (!Number.isInteger(threshold) || threshold < 2 || threshold > set.size) {
      throw new MpcInputError(`threshold ${threshold} must be an integer in 2..${set.size}`);
    }
    const session = this.openSession(`keygen:${sessionId}`, set);
    try {
      const protocol = await this.attempt(session, async () => {
        await session.exchangeHellos({}, this.timeouts.hello);
        return session.run('kg', new MpcKeygen([...set.ids], this.myId(set), threshold), this.timeouts.keygen);
      });
      const share = protocol.takeShare();
      if (!share) throw new MpcSessionError(session.id, 'key generation returned no share');
      await this.install(HeldKey.of(share, set.addresses, this.address));
      return this.key as KeyInfo;
    } finally {
      this.closeSession(session);
    }
  }

  /**
   * Signs a 32-byte digest (an EIP-712 hash) with the group key, together with `signers` (all of whom must call
   * this with the same session id, digest and purpose). Parties that do not answer or misbehave are reported
   * through `onFault` and left out of the next attempt, as long as at least the threshold remain and, when
   * `quorum` is given, it still accepts the remaining set (the duties require more than 2/3 of the stake: t
   * parties that hold less may not sign).
   */
  async sign(sessionId: string, digest: string | Uint8Array, purpose: SignPurpose, signers: readonly string[], quorum?: SignerQuorum): Promise<MpcSignatureResult> {
    const digestBytes = typeof digest === 'string' ? Buffer.from(digest.replace(/^0x/, ''), 'hex') : Buffer.from(digest);
    if (digestBytes.length !== 32) throw new MpcInputError('digest must be 32 bytes');
    if (!PURPOSES.includes(purpose)) throw new MpcInputError(`purpose must be one of ${PURPOSES.join(', ')}`);
    let set = this.sessionSet(sessionId, signers);
    const held = this.requireKey();
    this.checkSigners(set, held);
    if (quorum && !quorum(set.addresses)) throw new MpcInputError(`signers ${set.addresses.join(', ')} do not make a quorum`);
    const attempts = this.options.maxSignAttempts ?? 3;
    for (let attempt = 0; ; attempt++) {
      const session = this.openSession(`sign:${sessionId}:${attempt}:${set.fingerprint}`, set);
      try {
        const result = await this.signAttempt(session, held, digestBytes, purpose);
        this.refill(set);
        return result;
      } catch (error) {
        if (!(error instanceof MpcSessionError) || error.faults.length === 0) throw error;
        const next = set.without(error.faults.map((f) => f.party));
        if (attempt + 1 >= attempts || next.size < held.threshold || !next.has(this.address) || (quorum && !quorum(next.addresses))) throw error;
        set = next;
      } finally {
        this.pool.release(session.id);
        this.closeSession(session);
      }
    }
  }

  /**
   * Moves the group key to `newParties` with `newThreshold`; the address stays the same. Every party of the new
   * set must take part; old holders contribute their shares, joiners learn the key's public parameters from
   * them. A party that leaves takes no part and gets `null`; it keeps its share until `retire()`, which the
   * host calls once the consensus layer reports the new generation in place (so a failed reshare loses nothing).
   */
  async reshare(sessionId: string, oldParties: readonly string[], newParties: readonly string[], newThreshold: number): Promise<KeyInfo | null> {
    if (!isSessionId(sessionId)) throw new MpcInputError('bad session id');
    const oldSet = new PartySet(oldParties);
    const newSet = new PartySet(newParties);
    if (!Number.isInteger(newThreshold) || newThreshold < 2 || newThreshold > newSet.size) {
      throw new MpcInputError(`new threshold ${newThreshold} must be an integer in 2..${newSet.size}`);
    }
    // A host outside the old set is a joiner, whatever stale share it may still keep from an earlier key.
    const holder = oldSet.has(this.address) ? this.held : null;
    if (holder && !PartySet.equal(holder.parties, oldSet)) throw new MpcInputError('old parties differ from the set of the share held here');
    if (!newSet.has(this.address)) {
      if (!oldSet.has(this.address)) throw new MpcInputError('this host is in neither the old nor the new set');
      return null;
    }
    if (oldSet.has(this.address) && !holder) throw new MpcInputError('this host is an old party but holds no share');
    const session = this.openSession(`reshare:${sessionId}`, newSet);
    try {
      const protocol = await this.attempt(session, async () => {
        const mine = holder
          ? { publicKey: holder.info.publicKey, threshold: holder.threshold, generation: holder.info.generation, keyId: holder.keyId, parties: oldSet.addresses }
          : null;
        const hellos = await session.exchangeHellos({ holder: mine }, this.timeouts.hello);
        const basis = agreeOnOldKey(hellos, oldSet);
        const me = this.myId(newSet);
        const native = holder
          ? MpcReshare.asHolder(holder.share, [...newSet.ids], newThreshold)
          : MpcReshare.asJoiner(me, [...oldSet.ids], basis.threshold, basis.publicKey, basis.generation, [...newSet.ids], newThreshold);
        return session.run('rs', native, this.timeouts.reshare);
      });
      const share = protocol.takeShare();
      if (!share) throw new MpcSessionError(session.id, 'reshare returned no share');
      await this.install(HeldKey.of(share, newSet.addresses, this.address));
      return this.key;
    } finally {
      this.closeSession(session);
    }
  }

  /**
   * Fills the pool of `signers` with `count` presignatures (this host must be the set's leader, its lowest
   * address; the others join on invitation). Returns how many were made.
   */
  async preparePresignatures(signers: readonly string[], count: number): Promise<number> {
    const set = new PartySet(signers);
    const held = this.requireKey();
    this.checkSigners(set, held);
    if (set.addresses[0] !== this.address) throw new MpcInputError('only the lowest address of a signing set starts its presignatures');
    let made = 0;
    for (let i = 0; i < count && !this.stopped; i++) {
      const id = `${String(this.clock.now()).padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
      const session = this.openSession(`presign:${id}`, set);
      try {
        this.send(session.id, undefined, set.addresses.filter((a) => a !== this.address), { t: 'i', keyId: held.keyId, signers: [...set.addresses] });
        await this.runPresign(session, held, id);
        made++;
      } catch (error) {
        if (!(error instanceof MpcSessionError)) throw error;
        break;
      } finally {
        this.closeSession(session);
      }
    }
    return made;
  }

  /** Background top-up of a signing set's pool, by its leader only, one run at a time per set. */
  private refill(set: PartySet): void {
    const target = this.options.presignPoolTarget ?? 0;
    const held = this.held;
    if (target <= 0 || !held || set.addresses[0] !== this.address || this.refilling.has(set.fingerprint)) return;
    const missing = target - this.pool.size(PresignaturePool.key(held.keyId, set.fingerprint));
    if (missing <= 0) return;
    this.refilling.add(set.fingerprint);
    const task = this.preparePresignatures(set.addresses, missing)
      .catch(() => 0)
      .finally(() => {
        this.refilling.delete(set.fingerprint);
        this.background.delete(task);
      });
    this.background.add(task);
  }

  /** Stops every session and background task; the transport is the caller's to close. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const session of [...this.sessions.values()]) this.closeSession(session);
    await Promise.allSettled([...this.background]);
  }

  // ---- sessions -----------------------------------------------------------------------------------------

  private async signAttempt(session: Session, held: HeldKey, digest: Buffer, purpose: SignPurpose): Promise<MpcSignatureResult> {
    const set = session.parties;
    const { share, keyId } = held;
    const poolKey = PresignaturePool.key(keyId, set.fingerprint);
    return this.attempt(session, async () => {
      const offers = this.pool.offer(poolKey, session.id, MAX_OFFERS);
      const hellos = await session.exchangeHellos({ digest: digest.toString('hex'), purpose, keyId, offers }, this.timeouts.hello);
      const faults: Fault[] = [];
      let common: Set<string> | null = null;
      for (const [party, hello] of hellos) {
        if (hello.keyId !== keyId) faults.push({ party, reason: 'key-mismatch' });
        else if (hello.digest !== digest.toString('hex') || hello.purpose !== purpose) faults.push({ party, reason: 'digest-mismatch' });
        const theirs = Array.isArray(hello.offers) ? hello.offers.filter((x): x is string => typeof x === 'string') : [];
        common = common === null ? new Set(theirs) : new Set(theirs.filter((id) => common?.has(id)));
      }
      if (faults.length > 0) throw new AttemptFailed('signers disagree on what to sign', faults);
      const chosen = [...(common ?? [])].sort()[0];
      let presignature = chosen ? this.pool.take(poolKey, session.id, chosen) : null;
      const pooled = presignature !== null;
      if (!presignature) {
        const pre = await session.run('pre', new MpcPresign(share, [...set.ids]), this.timeouts.presign);
        presignature = pre.takePresignature();
        if (!presignature) throw new AttemptFailed('presign returned nothing', []);
      }
      const signing = await session.run('sig', new MpcSign(share, presignature, [...set.ids], digest), this.timeouts.sign);
      const sig = signing.takeSignature();
      if (!sig) throw new AttemptFailed('sign returned nothing', []);
      return { ...sig, address: held.address, signers: [...set.addresses], pooled };
    });
  }

  private async runPresign(session: Session, held: HeldKey, id: string): Promise<void> {
    const protocol = await this.attempt(session, async () => {
      await session.exchangeHellos({}, this.timeouts.hello);
      return session.run('pre', new MpcPresign(held.share, [...session.parties.ids]), this.timeouts.presign);
    });
    const presignature = protocol.takePresignature();
    if (!presignature) throw new MpcSessionError(session.id, 'presign returned nothing');
    // The share may have been replaced by a reshare meanwhile: then this presignature is useless.
    if (this.held?.keyId === held.keyId && !this.pool.add(PresignaturePool.key(held.keyId, session.parties.fingerprint), id, presignature)) this.discarded++;
  }

  /** Runs one attempt; turns its failure into an MpcSessionError and reports the parties blamed. */
  private async attempt<T>(session: Session, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof AttemptFailed) {
        const faults = error.faults.filter((f) => f.party !== this.address);
        for (const fault of faults) this.reportFault(fault, session.id);
        throw new MpcSessionError(session.id, error.reason, faults);
      }
      if (error instanceof MpcInputError || error instanceof MpcSessionError) throw error;
      // Native constructors refuse bad parameters with a code; anything else is a bug worth surfacing as is.
      if (nativeCode(error) !== 'Unknown') throw new MpcSessionError(session.id, `${nativeCode(error)}: ${(error as Error).message}`);
      throw error;
    }
  }

  private openSession(id: string, set: PartySet): Session {
    if (this.sessions.has(id) || this.closedSet.has(id)) throw new MpcInputError(`session ${id} was already used`);
    const session = new Session(id, set, {
      me: this.address,
      publicKey: this.signer.publicKey,
      ecdh: (peer) => this.signer.sharedSecret(peer),
      clock: this.clock,
      send: (sid, to, recipients, payload) => this.send(sid, to, recipients, payload),
      reject: (envelope, detail, reason = 'bad-payload') => this.drop(reason, detail, envelope.from),
      pendingLimit: this.limits.pendingPerSender,
    });
    this.sessions.set(id, session);
    for (const { envelope, bytes } of this.early.take(id)) this.route(session, envelope, bytes);
    return session;
  }

  private closeSession(session: Session): void {
    session.close();
    this.sessions.delete(session.id);
    this.closedSet.add(session.id);
    this.closedSessions.push(session.id);
    if (this.closedSessions.length > 4096) this.closedSet.delete(this.closedSessions.shift() as string);
  }

  private send(session: string, to: Address | undefined, recipients: readonly Address[], payload: MpcPayload): void {
    const seq = (this.outSeq.get(session) ?? 0) + 1;
    this.outSeq.set(session, seq);
    if (this.outSeq.size > 8192) this.outSeq.delete(this.outSeq.keys().next().value as string);
    const text = sealEnvelope(this.signer, this.options.network, { session, seq, payload, ...(to ? { to } : {}) });
    for (const r of recipients) this.options.transport.send(r, text);
  }

  // ---- inbound ------------------------------------------------------------------------------------------

  private receive(raw: string): void {
    if (this.stopped) return;
    try {
      const opened = openEnvelope(this.options.network, raw);
      if (!opened.ok) return this.drop(opened.reason, opened.detail, null);
      const envelope = opened.envelope;
      if (envelope.to !== undefined && envelope.to !== this.address) return this.drop('misaddressed', `to ${envelope.to}`, envelope.from);
      if (envelope.from === this.address) return this.drop('unknown-party', 'our own address', envelope.from);
      const bytes = raw.length;
      const session = this.sessions.get(envelope.session);
      if (session) return this.route(session, envelope, bytes);
      if (this.closedSet.has(envelope.session)) return this.drop('wrong-session', `session ${envelope.session} is over`, envelope.from);
      if (!this.isKnownPeer(envelope.from)) return this.drop('unknown-party', `${envelope.from} is not a known peer`, envelope.from);
      if (envelope.payload.t === 'i') return this.acceptInvite(envelope);
      const refused = this.early.add(envelope, bytes, this.clock.now(), (e) => this.drop('wrong-session', `no session ${e.session} opened in time`, e.from));
      if (refused === 'full') this.drop('overflow', 'early-message buffer is full', envelope.from);
      else if (refused) this.drop('peer-limit', `${envelope.from} used up its share of the early-message buffer`, envelope.from);
    } catch (error) {
      // Nothing a peer sends may take the host down.
      this.drop('malformed', `unexpected: ${(error as Error).message}`, null);
    }
  }

  private route(session: Session, envelope: MpcEnvelope, bytes: number): void {
    if (!session.parties.has(envelope.from)) return this.drop('unknown-party', `${envelope.from} is not in ${session.id}`, envelope.from);
    if (!session.acceptSeq(envelope.from, envelope.seq)) return this.drop('replay', `seq ${envelope.seq} in ${session.id}`, envelope.from);
    session.deliver(envelope, bytes);
  }

  private acceptInvite(envelope: MpcEnvelope): void {
    const payload = envelope.payload;
    if (payload.t !== 'i' || !envelope.session.startsWith('presign:')) return this.drop('bad-payload', 'invitation outside a presign session', envelope.from);
    let set: PartySet;
    try {
      set = new PartySet(payload.signers);
    } catch {
      return this.drop('bad-payload', 'invitation with a bad signer list', envelope.from);
    }
    const held = this.held;
    if (!held || payload.keyId !== held.keyId) return this.drop('wrong-session', 'invitation for another key generation', envelope.from);
    if (set.addresses[0] !== envelope.from || !set.has(this.address)) return this.drop('bad-payload', 'invitation not from the set leader', envelope.from);
    try {
      this.checkSigners(set, held);
    } catch {
      return this.drop('bad-payload', 'invitation for signers outside the key', envelope.from);
    }
    const leader = envelope.from;
    const running = this.invited.get(leader) ?? 0;
    if (running >= this.limits.invitedPerPeer) return this.drop('peer-limit', `${leader} already has ${running} presign sessions running here`, leader);
    if (this.sessions.size >= this.limits.maxSessions) return this.drop('overflow', `${this.sessions.size} sessions are open`, leader);
    const session = this.openSession(envelope.session, set);
    session.acceptSeq(envelope.from, envelope.seq);
    this.invited.set(leader, running + 1);
    const id = envelope.session.slice('presign:'.length);
    const task = this.runPresign(session, held, id)
      .catch(() => undefined)
      .finally(() => {
        const left = (this.invited.get(leader) ?? 1) - 1;
        if (left > 0) this.invited.set(leader, left);
        else this.invited.delete(leader);
        this.closeSession(session);
        this.background.delete(task);
      });
    this.background.add(task);
  }

  private drop(reason: DropReason, detail: string, from: string | null): void {
    this.dropped[reason]++;
    for (const listener of this.dropListeners) listener(reason, detail, from);
  }

  private reportFault(fault: Fault, sessionId: string): void {
    this.faultCount++;
    for (const listener of this.faultListeners) listener(fault.party, sessionId, fault.reason);
  }

  // ---- shares -------------------------------------------------------------------------------------------

  private async install(held: HeldKey): Promise<void> {
    await this.options.store.save(held.toStored());
    this.pool.clear();
    this.held = held;
  }

  /** Deletes this host's share (file and memory): after it left the set and the new generation is in place. */
  async retire(): Promise<void> {
    await this.options.store.remove();
    this.held = null;
    this.pool.clear();
  }

  private requireKey(): HeldKey {
    if (!this.held) throw new MpcInputError('this host holds no MPC key share');
    return this.held;
  }

  private checkSigners(set: PartySet, held: HeldKey): void {
    if (!set.has(this.address)) throw new MpcInputError('this host is not among the signers');
    const outside = set.addresses.filter((a) => !held.parties.has(a));
    if (outside.length > 0) throw new MpcInputError(`${outside.join(', ')} hold(s) no share of the current key`);
    if (set.size < held.threshold) throw new MpcInputError(`${set.size} signers are fewer than the threshold ${held.threshold}`);
  }

  private sessionSet(sessionId: string, parties: readonly string[]): PartySet {
    if (!isSessionId(sessionId)) throw new MpcInputError('bad session id');
    const set = new PartySet(parties);
    if (!set.has(this.address)) throw new MpcInputError('this host is not a party of the session');
    return set;
  }

  private myId(set: PartySet): number {
    return set.ids[set.addresses.indexOf(this.address)] as number;
  }

  private isKnownPeer(address: Address): boolean {
    if (this.held?.parties.has(address)) return true;
    for (const session of this.sessions.values()) if (session.parties.has(address)) return true;
    for (const peer of this.options.knownPeers?.() ?? []) if (normaliseAddress(peer) === address) return true;
    return false;
  }
}
