import type { DecodedTx, DecodeFailure, TxDecoder } from '../engine/engine.ts';
import type { Hex } from '../../encoding/hex.ts';
import {
  ExceedsBlockGasLimitError,
  FeeCapTooLowError,
  GasLimitTooHighError,
  IntrinsicGasTooLowError,
  InvalidSenderError,
  InvalidTransactionError,
  NonceTooHighError,
  OversizedDataError,
  PoolRejectionError,
  TipAboveFeeCapError,
  UnprotectedTransactionError,
  UnsupportedTxTypeError,
} from './errors.ts';
import type { RecordLog } from '../../storage/record-log.ts';
import type { Mempool } from './pool.ts';
import type { PoolTx } from './pool-tx.ts';
import type { AccountState } from './sender-queue.ts';

export interface AdmissionDeps {
  decoder: TxDecoder;
  pool: Mempool;
  /** Where acknowledged transactions are made durable; null only in tests that do not need it. */
  journal: RecordLog | null;
  /** The sender's account at the chain head (asked only for senders the pool does not hold yet). */
  account(sender: Hex): AccountState;
  blockGasLimit(): bigint;
  /** Per-transaction gas cap of a block at `timestamp` (s) by its fork (EIP-7825, Osaka on); absent: none but the block's. */
  txGasCap?(timestamp: bigint): bigint | undefined;
  /** The fork of a block at `timestamp` (s); absent: every decodable type is admitted. */
  forkAt?(timestamp: bigint): string | undefined;
  maxTxSize: number;
  /** Throws (e.g. SequencerPausedError) when this host must not take transactions now. */
  assertAccepting(): void;
  now(): number;
}

interface Waiting {
  raw: Uint8Array;
  resolve: (hash: Hex) => void;
  reject: (error: unknown) => void;
}

/**
 * The way into the pool. Raw transactions arriving in the same event-loop turn are decoded and sender-recovered in
 * one native call, checked against the chain and the pool, journaled with one fsync, and only then acknowledged.
 */
export class Admission {
  private readonly deps: AdmissionDeps;
  private batch: Waiting[] = [];
  private scheduled = false;
  /** Hashes admitted but not yet durable: a duplicate sent meanwhile must wait for the same fsync. */
  private readonly inFlight = new Map<Hex, Promise<void>>();
  admitted = 0;
  refused = 0;
  /** Told after each micro-batch how many transactions entered the pool (the producer cuts early on size). */
  onAdmitted: ((count: number) => void) | null = null;

  constructor(deps: AdmissionDeps) {
    this.deps = deps;
  }

  /**
   * Admits one raw transaction; resolves with its hash once it is pooled and journaled. `handedOver` marks
   * transactions another host had already acknowledged (a rotation hand-off): they skip the "am I the sequencer"
   * check, since they arrive exactly when that is changing.
   */
  submit(raw: Uint8Array, handedOver = false): Promise<Hex> {
    if (!handedOver) {
      try {
        this.deps.assertAccepting();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (raw.length > this.deps.maxTxSize) return Promise.reject(new OversizedDataError(raw.length, this.deps.maxTxSize));
    return new Promise<Hex>((resolve, reject) => {
      this.batch.push({ raw, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Re-admits journaled transactions after a restart; ones the chain has consumed meanwhile are skipped. */
  replay(raws: readonly Uint8Array[]): { admitted: number; skipped: number } {
    let admitted = 0;
    const results = raws.length ? this.deps.decoder.decode(raws) : [];
    results.forEach((result, i) => {
      if (!('hash' in result) || !result.sender) return;
      try {
        this.admit(result as DecodedTx, raws[i] as Uint8Array);
        admitted++;
      } catch {
        // Already included, replaced, or no longer affordable: nothing to restore.
      }
    });
    return { admitted, skipped: raws.length - admitted };
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.batch;
    this.batch = [];
    let results: (DecodedTx | DecodeFailure)[];
    try {
      results = this.deps.decoder.decode(batch.map((w) => w.raw));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    const durable: Uint8Array[] = [];
    const acks: { waiting: Waiting; hash: Hex }[] = [];
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const written = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    written.catch(() => undefined);
    batch.forEach((waiting, i) => {
      const result = results[i] as DecodedTx | DecodeFailure;
      try {
        if ('error' in result) throw decodeError(result, this.deps.maxTxSize);
        const pending = this.inFlight.get(result.hash);
        if (pending) {
          // Same bytes sent again before the first copy is durable: answer once that copy is, like the first.
          pending.then(() => waiting.resolve(result.hash), waiting.reject);
          return;
        }
        this.admit(result, waiting.raw);
        this.inFlight.set(result.hash, written);
        durable.push(waiting.raw);
        acks.push({ waiting, hash: result.hash });
        this.admitted++;
      } catch (error) {
        this.refused++;
        waiting.reject(error instanceof PoolRejectionError ? error : new InvalidTransactionError(String(error)));
      }
    });
    if (acks.length === 0) return;
    this.onAdmitted?.(acks.length);
    (this.deps.journal ? this.deps.journal.append(durable) : Promise.resolve()).then(settle.resolve, settle.reject);
    written.then(
      () => {
        for (const { waiting, hash } of acks) {
          this.inFlight.delete(hash);
          waiting.resolve(hash);
        }
      },
      (error: unknown) => {
        for (const { waiting, hash } of acks) {
          this.inFlight.delete(hash);
          waiting.reject(error);
        }
      },
    );
  }

  /** Stateless checks first (cheap, chain-independent), then the pool's own (nonce, balance, limits). */
  private admit(decoded: DecodedTx, raw: Uint8Array): PoolTx {
    const gasLimit = this.deps.blockGasLimit();
    if (decoded.gasLimit > gasLimit) throw new ExceedsBlockGasLimitError(decoded.gasLimit, gasLimit);
    // The next block is stamped about now; cap and types change only at a fork's activation.
    const nextTimestamp = BigInt(Math.floor(this.deps.now() / 1000));
    if (decoded.authorities && this.deps.forkAt?.(nextTimestamp) === 'cancun') throw new UnsupportedTxTypeError('set-code (0x04) transactions start with Prague');
    const txGasCap = this.deps.txGasCap?.(nextTimestamp);
    if (txGasCap !== undefined && decoded.gasLimit > txGasCap) throw new GasLimitTooHighError(txGasCap, decoded.gasLimit);
    if (decoded.intrinsicGas !== undefined && decoded.gasLimit < decoded.intrinsicGas) throw new IntrinsicGasTooLowError(decoded.gasLimit, decoded.intrinsicGas);
    if (decoded.maxPriorityFeePerGas > decoded.maxFeePerGas) throw new TipAboveFeeCapError();
    if (decoded.maxFeePerGas < this.deps.pool.baseFee) throw new FeeCapTooLowError(decoded.maxFeePerGas, this.deps.pool.baseFee);
    if (decoded.nonce > Number.MAX_SAFE_INTEGER) throw new NonceTooHighError('nonce has max value');
    const tx: PoolTx = {
      hash: decoded.hash,
      sender: decoded.sender,
      nonce: Number(decoded.nonce),
      maxFeePerGas: decoded.maxFeePerGas,
      maxPriorityFeePerGas: decoded.maxPriorityFeePerGas,
      gasLimit: decoded.gasLimit,
      value: decoded.value,
      raw,
      receivedAt: this.deps.now(),
      ...(decoded.authorities ? { authorities: decoded.authorities } : {}),
    };
    this.deps.pool.add(tx, this.deps.account);
    return tx;
  }
}

/** Native decode failures, in the words geth uses for them. */
function decodeError(failure: DecodeFailure, maxTxSize: number): PoolRejectionError {
  switch (failure.error) {
    case 'Oversize':
      return new OversizedDataError(failure.size ?? maxTxSize + 1, maxTxSize);
    case 'WrongChainId':
      return new InvalidTransactionError(`invalid chain id for signer (${failure.message})`);
    case 'UnprotectedLegacy':
      return new UnprotectedTransactionError();
    case 'BadSignature':
      return new InvalidSenderError(failure.message);
    case 'UnsupportedType':
      return new UnsupportedTxTypeError(failure.message);
    default:
      return new InvalidTransactionError(failure.message);
  }
}
