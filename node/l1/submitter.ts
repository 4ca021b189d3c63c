import { Contract, Interface, Transaction, type InterfaceAbi, type Provider, type Signer } from 'ethers';
import { loadArtifact } from '../../contracts/artifacts.ts';
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
   * Signs (but does not send) the appendBatch transaction, so its hash can be persisted before anything reaches L1:
   * a crash after sending then finds it by hash instead of sending a second one.
   */
  prepareAppend(header: BatchHeader, signature: Hex): Promise<{ txHash: Hex; raw: Hex }>;
  /** Sends a prepared transaction; sending one L1 already knows is not an error. */
  broadcast(raw: Hex): Promise<void>;
  /** Waits up to `timeoutMs` for the transaction: included, reverted, or null when still unknown. */
  waitFor(txHash: Hex, timeoutMs: number): Promise<L1Inclusion | 'reverted' | null>;
}

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

  async prepareAppend(header: BatchHeader, signature: Hex): Promise<{ txHash: Hex; raw: Hex }> {
    const request = await this.contract.getFunction('appendBatch').populateTransaction(header, signature);
    // Estimating first surfaces a revert (wrong index, bad signature) as an error instead of a mined failure.
    const populated = await this.signer.populateTransaction(request);
    const raw = (await this.signer.signTransaction(populated)) as Hex;
    return { txHash: Transaction.from(raw).hash as Hex, raw };
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
