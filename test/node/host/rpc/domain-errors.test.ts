import { describe, expect, it } from 'vitest';
import { CallFailedError, CallRefusedError, PendingStaleError, StateUnavailableError } from '../../../../node/host/engine/engine.ts';
import * as pool from '../../../../node/host/txpool/errors.ts';
import { rpcErrorOf } from '../../../../node/host/rpc/domain-errors.ts';
import { InvalidParamsError } from '../../../../protocol/jsonrpc/errors.ts';

// The JSON-RPC answer for every domain error is a contract with wallets: geth's -32000 and its exact words.
describe('rpcErrorOf', () => {
  const refusals: pool.PoolRejectionError[] = [
    new pool.NonceTooLowError(5n, 3n),
    new pool.NonceTooHighError('tx nonce 70 is 66 ahead of the account nonce 4; at most 63 allowed'),
    new pool.InsufficientFundsError(1n, 2n),
    new pool.IntrinsicGasTooLowError(20_000n, 21_000n),
    new pool.AlreadyKnownError(),
    new pool.ReplacementUnderpricedError(),
    new pool.ExceedsBlockGasLimitError(40_000_000n, 30_000_000n),
    new pool.OversizedDataError(200_000, 131_072),
    new pool.FeeCapTooLowError(1n, 7n),
    new pool.TipAboveFeeCapError(),
    new pool.PoolFullError(),
    new pool.AccountLimitError(64),
    new pool.InvalidTransactionError('rlp: too short'),
    new pool.UnprotectedTransactionError(),
    new pool.InvalidSenderError('invalid signature'),
    new pool.UnsupportedTxTypeError('type 3'),
  ];

  it('answers every txpool refusal as -32000 with the pool words unchanged', () => {
    for (const refusal of refusals) {
      expect(rpcErrorOf(refusal)?.toJSON()).toEqual({ code: -32000, message: refusal.message });
    }
    expect(rpcErrorOf(new pool.NonceTooLowError(5n, 3n))?.message).toBe('nonce too low: next nonce 5, tx nonce 3');
    expect(rpcErrorOf(new pool.PoolFullError())?.message).toBe('txpool is full');
  });

  it('answers a call refused to protect the host as -32005, a failed call or missing state as -32000', () => {
    expect(rpcErrorOf(new CallRefusedError('call queue full: 64 waiting; retry later'))?.toJSON()).toEqual({ code: -32005, message: 'call queue full: 64 waiting; retry later' });
    expect(rpcErrorOf(new CallFailedError('execution timeout after 5000 ms'))?.toJSON()).toEqual({ code: -32000, message: 'execution timeout after 5000 ms' });
    expect(rpcErrorOf(new StateUnavailableError('block 3 is below the history window'))?.toJSON()).toEqual({
      code: -32000,
      message: 'historical state unavailable: block 3 is below the history window',
    });
  });

  it('passes JSON-RPC errors through and leaves host faults unanswered (the dispatcher logs them as internal errors)', () => {
    const invalid = new InvalidParamsError('block: expected a block number');
    expect(rpcErrorOf(invalid)).toBe(invalid);
    expect(rpcErrorOf(new PendingStaleError('parent rewound'))).toBeNull();
    expect(rpcErrorOf(new TypeError('x is undefined'))).toBeNull();
    expect(rpcErrorOf('a string')).toBeNull();
  });
});
