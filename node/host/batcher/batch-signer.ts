import { TypedDataEncoder } from 'ethers';
import { fromHex, type Hex } from '../../encoding/hex.ts';
import { NodeKey } from '../../identity/node-key.ts';
import { BATCH_TYPES, batchChainDomain, type BatchHeader } from '../../l1/typed-data.ts';

/** What a batch signer is asked to sign: the header, its EIP-712 digest, and where the data lives for checking. */
export interface BatchSignRequest {
  header: BatchHeader;
  /** EIP-712 digest of the header in BatchChain's domain. */
  digest: Hex;
  l1ChainId: bigint;
  batchChain: Hex;
}

/**
 * Produces the signature BatchChain accepts: the MPC address's (threshold ECDSA across the sequencers, node/mpc),
 * each signer checking the batch against its own replica first. 65 bytes r || s || v, low s.
 */
export interface BatchSigner {
  readonly kind: 'mpc' | 'local-key';
  sign(request: BatchSignRequest): Promise<Hex>;
}

export function batchSignRequest(header: BatchHeader, l1ChainId: bigint, batchChain: Hex): BatchSignRequest {
  const digest = TypedDataEncoder.hash(batchChainDomain(l1ChainId, batchChain), BATCH_TYPES, header) as Hex;
  return { header, digest, l1ChainId, batchChain };
}

/**
 * ONE local key standing in for the MPC address, for tests and devnet configs only (a single key is exactly what
 * the MPC exists to avoid). Its address must be the one registered as the MPC address in the LockingPool.
 */
export class LocalKeySigner implements BatchSigner {
  readonly kind = 'local-key' as const;
  private readonly key: NodeKey;

  constructor(privateKey: Hex) {
    this.key = new NodeKey(privateKey);
  }

  get address(): Hex {
    return this.key.address;
  }

  async sign(request: BatchSignRequest): Promise<Hex> {
    return this.key.sign(fromHex(request.digest));
  }
}
