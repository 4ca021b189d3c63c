import type { Hex } from '../../encoding/hex.ts';

/** What the pool knows about a transaction: the fields admission and ordering need, plus its raw bytes. */
export interface PoolTx {
  readonly hash: Hex;
  readonly sender: Hex;
  readonly nonce: number;
  /** For legacy and EIP-2930 transactions both fee fields equal gasPrice. */
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly gasLimit: bigint;
  readonly value: bigint;
  readonly raw: Uint8Array;
  /** Wall-clock arrival (ms), used only for queued-transaction expiry and metrics. */
  readonly receivedAt: number;
  /** EIP-7702: the recovered authorities of a set-code transaction (lowercase); absent for other types. */
  readonly authorities?: readonly Hex[];
}

/** Most the sender can be charged: gasLimit * maxFeePerGas + value. */
export function maxCost(tx: PoolTx): bigint {
  return tx.gasLimit * tx.maxFeePerGas + tx.value;
}

/** The miner's tip per gas at a base fee, or -1 when the fee cap does not cover the base fee. */
export function effectiveTip(tx: PoolTx, baseFee: bigint): bigint {
  if (tx.maxFeePerGas < baseFee) return -1n;
  const headroom = tx.maxFeePerGas - baseFee;
  return headroom < tx.maxPriorityFeePerGas ? headroom : tx.maxPriorityFeePerGas;
}

/** geth's price bump: a replacement must raise both the fee cap and the tip by at least `percent`. */
export function isSufficientBump(old: PoolTx, replacement: PoolTx, percent: bigint): boolean {
  const scale = 100n + percent;
  return replacement.maxFeePerGas * 100n >= old.maxFeePerGas * scale && replacement.maxPriorityFeePerGas * 100n >= old.maxPriorityFeePerGas * scale;
}
