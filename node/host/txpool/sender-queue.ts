import type { Hex } from '../../encoding/hex.ts';
import { maxCost, type PoolTx } from './pool-tx.ts';

/** A sender's state at the chain head, as the pool last saw it. */
export interface AccountState {
  nonce: number;
  balance: bigint;
  /** The account has code at the head (an EIP-7702 delegation): the pool then allows it one in-flight transaction. */
  delegated?: boolean;
}

/**
 * One sender's transactions by nonce. The ones contiguous from the account nonce are pending (executable);
 * the rest are queued until the gap closes.
 */
export class SenderQueue {
  readonly sender: Hex;
  stateNonce: number;
  balance: bigint;
  /** Sum of maxCost over every transaction held, so a new one cannot overdraw the account. */
  committedCost = 0n;
  pendingCount = 0;
  /** Has code at the head (an EIP-7702 delegation), as last told. */
  delegated: boolean;
  private readonly txs = new Map<number, PoolTx>();
  private highest = -1;

  constructor(sender: Hex, account: AccountState) {
    this.sender = sender;
    this.stateNonce = account.nonce;
    this.balance = account.balance;
    this.delegated = account.delegated ?? false;
  }

  get size(): number {
    return this.txs.size;
  }

  get(nonce: number): PoolTx | undefined {
    return this.txs.get(nonce);
  }

  /** The next nonce a wallet should use: the account nonce plus the pending run. */
  pendingNonce(): number {
    return this.stateNonce + this.pendingCount;
  }

  isPending(nonce: number): boolean {
    return nonce >= this.stateNonce && nonce < this.stateNonce + this.pendingCount;
  }

  /** The highest-nonce transaction: the only one that may be evicted without opening a gap. */
  tail(): PoolTx | undefined {
    return this.highest < 0 ? undefined : this.txs.get(this.highest);
  }

  /** Stores `tx`, returning the transaction it replaced at the same nonce, if any. */
  put(tx: PoolTx): PoolTx | undefined {
    const old = this.txs.get(tx.nonce);
    if (old) this.committedCost -= maxCost(old);
    this.txs.set(tx.nonce, tx);
    this.committedCost += maxCost(tx);
    if (tx.nonce > this.highest) this.highest = tx.nonce;
    if (!old) this.extendPending();
    return old;
  }

  /** Removes the transaction at `nonce`; those above it stop being pending until the gap closes. */
  remove(nonce: number): PoolTx | undefined {
    const tx = this.txs.get(nonce);
    if (!tx) return undefined;
    this.txs.delete(nonce);
    this.committedCost -= maxCost(tx);
    if (this.isPending(nonce)) this.pendingCount = nonce - this.stateNonce;
    if (nonce === this.highest) this.highest = this.findHighest();
    return tx;
  }

  /** Moves to a new account state after a block: drops what the chain has consumed, recomputes the pending run. */
  rebase(account: AccountState): PoolTx[] {
    const dropped: PoolTx[] = [];
    for (const [nonce, tx] of this.txs) {
      if (nonce < account.nonce) {
        this.txs.delete(nonce);
        this.committedCost -= maxCost(tx);
        dropped.push(tx);
      }
    }
    this.stateNonce = account.nonce;
    this.balance = account.balance;
    this.delegated = account.delegated ?? this.delegated;
    this.pendingCount = 0;
    this.extendPending();
    if (this.highest < account.nonce) this.highest = this.findHighest();
    return dropped;
  }

  /** Transactions in nonce order (pending first, then queued). */
  *inOrder(): IterableIterator<PoolTx> {
    const nonces = [...this.txs.keys()].sort((a, b) => a - b);
    for (const nonce of nonces) yield this.txs.get(nonce) as PoolTx;
  }

  *queued(): IterableIterator<PoolTx> {
    for (const [nonce, tx] of this.txs) if (!this.isPending(nonce)) yield tx;
  }

  private extendPending(): void {
    while (this.txs.has(this.stateNonce + this.pendingCount)) this.pendingCount++;
  }

  private findHighest(): number {
    let highest = -1;
    for (const nonce of this.txs.keys()) if (nonce > highest) highest = nonce;
    return highest;
  }
}
