import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { InvalidParamsError } from '../../../../protocol/jsonrpc/errors.ts';
import { count, hash32, positional } from '../../../../protocol/jsonrpc/params.ts';

/** The project's own methods: inclusion proofs against L1 batch roots, the active sequencer, the batch list. */
export function metisMethods(backend: RpcBackend): MethodTable {
  return {
    metis_getTransactionProof: (params) => {
      const [hash] = positional(params, 1, 1);
      return backend.metis.transactionProof(hash32(hash, 'transactionHash'));
    },
    metis_sequencer: (params) => {
      positional(params, 0, 0);
      return backend.metis.sequencer();
    },
    metis_batches: (params) => {
      const [from, limit] = positional(params, 0, 2);
      return backend.metis.batches(from == null ? 0 : count(from, 'fromIndex', Number.MAX_SAFE_INTEGER), limit == null ? 20 : positiveLimit(limit));
    },
  };
}

function positiveLimit(value: unknown): number {
  const limit = count(value, 'limit', 100);
  if (limit === 0) throw new InvalidParamsError('limit: at least 1');
  return limit;
}
