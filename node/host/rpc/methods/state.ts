import { quantity } from '../../../encoding/hex.ts';
import type { CallOutcome, PendingBlockView } from '../../engine/engine.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { ExecutionFailedError, ExecutionRevertedError, InvalidParamsError } from '../../../../protocol/jsonrpc/errors.ts';
import { address, blockRef, callArgs, hash32, positional, quantity as parseQuantity, type BlockRef } from '../../../../protocol/jsonrpc/params.ts';
import { isPending, resolveStateBlock } from '../resolve.ts';

/**
 * Account state and execution against a block's state. "pending" is the pending block (the pool's next block executed
 * over the head, never stored; node/host/producer/pending.ts); nonces with "pending" come from the pool's executable run.
 */
export function stateMethods(backend: RpcBackend): MethodTable {
  const { engine, heads, pool, pending } = backend;
  /** `onBlock` for a stored block's state, `onPending` for the pending block's. */
  const at = <T>(ref: BlockRef, onBlock: (block: bigint) => T, onPending: (block: PendingBlockView) => T): T | Promise<T> =>
    isPending(ref) ? pending.read(onPending) : onBlock(resolveStateBlock(ref, engine, heads));
  return {
    eth_getBalance: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      return at(blockRef(tag), (block) => quantity(engine.getAccount(account, block).balance), (block) => quantity(block.getAccount(account).balance));
    },
    eth_getTransactionCount: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      const ref = blockRef(tag);
      if (isPending(ref)) {
        // The pool's executable run, also past what one block takes (as geth's txpool nonce).
        const pendingNonce = pool.pendingNonce(account);
        if (pendingNonce !== undefined) return quantity(pendingNonce);
      }
      return quantity(engine.getAccount(account, resolveStateBlock(ref, engine, heads)).nonce);
    },
    eth_getCode: (params) => {
      const [who, tag] = positional(params, 1, 2);
      const account = address(who, 'address');
      return at(blockRef(tag), (block) => engine.getCode(account, block), (block) => block.getCode(account));
    },
    eth_getStorageAt: (params) => {
      const [who, slotParam, tag] = positional(params, 2, 3);
      const account = address(who, 'address');
      // Slots come as full 32-byte hashes or as quantities; both name the same slot.
      const slot = typeof slotParam === 'string' && slotParam.length === 66 ? hash32(slotParam, 'slot') : quantity(parseQuantity(slotParam, 'slot'));
      const padded = `0x${slot.slice(2).padStart(64, '0')}` as const;
      return at(blockRef(tag), (block) => engine.getStorageAt(account, padded, block), (block) => block.getStorageAt(account, padded));
    },
    eth_call: (params) => {
      const [tx, tag, overrides] = positional(params, 1, 3);
      if (overrides != null) throw new InvalidParamsError('state overrides are not supported');
      const request = callArgs(tx);
      return at(blockRef(tag), async (block) => outputOf(await engine.call(request, block)), async (block) => outputOf(await block.call(request)));
    },
    eth_estimateGas: (params) => {
      const [tx, tag, overrides] = positional(params, 1, 3);
      if (overrides != null) throw new InvalidParamsError('state overrides are not supported');
      const request = callArgs(tx);
      const estimate = async (balanceOfSender: () => bigint, run: () => Promise<CallOutcome>) => {
        // geth's own pre-check: a value the sender cannot cover is "insufficient funds", whatever gas is offered.
        if (request.from && request.value && request.value > balanceOfSender()) throw new ExecutionFailedError('insufficient funds for transfer');
        const outcome = await run();
        outputOf(outcome);
        return quantity((outcome as { gasUsed: bigint }).gasUsed);
      };
      // As geth: without a block, the latest.
      const from = request.from ?? '0x';
      return at(
        blockRef(tag ?? 'latest'),
        (block) => estimate(() => engine.getAccount(from, block).balance, () => engine.estimateGas(request, block)),
        (block) => estimate(() => block.getAccount(from).balance, () => block.estimateGas(request)),
      );
    },
  };
}

function outputOf(outcome: CallOutcome) {
  if (outcome.ok) return outcome.output;
  if (outcome.reverted) throw new ExecutionRevertedError(outcome.reason, outcome.output);
  throw new ExecutionFailedError(outcome.error);
}
