import { sealBlock, sealSigner } from '../../identity/block-seal.ts';
import type { ExecutionEngine, SealedBlock, VerifyOutcome } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import { quantity, type Hex } from '../../encoding/hex.ts';
import type { NodeKey } from '../../identity/node-key.ts';
import type { SealStore } from '../engine/seal-store.ts';
import type { ProducedBlock } from '../producer/producer.ts';
import { badHeaderEvidence } from './bad-header.ts';
import type { EvidenceStore } from './evidence.ts';
import type { SafeHeadTracker } from './safe-head.ts';
import type { SequencerSchedule } from './schedule.ts';
import type { UnsafeReorg } from './unsafe-reorg.ts';
import type { WriteLock } from '../engine/write-lock.ts';
import { TokenBucket } from '../../p2p/token-bucket.ts';
import { fromWire, isHash, isQuantity, isSeal, MAX_RANGE, toWire, type ReplicationMessage } from './wire.ts';

/** The slice of the peer network replication uses (PeerNetwork implements it). */
export interface PeerBus {
  on(channel: string, handler: (from: Hex, payload: unknown) => void): void;
  onConnect(listener: (peer: Hex) => void): void;
  send(to: Hex, channel: string, payload: unknown): boolean;
  broadcast(channel: string, payload: unknown): number;
}

export interface ReplicatorDeps {
  bus: PeerBus;
  engine: ExecutionEngine;
  heads: Heads;
  seals: SealStore;
  schedule: SequencerSchedule;
  evidence: EvidenceStore;
  safe: SafeHeadTracker;
  key: NodeKey;
  /** Shared with the producer and rewinds: one chain writer at a time. */
  lock: WriteLock;
  /** Drops unsafe blocks a failover orphaned (see unsafe-reorg.ts). */
  reorg: UnsafeReorg;
  /** A peer's block was verified and applied (the host updates its pool, subscribers, batcher). */
  onApplied(block: SealedBlock, outcome: Extract<VerifyOutcome, { ok: true }>): void;
  /** Blocks served to one peer's `get` requests per second (default DEFAULT_SERVE_BLOCKS_PER_SECOND). */
  serveBlocksPerSecond?: number;
  /** Wall clock in ms (claim back-offs, serving budgets, and the header rules' bound on future timestamps); Date.now when absent. */
  now?: () => number;
  log?: (message: string) => void;
}

export const CHANNEL = 'blocks';
const MAX_BUFFERED = 4096;
const REQUEST_TIMEOUT_MS = 3000;
export const DEFAULT_SERVE_BLOCKS_PER_SECOND = 512;
/** How long the claims of a peer that did not deliver the heights it claimed are ignored. */
export const CLAIM_BACKOFF_MS = 30_000;

/** The outstanding catch-up request: to whom, for what, since when, and whether blocks came back. */
interface CatchUpRequest {
  peer: Hex;
  from: bigint;
  to: bigint;
  at: number;
  answered: boolean;
}

/**
 * Block replication. The sequencer pushes each block it seals; followers check the seal against the sequencer
 * elected for that height, re-execute natively (verifyAndApply compares every root), store the seal, and ack to all
 * hosts so each computes the same safe head. Blocks that arrive early are buffered while the gap is fetched; a
 * second sealed block at a stored height is refused and kept as double-sign evidence.
 */
export class Replicator {
  private readonly deps: ReplicatorDeps;
  private readonly buffer = new Map<bigint, { block: SealedBlock; seal: Hex; from: Hex }>();
  /** Offers are handled strictly one at a time: re-execution is asynchronous and blocks must apply in order. */
  private readonly incoming: { block: SealedBlock; seal: Hex; from: Hex }[] = [];
  private draining: Promise<void> | null = null;
  private request: CatchUpRequest | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  /** Heights peers claim in `head` messages: hints for catch-up only, never evidence of anything. */
  private readonly claims = new Map<Hex, bigint>();
  private readonly claimBackoff = new Map<Hex, number>();
  /**
   * Highest height proven by a block sealed by the sequencer elected for it (seal checked, block not necessarily
   * applied yet). Liveness reads this, not claims: a forged `head` must not make a host think it is behind. Reset
   * to our head when catch-up toward it stalls, so a sealed block without a chain behind it cannot pin it either.
   */
  highestSealed: bigint;
  applied = 0;
  refused = 0;
  /** Peers that claimed heights and then did not deliver them when asked (each time, a claim back-off). */
  unfulfilledClaims = 0;
  /** `get` requests dropped because the peer spent its budget of served blocks. */
  getsDropped = 0;
  private readonly serveBudgets = new Map<Hex, TokenBucket>();
  private lastRefusalLog = 0;
  private quietRefusals = 0;

  constructor(deps: ReplicatorDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.highestSealed = deps.heads.latest;
  }

  /** Highest height credibly claimed or proven: the catch-up target and eth_syncing's highestBlock. */
  get highestSeen(): bigint {
    let highest = this.highestSealed;
    const now = this.now();
    for (const [peer, claim] of this.claims) if (claim > highest && !this.backedOff(peer, now)) highest = claim;
    return highest;
  }

  start(): void {
    const { bus } = this.deps;
    bus.on(CHANNEL, (from, payload) => this.receive(from, payload as ReplicationMessage));
    bus.onConnect((peer) => bus.send(peer, CHANNEL, this.headMessage()));
    this.heartbeat = setInterval(() => {
      this.expireRequest();
      bus.broadcast(CHANNEL, this.headMessage());
    }, 1000);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.incoming.length = 0;
    await this.draining;
  }

  /** The sequencer's side: push a freshly produced block and count our own copy toward the safe head. */
  publish(produced: ProducedBlock): void {
    const { sealed } = produced.executed;
    this.deps.bus.broadcast(CHANNEL, { type: 'block', block: toWire(sealed), seal: produced.seal });
    this.updateSafe();
  }

  private headMessage(): ReplicationMessage {
    const latest = this.deps.heads.latest;
    return { type: 'head', number: quantity(latest), hash: this.deps.seals.get(latest)?.hash ?? (this.deps.engine.getBlockByNumber(latest)?.hash as Hex) };
  }

  private receive(from: Hex, message: ReplicationMessage): void {
    if (typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'block': {
        const block = fromWire(message.block);
        if (block && isSeal(message.seal)) this.offer(from, block, message.seal);
        else this.refuse(from, 'malformed block message');
        return;
      }
      case 'blocks': {
        if (!Array.isArray(message.items)) return;
        let offered = 0;
        for (const item of message.items.slice(0, MAX_RANGE)) {
          const block = fromWire(item?.block);
          if (block && isSeal(item.seal)) {
            this.offer(from, block, item.seal);
            offered++;
          }
        }
        if (offered > 0 && this.request?.peer === from) this.request.answered = true;
        // Ask for the next range once these are applied; if they did not help, the request timeout paces retries.
        const before = this.deps.heads.latest;
        void this.idle().then(() => {
          if (this.deps.heads.latest > before) this.request = null;
          this.catchUp(from);
        });
        return;
      }
      case 'ack':
        if (isQuantity(message.number) && isHash(message.hash)) this.onAck(from, BigInt(message.number), message.hash);
        return;
      case 'head':
        if (isQuantity(message.number) && isHash(message.hash)) {
          const number = BigInt(message.number);
          this.claims.set(from, number);
          this.onAck(from, number, message.hash);
          this.catchUp(from);
        }
        return;
      case 'get':
        if (isQuantity(message.from) && isQuantity(message.to)) this.serveRange(from, BigInt(message.from), BigInt(message.to));
        return;
    }
  }

  private offer(from: Hex, block: SealedBlock, seal: Hex): void {
    if (this.incoming.length >= MAX_BUFFERED) return this.refuse(from, 'too many blocks waiting');
    this.incoming.push({ from, block, seal });
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  private async drain(): Promise<void> {
    for (let next = this.incoming.shift(); next; next = this.incoming.shift()) {
      const item = next;
      try {
        await this.deps.lock.run(() => this.handle(item.from, item.block, item.seal));
      } catch (error) {
        this.refuse(item.from, `block ${item.block.env.number}: ${(error as Error).message}`);
      }
    }
  }

  /** Resolves once every offered block has been handled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Drops orphaned unsafe blocks now (called when the schedule changes); serialised with every chain write. */
  checkOrphans(): Promise<boolean> {
    return this.deps.lock.run(() => this.deps.reorg.check());
  }

  /** A sealed block from a peer: verify who sealed it, then apply it now, buffer it, or refuse it. */
  private async handle(from: Hex, block: SealedBlock, seal: Hex): Promise<void> {
    const { engine, heads, schedule } = this.deps;
    const number = block.env.number;
    const signer = sealSigner(engine.chainId, number, block.hash, seal);
    if (!signer) return this.refuse(from, `block ${number}: malformed seal`);
    const elected = schedule.sequencerFor(number);
    if (elected === null) {
      void schedule.refresh();
      return this.refuse(from, `block ${number}: sequencer for this height not known yet`);
    }
    if (signer !== elected) return this.refuse(from, `block ${number}: sealed by ${signer}, but ${elected} is the elected sequencer`);
    if (number > this.highestSealed) this.highestSealed = number;

    if (number <= heads.latest) {
      const ours = this.deps.seals.get(number)?.hash ?? (engine.getBlockByNumber(number)?.hash as Hex | undefined);
      if (ours === block.hash) return;
      // Ours differs. Either the same sequencer signed both (evidence), or ours was orphaned by a failover.
      if (!this.checkConflict(number, block.hash, seal, signer) && (await this.deps.reorg.check()) && number === heads.latest + 1n) {
        await this.apply(from, block, seal);
      }
      return;
    }
    if (number > heads.latest + 1n) {
      if (this.buffer.size < MAX_BUFFERED) this.buffer.set(number, { block, seal, from });
      this.catchUp(from);
      return;
    }
    await this.apply(from, block, seal);
    // Apply whatever was waiting behind it.
    for (let next = heads.latest + 1n; ; next++) {
      const waiting = this.buffer.get(next);
      if (!waiting) break;
      this.buffer.delete(next);
      if (!(await this.apply(waiting.from, waiting.block, waiting.seal))) break;
    }
    for (const n of this.buffer.keys()) if (n <= heads.latest) this.buffer.delete(n);
  }

  private async apply(from: Hex, block: SealedBlock, seal: Hex): Promise<boolean> {
    const { engine, heads, seals } = this.deps;
    const number = block.env.number;
    const parent = seals.get(number - 1n)?.hash ?? engine.getBlockByNumber(number - 1n)?.hash;
    if (block.parentHash !== parent) {
      // Our parent may be an orphan of a failover: drop it and let catch-up fetch the agreed blocks.
      if (await this.deps.reorg.check()) return false;
      this.refuse(from, `block ${number}: parent ${block.parentHash} is not our block ${number - 1n} (${parent})`);
      return false;
    }
    const outcome = await engine.verifyAndApply(block, this.now());
    if (!outcome.ok) {
      const evidence = badHeaderEvidence(engine, seals, block, seal, outcome.reason);
      if (evidence) void this.deps.evidence.add(evidence);
      this.refuse(from, `block ${number}: re-execution disagrees: ${outcome.reason}`);
      return false;
    }
    void seals.put(number, { hash: block.hash, seal });
    heads.setLatest(number);
    this.applied++;
    this.deps.onApplied(block, outcome);
    this.deps.bus.broadcast(CHANNEL, { type: 'ack', number: quantity(number), hash: block.hash });
    this.updateSafe();
    return true;
  }

  /** Same height, different hash, both sealed by the elected sequencer: keep the proof (returns true then). */
  private checkConflict(number: bigint, hash: Hex, seal: Hex, signer: Hex): boolean {
    const ours = this.deps.seals.get(number);
    if (!ours || ours.hash === hash) return false;
    const oursSigner = sealSigner(this.deps.engine.chainId, number, ours.hash, ours.seal);
    if (oursSigner !== signer) return false;
    this.refused++;
    this.deps.log?.(`conflicting block at ${number}: ours ${ours.hash}, offered ${hash}, both sealed by ${signer}`);
    void this.deps.evidence.add({
      kind: 'double-sign',
      sequencer: signer,
      l2Block: Number(number),
      a: { hash: ours.hash, signature: ours.seal },
      b: { hash, signature: seal },
    });
    return true;
  }

  /**
   * Ask `peer` for the next missing range, up to what it claims (unless its claims are in back-off) or what sealed
   * blocks prove, unless a request is still outstanding.
   */
  private catchUp(peer: Hex): void {
    const latest = this.deps.heads.latest;
    const now = this.now();
    this.expireRequest();
    if (this.request && this.request.to > latest) return;
    const claim = this.backedOff(peer, now) ? 0n : (this.claims.get(peer) ?? 0n);
    const target = claim > this.highestSealed ? claim : this.highestSealed;
    if (target <= latest) return;
    const to = latest + BigInt(MAX_RANGE) < target ? latest + BigInt(MAX_RANGE) : target;
    this.request = { peer, from: latest + 1n, to, at: now, answered: false };
    this.deps.bus.send(peer, CHANNEL, { type: 'get', from: quantity(latest + 1n), to: quantity(to) });
  }

  /**
   * A request past its timeout: without progress, the peer asked could not deliver what it claimed (its claims are
   * ignored for CLAIM_BACKOFF_MS and it is counted), and sealed heights no chain reached stop counting as proven.
   */
  private expireRequest(): void {
    const request = this.request;
    const now = this.now();
    if (!request || now - request.at < REQUEST_TIMEOUT_MS) return;
    this.request = null;
    if (this.deps.heads.latest >= request.from) return;
    if (!request.answered) {
      this.unfulfilledClaims++;
      this.claims.delete(request.peer);
      this.claimBackoff.set(request.peer, now + CLAIM_BACKOFF_MS);
      this.deps.log?.(`peer ${request.peer} claimed block ${request.to} or later but sent none of ${request.from}..${request.to}: its claims are ignored for ${CLAIM_BACKOFF_MS / 1000} s`);
    }
    if (this.highestSealed > this.deps.heads.latest) this.highestSealed = this.deps.heads.latest;
  }

  private backedOff(peer: Hex, now: number): boolean {
    const until = this.claimBackoff.get(peer);
    if (until === undefined) return false;
    if (now < until) return true;
    this.claimBackoff.delete(peer);
    return false;
  }

  /** A peer's `get`: at most MAX_RANGE blocks, and within the peer's per-second budget (else dropped, counted). */
  private serveRange(peer: Hex, from: bigint, to: bigint): void {
    const { engine, heads, seals } = this.deps;
    const last = to > heads.latest ? heads.latest : to;
    const span = last - from + 1n;
    const cost = span < 1n ? 1 : span > BigInt(MAX_RANGE) ? MAX_RANGE : Number(span);
    if (!this.serveBudget(peer).take(cost)) {
      this.getsDropped++;
      return;
    }
    const items: { block: ReturnType<typeof toWire>; seal: Hex }[] = [];
    for (let n = from < 1n ? 1n : from; n <= last && items.length < MAX_RANGE; n++) {
      const block = engine.sealedBlock(n);
      if (!block) break;
      let seal = seals.get(n)?.seal;
      // A seal lost in a crash can be restored only by its own sequencer (deterministic RFC 6979 signature).
      if (!seal && this.deps.schedule.sequencerFor(n) === this.deps.key.address) {
        seal = sealBlock(this.deps.key, engine.chainId, n, block.hash);
        void seals.put(n, { hash: block.hash, seal });
      }
      if (!seal) break;
      items.push({ block: toWire(block), seal });
    }
    this.deps.bus.send(peer, CHANNEL, { type: 'blocks', items });
  }

  private serveBudget(peer: Hex): TokenBucket {
    let budget = this.serveBudgets.get(peer);
    if (!budget) {
      const rate = this.deps.serveBlocksPerSecond ?? DEFAULT_SERVE_BLOCKS_PER_SECOND;
      budget = new TokenBucket(rate, Math.max(rate, MAX_RANGE), this.now);
      this.serveBudgets.set(peer, budget);
    }
    return budget;
  }

  private onAck(from: Hex, number: bigint, hash: Hex): void {
    if (number > this.deps.heads.latest) return;
    const ours = this.deps.seals.get(number)?.hash ?? this.deps.engine.getBlockByNumber(number)?.hash;
    if (ours !== hash) return;
    this.deps.safe.ack(from, number);
    this.updateSafe();
  }

  /** Safe = held by > 2/3 of the hosts' weight, and never above what the consensus layer agrees (when it runs). */
  updateSafe(): void {
    const local = this.deps.safe.safe(this.deps.heads.latest);
    const agreed = this.deps.schedule.agreedSafe?.() ?? null;
    this.deps.heads.setSafe(agreed !== null && agreed < local ? agreed : local);
  }

  private refuse(from: Hex, reason: string): void {
    this.refused++;
    // At most one line a second: a peer on another fork would otherwise fill the log.
    const now = this.now();
    if (now - this.lastRefusalLog < 1000) {
      this.quietRefusals++;
      return;
    }
    this.deps.log?.(`refused block from ${from}: ${reason}${this.quietRefusals ? ` (and ${this.quietRefusals} more refusals)` : ''}`);
    this.lastRefusalLog = now;
    this.quietRefusals = 0;
  }
}
