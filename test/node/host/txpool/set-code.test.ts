import { describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { AuthorityReservedError, InflightTxLimitError, OutOfOrderFromDelegatedError } from '../../../../node/host/txpool/errors.ts';
import { Mempool } from '../../../../node/host/txpool/pool.ts';
import type { PoolTx } from '../../../../node/host/txpool/pool-tx.ts';
import type { AccountState } from '../../../../node/host/txpool/sender-queue.ts';

// The pool's EIP-7702 rules (geth legacypool's checkDelegationLimit / validateAuth) on the real Mempool.
const GWEI = 1_000_000_000n;
let seq = 0;
function tx(sender: Hex, nonce: number, authorities?: Hex[], bump = 1n): PoolTx {
  seq++;
  return {
    hash: `0x${seq.toString(16).padStart(64, '0')}` as Hex,
    sender,
    nonce,
    maxFeePerGas: 10n * GWEI * bump,
    maxPriorityFeePerGas: GWEI * bump,
    gasLimit: 60_000n,
    value: 0n,
    raw: new Uint8Array(100),
    receivedAt: seq,
    ...(authorities ? { authorities } : {}),
  };
}
const [A, B, C] = ['a', 'b', 'c'].map((c) => `0x${c.repeat(40)}` as Hex) as [Hex, Hex, Hex];
const plain = (): ((s: Hex) => AccountState) => () => ({ nonce: 0, balance: 10n ** 24n });
const delegatedAccounts =
  (...delegated: Hex[]): ((s: Hex) => AccountState) =>
  (sender) => ({ nonce: 0, balance: 10n ** 24n, delegated: delegated.includes(sender) });

describe('Mempool EIP-7702 rules', () => {
  it('allows a delegated account one in-flight transaction, a replacement of it, and no gapped one', () => {
    const pool = new Mempool();
    const accounts = delegatedAccounts(A);
    expect(() => pool.add(tx(A, 1), accounts)).toThrow(OutOfOrderFromDelegatedError);
    pool.add(tx(A, 0), accounts);
    expect(() => pool.add(tx(A, 1), accounts)).toThrow(InflightTxLimitError);
    expect(pool.add(tx(A, 0, undefined, 2n), accounts).replaced).toBeDefined();
    expect(pool.size).toBe(1);
    // An undelegated sender keeps the ordinary rules.
    pool.add(tx(B, 0), accounts);
    pool.add(tx(B, 1), accounts);
    pool.add(tx(B, 3), accounts);
    expect(pool.size).toBe(4);
  });

  it('treats an authority named by a pooled set-code transaction as delegated until that transaction leaves', () => {
    const pool = new Mempool();
    const setCode = tx(B, 0, [A]);
    pool.add(setCode, plain());
    pool.add(tx(A, 0), plain());
    expect(() => pool.add(tx(A, 1), plain())).toThrow(InflightTxLimitError);
    pool.drop(setCode.hash);
    pool.add(tx(A, 1), plain());
    expect(pool.size).toBe(2);
  });

  it('refuses an authorization naming an account that holds more than one pooled transaction', () => {
    const pool = new Mempool();
    pool.add(tx(A, 0), plain());
    pool.add(tx(A, 1), plain());
    expect(() => pool.add(tx(B, 0, [C, A]), plain())).toThrow(AuthorityReservedError);
    expect(pool.size).toBe(2);
    // One in-flight transaction does not reserve the account (geth's count > 1).
    pool.add(tx(C, 0), plain());
    pool.add(tx(B, 0, [C]), plain());
    expect(pool.size).toBe(4);
  });

  it('forgets the authorities of transactions the chain consumed', () => {
    const pool = new Mempool();
    pool.add(tx(B, 0, [A]), plain());
    expect(() => pool.add(tx(A, 2), plain())).toThrow(OutOfOrderFromDelegatedError);
    pool.applyHead(new Map([[B, { nonce: 1, balance: 10n ** 24n }]]));
    pool.add(tx(A, 2), plain());
    expect(pool.size).toBe(1);
  });
});
