import { keccak_256 } from '@noble/hashes/sha3.js';
import { Interface, type InterfaceAbi, type JsonRpcProvider, type Log } from 'ethers';
import { loadArtifact } from '../../contracts/artifacts.ts';
import { fromHex, toHex, type Hex } from '../encoding/hex.ts';
import type { BatchHeader } from '../l1/typed-data.ts';

/** A batch as BatchChain logged it: its header, and where its data is (the emitting L1 transaction). */
export interface L1Batch {
  header: BatchHeader;
  l1TxHash: Hex;
  l1BlockNumber: number;
  mode: 'calldata' | 'blobs';
  /** Versioned hashes, in order, for blob mode; empty for calldata. */
  blobHashes: Hex[];
}

/** L1 said something a correct BatchChain on a correct L1 cannot say: a gap, a duplicate, a missing data event. */
export class L1InconsistentError extends Error {
  override name = 'L1InconsistentError';
}

/** A batch's data could not be had from L1, or is not what the batch signed (too large, undecodable, wrong hash). */
export class BatchDataUnavailableError extends Error {
  override name = 'BatchDataUnavailableError';
}

export interface L1BatchReaderOptions {
  batchChain: Hex;
  /** First L1 block to scan (BatchChain's deployment block; 0 scans from genesis). */
  fromL1Block: number;
  /** Only L1 blocks this deep are read (an L1 reorg above them would otherwise rewrite what was derived). */
  confirmations: number;
  /** L1 blocks per eth_getLogs request. */
  logRangeBlocks: number;
  /** The largest appending-transaction input read; L1 itself caps calldata near 1.9 MB at 30 M gas. */
  maxCalldataBytes: number;
  /** Fetches a blob-mode batch's data (node/derive/blob-source.ts); null when no beacon node is configured. */
  blobs: BlobFetcher | null;
  /** Called for each log dropped as malformed (counted, never thrown). */
  onDroppedLog?: (reason: string) => void;
}

export interface BlobFetcher {
  fetch(batch: L1Batch): Promise<Uint8Array>;
}

const batchChainAbi = () => new Interface(loadArtifact('BatchChain').abi as InterfaceAbi);

/**
 * Reads BatchChain's batches and their data from an L1 JSON-RPC endpoint, trusting nothing it returns: logs that do
 * not parse are dropped and counted, batch indices must follow each other, and a batch's data must hash to the
 * signed dataHash before anything uses it.
 */
export class L1BatchReader {
  private readonly provider: JsonRpcProvider;
  private readonly options: L1BatchReaderOptions;
  private readonly abi = batchChainAbi();
  private readonly topics: string[];
  /** The next L1 block to scan, and batches seen but not yet taken. */
  private scannedTo: number;
  private readonly seen = new Map<bigint, L1Batch>();

  constructor(provider: JsonRpcProvider, options: L1BatchReaderOptions) {
    this.provider = provider;
    this.options = options;
    this.scannedTo = options.fromL1Block;
    this.topics = [this.abi.getEvent('BatchAppended')!.topicHash, this.abi.getEvent('BatchData')!.topicHash];
  }

  /** Scans L1 up to its head and returns the batches from `nextIndex` on, in order (stopping at the first one unseen). */
  async batchesFrom(nextIndex: bigint): Promise<L1Batch[]> {
    const head = (await this.provider.getBlockNumber()) - this.options.confirmations;
    while (this.scannedTo <= head) {
      const to = Math.min(head, this.scannedTo + this.options.logRangeBlocks - 1);
      const logs = await this.provider.getLogs({ address: this.options.batchChain, fromBlock: this.scannedTo, toBlock: to, topics: [this.topics] });
      this.absorb(logs);
      this.scannedTo = to + 1;
    }
    const out: L1Batch[] = [];
    for (let index = nextIndex; this.seen.has(index); index++) out.push(this.seen.get(index) as L1Batch);
    for (const index of this.seen.keys()) if (index < nextIndex) this.seen.delete(index);
    return out;
  }

  /** The batch's compressed data, checked against its signed dataHash. */
  async data(batch: L1Batch): Promise<Uint8Array> {
    return batch.mode === 'calldata' ? await this.calldataOf(batch) : await this.blobDataOf(batch);
  }

  private async calldataOf(batch: L1Batch): Promise<Uint8Array> {
    const tx = await this.provider.getTransaction(batch.l1TxHash);
    if (!tx) throw new BatchDataUnavailableError(`batch ${batch.header.index}: L1 does not return transaction ${batch.l1TxHash}`);
    if ((tx.data.length - 2) / 2 > this.options.maxCalldataBytes) {
      throw new BatchDataUnavailableError(`batch ${batch.header.index}: transaction input of ${(tx.data.length - 2) / 2} bytes exceeds ${this.options.maxCalldataBytes}`);
    }
    if (tx.to?.toLowerCase() !== this.options.batchChain.toLowerCase()) {
      throw new BatchDataUnavailableError(`batch ${batch.header.index}: ${batch.l1TxHash} is not a call to BatchChain`);
    }
    let data: Uint8Array;
    try {
      const decoded = this.abi.decodeFunctionData('appendBatch', tx.data);
      data = fromHex(decoded[2] as string);
    } catch (error) {
      throw new BatchDataUnavailableError(`batch ${batch.header.index}: ${batch.l1TxHash} is not an appendBatch call (${(error as Error).message.slice(0, 120)})`);
    }
    const hash = toHex(keccak_256(data));
    if (hash !== batch.header.dataHash.toLowerCase()) {
      throw new BatchDataUnavailableError(`batch ${batch.header.index}: calldata hashes to ${hash}, the signed dataHash is ${batch.header.dataHash}`);
    }
    return data;
  }

  private async blobDataOf(batch: L1Batch): Promise<Uint8Array> {
    if (!this.options.blobs) throw new BatchDataUnavailableError(`batch ${batch.header.index} is in blobs and no beacon node is configured (derive.beaconUrl)`);
    return await this.options.blobs.fetch(batch);
  }

  private absorb(logs: readonly Log[]): void {
    const appended = new Map<string, L1Batch>();
    const modes = new Map<string, Pick<L1Batch, 'mode' | 'blobHashes'>>();
    for (const log of logs) {
      let parsed: ReturnType<Interface['parseLog']>;
      try {
        parsed = this.abi.parseLog(log);
      } catch {
        parsed = null;
      }
      if (!parsed) {
        this.options.onDroppedLog?.('unparsable log');
        continue;
      }
      const index = parsed.args[0] as bigint;
      const key = `${log.transactionHash}:${index}`;
      if (parsed.name === 'BatchAppended') {
        const [, firstBlock, lastBlock, txRoot, stateRoot, dataHash] = parsed.args as unknown as [bigint, bigint, bigint, string, string, string];
        const header: BatchHeader = { index, firstBlock, lastBlock, txRoot, stateRoot, dataHash };
        appended.set(key, { header, l1TxHash: log.transactionHash as Hex, l1BlockNumber: log.blockNumber, mode: 'calldata', blobHashes: [] });
      } else {
        const mode = Number(parsed.args[1]) === 1 ? 'blobs' : 'calldata';
        modes.set(key, { mode, blobHashes: (parsed.args[2] as string[]).map((h) => h.toLowerCase() as Hex) });
      }
    }
    for (const [key, batch] of appended) {
      const mode = modes.get(key);
      if (!mode) throw new L1InconsistentError(`batch ${batch.header.index}: BatchAppended in ${batch.l1TxHash} without its BatchData event`);
      if (this.seen.has(batch.header.index)) throw new L1InconsistentError(`batch ${batch.header.index} appended twice`);
      this.seen.set(batch.header.index, { ...batch, ...mode });
    }
  }
}
