import type { Hex } from '../../encoding/hex.ts';
import {
  AccountLimitError,
  AlreadyKnownError,
  InsufficientFundsError,
  NonceTooHighError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  PoolFullError,
} from './errors.ts';
import { Heap } from './heap.ts';
import { AuthorityIndex } from './set-code-rules.ts';
import { effectiveTip, isSufficientBump, maxCost, type PoolTx } from './pool-tx.ts';
import { SenderQueue, type AccountState } from './sender-queue.ts';

export interface PoolConfig {
  /** Transactions one sender may hold (pending + queued); also the furthest nonce ahead accepted. */
  maxPerSender: number;
  /** Transactions the whole pool may hold; beyond it the cheapest evictable one makes room or the new one is refused. */
  maxTotal: number;
  /** Minimum raise, in percent, of both fee fields for a same-nonce replacement (geth: 10). */
  priceBumpPercent: bigint;
}

export const DEFAULT_POOL_CONFIG: PoolConfig = { maxPerSender: 64, maxTotal: 200_000, priceBumpPercent: 10n };

export interface AddOutcome {
  pending: boolean;
  replaced?: PoolTx;
  evicted: PoolTx[];
}

export interface BlockSelection {
  baseFee: bigint;
  gasLimit: bigint;
  maxTxs: number;
  maxBytes: number;
}

interface TailEntry {
  tx: PoolTx;
  tip: bigint;
}

/**
 * The transaction pool: per-sender nonce order, queued future nonces, fee-bump replacement, per-sender and global
 * limits, eviction of the cheapest tail (never a sender's lower nonce before a higher one), and block selection by
 * effective tip across senders.
 */
export class Mempool {
  readonly config: PoolConfig;
  /** Base fee of the next block; orders selection and eviction. */
  baseFee = 0n;
  private readonly senders = new Map<Hex, SenderQueue>();
  private readonly byHash = new Map<Hex, PoolTx>();
  private readonly authorities = new AuthorityIndex();
  private readonly listeners = new Set<(tx: PoolTx) => void>();
  /** Built only under pressure; while present it is kept current by pushes and read lazily (stale entries skipped). */
  private tails: Heap<TailEntry> | null = null;
  private tailsBaseFee = 0n;
  /** Executable transactions across all senders, kept current on every change. */
  private pendingTotal = 0;
  private changes = 0;

  constructor(config: Partial<PoolConfig> = {}) {
    this.config = { ...DEFAULT_POOL_CONFIG, ...config };
  }

  /** Grows on every change of the pool's content: equal versions select the same block (for the same base fee). */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.byHash.size;
  }

  get senderCount(): number {
    return this.senders.size;
  }

  /** Executable transactions (contiguous from their sender's nonce): what the next block can take. */
  get pendingSize(): number {
    return this.pendingTotal;
  }

  counts(): { pending: number; queued: number } {
    return { pending: this.pendingTotal, queued: this.byHash.size - this.pendingTotal };
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash);
  }

  has(hash: Hex): boolean {
    return this.byHash.has(hash);
  }

  /** The nonce a wallet should use next, or undefined when the pool holds nothing from `sender`. */
  pendingNonce(sender: Hex): number | undefined {
    return this.senders.get(sender)?.pendingNonce();
  }

  /** The highest nonce the pool holds from `sender`, if any. */
  highestNonce(sender: Hex): number | undefined {
    return this.senders.get(sender)?.tail()?.nonce;
  }

  isPending(tx: PoolTx): boolean {
    return this.senders.get(tx.sender)?.isPending(tx.nonce) ?? false;
  }

  onAdded(listener: (tx: PoolTx) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Admits `tx` or throws the PoolRejectionError wallets expect. `account` is asked for the sender's chain state only when
   * the pool holds nothing from that sender yet. Nothing changes when it throws.
   */
  add(tx: PoolTx, account: (sender: Hex) => AccountState): AddOutcome {
    if (this.byHash.has(tx.hash)) throw new AlreadyKnownError();
    const known = this.senders.get(tx.sender);
    const queue = known ?? new SenderQueue(tx.sender, account(tx.sender));
    if (tx.nonce < queue.stateNonce) throw new NonceTooLowError(queue.stateNonce, tx.nonce);
    if (tx.nonce >= queue.stateNonce + this.config.maxPerSender) {
      throw new NonceTooHighError(`tx nonce ${tx.nonce} is ${tx.nonce - queue.stateNonce} ahead of the account nonce ${queue.stateNonce}; at most ${this.config.maxPerSender - 1} allowed`);
    }
    const existing = queue.get(tx.nonce);
    if (existing && !isSufficientBump(existing, tx, this.config.priceBumpPercent)) throw new ReplacementUnderpricedError();
    const cost = maxCost(tx);
    if (cost > queue.balance) throw new InsufficientFundsError(queue.balance, cost);
    const committed = queue.committedCost - (existing ? maxCost(existing) : 0n) + cost;
    if (committed > queue.balance) throw new InsufficientFundsError(queue.balance, committed);
    if (!existing && queue.size >= this.config.maxPerSender) throw new AccountLimitError(this.config.maxPerSender);
    this.authorities.check(tx, queue, (address) => this.senders.get(address)?.size ?? 0);
    const evicted = existing ? [] : this.makeRoom(tx);

    if (!known) this.senders.set(tx.sender, queue);
    const before = queue.pendingCount;
    const replaced = queue.put(tx);
    this.pendingTotal += queue.pendingCount - before;
    if (replaced) this.forget(replaced);
    this.byHash.set(tx.hash, tx);
    this.authorities.add(tx);
    this.changes++;
    this.pushTail(queue);
    for (const listener of this.listeners) listener(tx);
    return replaced ? { pending: queue.isPending(tx.nonce), replaced, evicted } : { pending: queue.isPending(tx.nonce), evicted };
  }

  /**
   * Picks transactions for the next block: across senders by effective tip (highest first, earlier arrival on ties),
   * within a sender by nonce. A sender whose next transaction does not fit is skipped for the rest of the block.
   */
  selectForBlock(limits: BlockSelection): PoolTx[] {
    const { baseFee } = limits;
    type Head = { queue: SenderQueue; tx: PoolTx; tip: bigint };
    const heads: Head[] = [];
    for (const queue of this.senders.values()) {
      if (queue.pendingCount === 0) continue;
      const tx = queue.get(queue.stateNonce) as PoolTx;
      const tip = effectiveTip(tx, baseFee);
      if (tip >= 0n) heads.push({ queue, tx, tip });
    }
    const heap = new Heap<Head>((a, b) => a.tip > b.tip || (a.tip === b.tip && a.tx.receivedAt < b.tx.receivedAt), heads);
    const chosen: PoolTx[] = [];
    let gas = 0n;
    let bytes = 0;
    while (chosen.length < limits.maxTxs) {
      const head = heap.pop();
      if (!head) break;
      if (gas + head.tx.gasLimit > limits.gasLimit || bytes + head.tx.raw.length > limits.maxBytes) continue;
      chosen.push(head.tx);
      gas += head.tx.gasLimit;
      bytes += head.tx.raw.length;
      const next = head.tx.nonce + 1;
      if (head.queue.isPending(next)) {
        const tx = head.queue.get(next) as PoolTx;
        const tip = effectiveTip(tx, baseFee);
        if (tip >= 0n) heap.push({ queue: head.queue, tx, tip });
      }
    }
    return chosen;
  }

  /** Moves senders to their post-block account state: consumed nonces leave, queued ones may become pending. */
  applyHead(accounts: ReadonlyMap<Hex, AccountState>): PoolTx[] {
    const removed: PoolTx[] = [];
    if (accounts.size) this.changes++;
    for (const [sender, account] of accounts) {
      const queue = this.senders.get(sender);
      if (!queue) continue;
      const before = queue.pendingCount;
      const consumed = queue.rebase(account);
      this.pendingTotal += queue.pendingCount - before;
      for (const tx of consumed) {
        this.forget(tx);
        removed.push(tx);
      }
      this.retireIfEmpty(queue);
      this.pushTail(queue);
    }
    return removed;
  }

  /** Removes one transaction (e.g. the executor rejected it); higher nonces of its sender become queued. */
  drop(hash: Hex): PoolTx | undefined {
    const tx = this.byHash.get(hash);
    if (!tx) return undefined;
    this.changes++;
    const queue = this.senders.get(tx.sender) as SenderQueue;
    const before = queue.pendingCount;
    queue.remove(tx.nonce);
    this.pendingTotal += queue.pendingCount - before;
    this.forget(tx);
    this.retireIfEmpty(queue);
    this.pushTail(queue);
    return tx;
  }

  /** Drops queued (not executable) transactions older than `maxAgeMs`. */
  expireQueued(now: number, maxAgeMs: number): PoolTx[] {
    const expired: PoolTx[] = [];
    for (const queue of [...this.senders.values()]) {
      for (const tx of [...queue.queued()]) {
        if (now - tx.receivedAt > maxAgeMs) expired.push(this.drop(tx.hash) as PoolTx);
      }
    }
    return expired;
  }

  /** Every transaction, each sender's in nonce order (used to rewrite the journal). */
  *all(): IterableIterator<PoolTx> {
    for (const queue of this.senders.values()) yield* queue.inOrder();
  }

  private forget(tx: PoolTx): void {
    this.byHash.delete(tx.hash);
    this.authorities.remove(tx);
  }

  private retireIfEmpty(queue: SenderQueue): void {
    if (queue.size === 0) this.senders.delete(queue.sender);
  }

  /** Frees one slot for `incoming` by evicting the cheapest sender tail that pays less, or throws txpool full. */
  private makeRoom(incoming: PoolTx): PoolTx[] {
    if (this.byHash.size < this.config.maxTotal) {
      if (this.tails && this.byHash.size < this.config.maxTotal / 2) this.tails = null;
      return [];
    }
    const incomingTip = effectiveTip(incoming, this.baseFee);
    const heap = this.tailHeap();
    for (;;) {
      const entry = heap.peek();
      if (!entry) break;
      const queue = this.senders.get(entry.tx.sender);
      if (!queue || queue.tail() !== entry.tx) {
        heap.pop();
        continue;
      }
      // Evicting one's own tail to admit a higher nonce would open a gap; and nobody is evicted for a cheaper tx.
      if (entry.tip >= incomingTip || entry.tx.sender === incoming.sender) break;
      heap.pop();
      this.drop(entry.tx.hash);
      return [entry.tx];
    }
    throw new PoolFullError();
  }

  private tailHeap(): Heap<TailEntry> {
    if (!this.tails || this.tailsBaseFee !== this.baseFee || this.tails.size > 2 * this.senders.size + 1024) {
      const entries: TailEntry[] = [];
      for (const queue of this.senders.values()) {
        const tx = queue.tail();
        if (tx) entries.push({ tx, tip: effectiveTip(tx, this.baseFee) });
      }
      this.tails = new Heap<TailEntry>((a, b) => a.tip < b.tip, entries);
      this.tailsBaseFee = this.baseFee;
    }
    return this.tails;
  }

  private pushTail(queue: SenderQueue): void {
    if (!this.tails) return;
    const tx = queue.tail();
    if (tx) this.tails.push({ tx, tip: effectiveTip(tx, this.tailsBaseFee) });
  }
}
