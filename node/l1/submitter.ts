import { Contract, Interface, JsonRpcApiProvider, Transaction, type InterfaceAbi, type Provider, type Signer } from 'ethers';
import { loadArtifact } from '../../contracts/artifacts.ts';
import type { BatchBlobs } from './blob-sidecar.ts';
import type { L1Fees } from './data-mode.ts';
import type { Hex } from '../encoding/hex.ts';
import type { BatchHeader } from './typed-data.ts';

/** Where a batch landed on L1. */
export interface L1Inclusion {
  txHash: Hex;
  blockNumber: number;
}

/** What the batcher needs from L1 (BatchChainSubmitter implements it with ethers v6). */
export interface BatchL1 {
  readonly address: Hex;
  chainId(): Promise<bigint>;
  head(): Promise<number>;
  batchCount(): Promise<number>;
  firstL2Block(): Promise<number>;
  batchAt(index: number): Promise<BatchHeader>;
  /** The BatchAppended event of batch `index`, if L1 has it. */
  findAppended(index: number): Promise<L1Inclusion | null>;
  /**
   * Signs (but does not send) the appendBatch transaction carrying the batch data in its calldata, so its hash can
   * be persisted before anything reaches L1: a crash after sending then finds it by hash instead of sending a second one.
   */
  prepareAppend(header: BatchHeader, signature: Hex, data: Uint8Array): Promise<{ txHash: Hex; raw: Hex }>;
  /** The same for blob mode: a type-3 appendBatchBlobs transaction carrying the blobs and their sidecar. */
  prepareAppendBlobs(header: BatchHeader, signature: Hex, blobs: BatchBlobs): Promise<{ txHash: Hex; raw: Hex }>;
  /** L1 prices now, to choose a batch's data mode. */
  fees(): Promise<L1Fees>;
  /** Sends a prepared transaction; sending one L1 already knows is not an error. */
  broadcast(raw: Hex): Promise<void>;
  /** Waits up to `timeoutMs` for the transaction: included, reverted, or null when still unknown. */
  waitFor(txHash: Hex, timeoutMs: number): Promise<L1Inclusion | 'reverted' | null>;
}

/** Gas of appendBatchBlobs with its margin: about 150,000 when it creates the batch array, 120,000 after (bench l1-data-gas). */
export const BLOB_APPEND_GAS_LIMIT = 250_000n;

/** BatchChain over ethers v6 with the relayer's L1 wallet. */
export class BatchChainSubmitter implements BatchL1 {
  readonly address: Hex;
  private readonly contract: Contract;
  private readonly provider: Provider;
  private readonly signer: Signer;

  constructor(address: string, signer: Signer) {
    if (!signer.provider) throw new Error('BatchChainSubmitter: the signer must be connected to a provider');
    this.address = address.toLowerCase() as Hex;
    this.contract = new Contract(address, new Interface(loadArtifact('BatchChain').abi as InterfaceAbi), signer);
    this.provider = signer.provider;
    this.signer = signer;
  }

  async chainId(): Promise<bigint> {
    return (await this.provider.getNetwork()).chainId;
  }

  async head(): Promise<number> {
    return await this.provider.getBlockNumber();
  }

  async batchCount(): Promise<number> {
    return Number(await this.contract.getFunction('batchCount')());
  }

  async firstL2Block(): Promise<number> {
    return Number(await this.contract.getFunction('firstL2Block')());
  }

  async batchAt(index: number): Promise<BatchHeader> {
    const b = await this.contract.getFunction('batches')(index);
    return { index: b.index, firstBlock: b.firstBlock, lastBlock: b.lastBlock, txRoot: b.txRoot, stateRoot: b.stateRoot, dataHash: b.dataHash };
  }

  async findAppended(index: number): Promise<L1Inclusion | null> {
    const logs = await this.contract.queryFilter(this.contract.filters.BatchAppended!(index), 0, 'latest');
    const log = logs[0];
    return log ? { txHash: log.transactionHash as Hex, blockNumber: log.blockNumber } : null;
  }

  async prepareAppend(header: BatchHeader, signature: Hex, data: Uint8Array): Promise<{ txHash: Hex; raw: Hex }> {
    const request = await this.contract.getFunction('appendBatch').populateTransaction(header, signature, data);
    // Estimating first surfaces a revert (wrong index, bad signature) as an error instead of a mined failure.
    const populated = await this.signer.populateTransaction(request);
    const raw = (await this.signer.signTransaction(populated)) as Hex;
    return { txHash: Transaction.from(raw).hash as Hex, raw };
  }

  async prepareAppendBlobs(header: BatchHeader, signature: Hex, blobs: BatchBlobs): Promise<{ txHash: Hex; raw: Hex }> {
    const request = await this.contract.getFunction('appendBatchBlobs').populateTransaction(header, signature);
    const { blobBaseFee } = await this.fees();
    const populated = await this.signer.populateTransaction({
      ...request,
      type: 3,
      // Set, not estimated: an estimate without the blobs (EDR's eth_estimateGas ignores blobVersionedHashes) reverts
      // NoBlobs. A wrong batch then reverts when mined, and the relay prepares a new transaction after checking L1.
      gasLimit: BLOB_APPEND_GAS_LIMIT,
      blobVersionedHashes: blobs.versionedHashes,
      blobs: blobs.blobs.map((data, i) => ({ data, commitment: blobs.commitments[i] as Uint8Array, proof: blobs.proofs[i] as Uint8Array })),
      // Twice today's blob base fee: it rises at most 12.5% a block, so this survives several full blocks.
      maxFeePerBlobGas: 2n * (blobBaseFee ?? 1n),
    });
    const raw = (await this.signer.signTransaction(populated)) as Hex;
    return { txHash: Transaction.from(raw).hash as Hex, raw };
  }

  async fees(): Promise<L1Fees> {
    const data = await this.provider.getFeeData();
    // An L1 without blobs (before Cancun) does not know the method: calldata only.
    const blobBaseFee = this.provider instanceof JsonRpcApiProvider ? await this.provider.send('eth_blobBaseFee', []).then(BigInt, () => null) : null;
    return { gasPrice: data.maxFeePerGas ?? data.gasPrice ?? 0n, blobBaseFee };
  }

  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (error) {
      const message = String((error as Error).message).toLowerCase();
      if (message.includes('already known') || message.includes('known transaction') || message.includes('already imported')) return;
      throw error;
    }
  }

  async waitFor(txHash: Hex, timeoutMs: number): Promise<L1Inclusion | 'reverted' | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.provider.getTransactionReceipt(txHash);
      if (receipt) return receipt.status === 1 ? { txHash, blockNumber: receipt.blockNumber } : 'reverted';
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
