import { quantity } from '../../chain/hex.ts';
import type { CallOutcome } from '../../chain/engine.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { ExecutionFailedError, ExecutionRevertedError, InvalidParamsError } from '../errors.ts';
import { address, blockRef, callArgs, hash32, positional, quantity as parseQuantity } from '../params.ts';
import { resolveStateBlock } from '../resolve.ts';

/** Account state and execution against a block's state (pending reads the head, nonces include the pool). */
export function stateMethods(backend: RpcBackend): MethodTable {
  const { engine, heads, pool } = backend;
  return {
    eth_getBalance: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      return quantity(engine.getAccount(account, resolveStateBlock(blockRef(tag), engine, heads)).balance);
    },
    eth_getTransactionCount: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      const ref = blockRef(tag);
      if (ref.kind === 'tag' && ref.tag === 'pending') {
        const pending = pool.pendingNonce(account);
        if (pending !== undefined) return quantity(pending);
      }
      return quantity(engine.getAccount(account, resolveStateBlock(ref, engine, heads)).nonce);
    },
    eth_getCode: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      return engine.getCode(account, resolveStateBlock(blockRef(tag), engine, heads));
    },
    eth_getStorageAt: (params) => {
      const [who, slotParam, tag] = positional(params, 2, 3);
      const account = address(who, 'address');
      // Slots come as full 32-byte hashes or as quantities; both name the same slot.
      const slot = typeof slotParam === 'string' && slotParam.length === 66 ? hash32(slotParam, 'slot') : quantity(parseQuantity(slotParam, 'slot'));
      const padded = `0x${slot.slice(2).padStart(64, '0')}` as const;
      return engine.getStorageAt(account, padded, resolveStateBlock(blockRef(tag), engine, heads));
    },
    eth_call: (params) => {
      const [tx, tag, overrides] = positional(params, 1, 3);
      if (overrides != null) throw new InvalidParamsError('state overrides are not supported');
      const request = callArgs(tx);
      return outputOf(engine.call(request, resolveStateBlock(blockRef(tag), engine, heads)));
    },
    eth_estimateGas: (params) => {
      const [tx, tag, overrides] = positional(params, 1, 3);
      if (overrides != null) throw new InvalidParamsError('state overrides are not supported');
      const request = callArgs(tx);
      const block = resolveStateBlock(blockRef(tag ?? 'latest'), engine, heads);
      // geth's own pre-check: a value the sender cannot cover is "insufficient funds", whatever gas is offered.
      if (request.from && request.value && request.value > engine.getAccount(request.from, block).balance) {
        throw new ExecutionFailedError('insufficient funds for transfer');
      }
      const outcome = engine.estimateGas(request, block);
      outputOf(outcome);
      return quantity((outcome as { gasUsed: bigint }).gasUsed);
    },
  };
}

function outputOf(outcome: CallOutcome) {
  if (outcome.ok) return outcome.output;
  if (outcome.reverted) throw new ExecutionRevertedError(outcome.reason, outcome.output);
  throw new ExecutionFailedError(outcome.error);
}
