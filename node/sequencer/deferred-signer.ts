import type { BatchSigner, BatchSignRequest } from '../host/batcher/batch-signer.ts';
import type { Hex } from '../encoding/hex.ts';

export class BatchSignerNotReadyError extends Error {
  override name = 'BatchSignerNotReadyError';
  constructor() {
    super('the MPC duties are not running yet: no batch can be signed');
  }
}

/**
 * The batcher is built inside startHost, but the MPC duties that sign batches need the running host (its peer
 * port carries the MPC, its replica is what signers check against). This stands in the batcher's place until the
 * duties are up; a batch cut before that fails with a clear error and the batcher retries it on its next pass.
 */
export class DeferredBatchSigner implements BatchSigner {
  private target: BatchSigner | null = null;

  get kind(): BatchSigner['kind'] {
    return this.target?.kind ?? 'mpc';
  }

  set(target: BatchSigner): void {
    this.target = target;
  }

  sign(request: BatchSignRequest): Promise<Hex> {
    if (!this.target) return Promise.reject(new BatchSignerNotReadyError());
    return this.target.sign(request);
  }
}
