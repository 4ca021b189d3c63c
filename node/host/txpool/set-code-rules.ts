import type { Hex } from '../../encoding/hex.ts';
import { AuthorityReservedError, InflightTxLimitError, OutOfOrderFromDelegatedError } from './errors.ts';
import type { PoolTx } from './pool-tx.ts';
import type { SenderQueue } from './sender-queue.ts';

/**
 * The pool's EIP-7702 rules, as go-ethereum's legacypool has them (`checkDelegationLimit` and `validateAuth` in
 * core/txpool/legacypool/legacypool.go): a transaction from a delegated account, or from an authority some pooled
 * set-code transaction names, can be invalidated by a sweep of the account's balance from delegated code, so such an
 * account may hold only one in-flight (executable) transaction; and an authorization may not name an account that
 * already holds more than one transaction in the pool.
 */
export class AuthorityIndex {
  /** How many pooled set-code transactions name each authority (geth's `lookup.auths`). */
  private readonly named = new Map<Hex, number>();

  has(authority: Hex): boolean {
    return this.named.has(authority);
  }

  add(tx: PoolTx): void {
    for (const authority of tx.authorities ?? []) this.named.set(authority, (this.named.get(authority) ?? 0) + 1);
  }

  remove(tx: PoolTx): void {
    for (const authority of tx.authorities ?? []) {
      const left = (this.named.get(authority) ?? 1) - 1;
      if (left === 0) this.named.delete(authority);
      else this.named.set(authority, left);
    }
  }

  /** Throws the geth error for `tx` from `queue` (the sender's, possibly empty), `held(a)` counting a's pooled txs. */
  check(tx: PoolTx, queue: SenderQueue, held: (address: Hex) => number): void {
    if (queue.delegated || this.has(tx.sender)) {
      if (queue.size === 0) {
        if (tx.nonce !== queue.stateNonce) throw new OutOfOrderFromDelegatedError();
      } else if (!queue.isPending(tx.nonce)) {
        // Replacing the one in-flight transaction is allowed; a second one is not.
        throw new InflightTxLimitError();
      }
    }
    for (const authority of tx.authorities ?? []) {
      if (held(authority) > 1) throw new AuthorityReservedError();
    }
  }
}
