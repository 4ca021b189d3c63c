import { decodeTransactions } from '@l2-sequencer/native';
import type { DecodedTx, DecodeFailure, TxDecoder } from './engine.ts';
import type { Hex } from '../../encoding/hex.ts';

/**
 * Admission decoding by the native core: one call decodes and recovers a whole micro-batch on all cores.
 * The intrinsic gas it reports is a lower bound (every input byte at the zero-byte price; the executor charges the
 * exact amount), enough to refuse the transactions that could never run.
 */
export class NativeTxDecoder implements TxDecoder {
  private readonly chainId: number;
  private readonly maxSize: number;

  constructor(chainId: bigint, maxSize: number) {
    this.chainId = Number(chainId);
    this.maxSize = maxSize;
  }

  decode(raws: readonly Uint8Array[]): (DecodedTx | DecodeFailure)[] {
    return decodeTransactions(raws as Uint8Array[], this.chainId, this.maxSize).map((r) => {
      if (!r.ok) return { error: r.code, message: r.message };
      const create = r.to === null;
      // EIP-7702 charges 25,000 per authorization up front (PER_EMPTY_ACCOUNT_COST), refunding some later.
      const intrinsicGas =
        21_000n + 4n * BigInt(r.inputLength) + (create ? 32_000n + 2n * BigInt(Math.ceil(r.inputLength / 32)) : 0n) + 25_000n * BigInt(r.authorizationCount);
      const gasPrice = r.gasPrice ?? 0n;
      return {
        hash: r.hash as Hex,
        sender: r.from.toLowerCase() as Hex,
        nonce: BigInt(r.nonce),
        gasLimit: r.gasLimit,
        maxFeePerGas: r.maxFeePerGas ?? gasPrice,
        maxPriorityFeePerGas: r.maxPriorityFeePerGas ?? gasPrice,
        value: r.value,
        intrinsicGas,
        ...(r.type === 4 ? { authorities: r.authorities.map((a) => a.toLowerCase() as Hex) } : {}),
      };
    });
  }
}
