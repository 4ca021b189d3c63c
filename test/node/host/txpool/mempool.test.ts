import { describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { Mempool } from '../../../../node/host/txpool/pool.ts';
import type { PoolTx } from '../../../../node/host/txpool/pool-tx.ts';
import type { AccountState } from '../../../../node/host/txpool/sender-queue.ts';

const GWEI = 1_000_000_000n;
let seq = 0;
function tx(sender: string, nonce: number, fee: { cap?: bigint; tip?: bigint; gas?: bigint; value?: bigint } = {}): PoolTx {
  seq++;
  return {
    hash: `0x${seq.toString(16).padStart(64, '0')}` as Hex,
    sender: sender as Hex,
    nonce,
    maxFeePerGas: fee.cap ?? 10n * GWEI,
    maxPriorityFeePerGas: fee.tip ?? GWEI,
    gasLimit: fee.gas ?? 21_000n,
    value: fee.value ?? 0n,
    raw: new Uint8Array(100),
    receivedAt: seq,
  };
}
const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);
const C = '0x' + 'c'.repeat(40);
const rich = (nonce = 0): ((s: Hex) => AccountState) => () => ({ nonce, balance: 10n ** 24n });

describe('Mempool', () => {
  it('keeps per-sender nonce order and queues future nonces until the gap closes', () => {
    const pool = new Mempool();
    pool.add(tx(A, 0), rich());
    const far = tx(A, 2);
    expect(pool.add(far, rich()).pending).toBe(false);
    expect(pool.pendingNonce(A as Hex)).toBe(1);
    expect(pool.counts()).toEqual({ pending: 1, queued: 1 });
    expect(pool.pendingSize).toBe(1);
    pool.add(tx(A, 1), rich());
    expect(pool.pendingNonce(A as Hex)).toBe(3);
    expect(pool.isPending(far)).toBe(true);
    const picked = pool.selectForBlock({ baseFee: 0n, gasLimit: 30_000_000n, maxTxs: 100, maxBytes: 1 << 20 });
    expect(picked.map((t) => t.nonce)).toEqual([0, 1, 2]);
  });

  it('refuses stale, duplicate, too-far and unaffordable transactions without changing anything', () => {
    const pool = new Mempool({ maxPerSender: 4 });
    const first = tx(A, 5);
    pool.add(first, rich(5));
    expect(() => pool.add(tx(A, 4), rich(5))).toThrow(/nonce too low/);
    expect(() => pool.add(first, rich(5))).toThrow(/already known/);
    expect(() => pool.add(tx(A, 9), rich(5))).toThrow(/nonce too high/);
    const poor = () => ({ nonce: 0, balance: 21_000n * 10n * GWEI - 1n });
    expect(() => pool.add(tx(B, 0), poor)).toThrow(/insufficient funds for gas \* price \+ value/);
    // Cumulative cost: each alone is affordable, both together are not.
    const exact = () => ({ nonce: 0, balance: 21_000n * 10n * GWEI + 5n });
    pool.add(tx(C, 0, { value: 5n }), exact);
    expect(() => pool.add(tx(C, 1), exact)).toThrow(/insufficient funds/);
    expect(pool.size).toBe(2);
    expect(pool.senderCount).toBe(2);
  });

  it('replaces a same-nonce transaction only with a >= 10% bump on both fee fields', () => {
    const pool = new Mempool();
    const original = tx(A, 0, { cap: 100n, tip: 10n });
    pool.add(original, rich());
    expect(() => pool.add(tx(A, 0, { cap: 110n, tip: 10n }), rich())).toThrow(/replacement transaction underpriced/);
    expect(() => pool.add(tx(A, 0, { cap: 200n, tip: 10n }), rich())).toThrow(/replacement transaction underpriced/);
    const bumped = tx(A, 0, { cap: 110n, tip: 11n });
    expect(pool.add(bumped, rich()).replaced).toBe(original);
    expect(pool.has(original.hash)).toBe(false);
    expect(pool.get(bumped.hash)).toBe(bumped);
    expect(pool.size).toBe(1);
  });

  it('enforces the per-sender limit', () => {
    const pool = new Mempool({ maxPerSender: 3 });
    for (let n = 0; n < 3; n++) pool.add(tx(A, n), rich());
    expect(() => pool.add(tx(A, 3), rich())).toThrow();
    expect(pool.size).toBe(3);
  });

  it('orders a block by effective tip across senders and by nonce within one', () => {
    const pool = new Mempool();
    pool.add(tx(A, 0, { cap: 100n, tip: 1n }), rich());
    pool.add(tx(A, 1, { cap: 100n, tip: 50n }), rich());
    pool.add(tx(B, 0, { cap: 100n, tip: 5n }), rich());
    pool.add(tx(C, 0, { cap: 30n, tip: 30n }), rich()); // effective tip at base fee 20 is only 10
    const picked = pool.selectForBlock({ baseFee: 20n, gasLimit: 30_000_000n, maxTxs: 10, maxBytes: 1 << 20 });
    expect(picked.map((t) => `${t.sender.slice(2, 3)}${t.nonce}`)).toEqual(['c0', 'b0', 'a0', 'a1']);
    // A fee cap below the base fee waits in the pool.
    const high = pool.selectForBlock({ baseFee: 50n, gasLimit: 30_000_000n, maxTxs: 10, maxBytes: 1 << 20 });
    expect(high.map((t) => t.sender.slice(2, 3))).toEqual(['b', 'a', 'a']);
  });

  it('respects the block gas and count limits', () => {
    const pool = new Mempool();
    pool.add(tx(A, 0, { gas: 20_000_000n }), rich());
    pool.add(tx(B, 0, { gas: 15_000_000n, tip: 2n * GWEI }), rich());
    pool.add(tx(C, 0, { gas: 21_000n }), rich());
    const picked = pool.selectForBlock({ baseFee: 0n, gasLimit: 30_000_000n, maxTxs: 10, maxBytes: 1 << 20 });
    expect(picked.map((t) => t.sender.slice(2, 3))).toEqual(['b', 'c']);
    expect(pool.selectForBlock({ baseFee: 0n, gasLimit: 30_000_000n, maxTxs: 1, maxBytes: 1 << 20 })).toHaveLength(1);
  });

  it('evicts the cheapest sender tail when full, never a lower nonce before a higher one', () => {
    const pool = new Mempool({ maxTotal: 3 });
    const a0 = tx(A, 0, { tip: 1n });
    const a1 = tx(A, 1, { tip: 9n });
    pool.add(a0, rich());
    pool.add(a1, rich());
    pool.add(tx(B, 0, { tip: 5n }), rich());
    // A's tail (a1, tip 9) is evictable, a0 (tip 1) is not; B's tail pays 5, the cheapest evictable.
    const c0 = tx(C, 0, { tip: 6n });
    expect(pool.add(c0, rich()).evicted.map((t) => t.sender)).toEqual([B]);
    // Nothing evictable pays less than a tip of 6: refused.
    expect(() => pool.add(tx(B, 0, { tip: 6n }), rich())).toThrow(/txpool is full/);
    expect(pool.has(a0.hash) && pool.has(a1.hash) && pool.has(c0.hash)).toBe(true);
    const big = tx(B, 0, { tip: 10n });
    expect(pool.add(big, rich()).evicted).toEqual([c0]);
    expect(pool.size).toBe(3);
  });

  it('applies a block: consumed nonces leave, queued ones are promoted, rejected ones drop', () => {
    const pool = new Mempool();
    const a0 = tx(A, 0);
    pool.add(a0, rich());
    pool.add(tx(A, 1), rich());
    pool.add(tx(A, 3), rich());
    pool.add(tx(B, 0), rich());
    const removed = pool.applyHead(new Map([[A as Hex, { nonce: 2, balance: 10n ** 24n }]]));
    expect(removed.map((t) => t.nonce)).toEqual([0, 1]);
    expect(pool.pendingNonce(A as Hex)).toBe(2);
    expect(pool.counts()).toEqual({ pending: 1, queued: 1 });
    pool.add(tx(A, 2), rich());
    expect(pool.pendingNonce(A as Hex)).toBe(4);
    expect(pool.counts()).toEqual({ pending: 3, queued: 0 });
    const b0 = pool.selectForBlock({ baseFee: 0n, gasLimit: 30_000_000n, maxTxs: 10, maxBytes: 1 << 20 }).find((t) => t.sender === B);
    pool.drop(b0!.hash);
    expect(pool.pendingNonce(B as Hex)).toBeUndefined();
    expect(pool.counts()).toEqual({ pending: 2, queued: 0 });
    expect(pool.has(a0.hash)).toBe(false);
  });

  it('expires only queued transactions', () => {
    const pool = new Mempool();
    const pending = tx(A, 0);
    const queued = tx(A, 5);
    pool.add(pending, rich());
    pool.add(queued, rich());
    expect(pool.expireQueued(queued.receivedAt + 1000, 500)).toEqual([queued]);
    expect(pool.has(pending.hash)).toBe(true);
  });
});
