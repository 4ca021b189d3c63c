import { decodeBatchData, BatchDataError, type BatchBlock } from '../host/batcher/batch-data.ts';
import type { TxMerkle } from '../host/batcher/merkle.ts';
import type { BatchRecord } from '../host/batcher/batch-store.ts';
import type { ExecutionEngine } from '../host/engine/engine.ts';
import type { Heads } from '../host/engine/heads.ts';
import { fromHex, type Hex } from '../encoding/hex.ts';
import { BatchDataUnavailableError, type L1Batch } from './l1-batches.ts';

/** Where the deriver's batches come from (L1BatchReader over an L1 RPC). */
export interface BatchSource {
  batchesFrom(nextIndex: bigint): Promise<L1Batch[]>;
  data(batch: L1Batch): Promise<Uint8Array>;
}

export type MismatchKind = 'data-unavailable' | 'malformed-data' | 'block-range' | 'execution' | 'rejected-transaction' | 'tx-root' | 'state-root';

/** Why derivation stopped at a batch: what L1 says, what re-execution gave, and where on L1 to look. */
export interface MismatchReport {
  batchIndex: number;
  l1TxHash: Hex;
  l1BlockNumber: number;
  kind: MismatchKind;
  detail: string;
  expected?: string;
  derived?: string;
}

/** One batch re-executed and matched against its L1 header. */
export interface DerivedBatch extends Pick<BatchRecord, 'index' | 'firstBlock' | 'lastBlock' | 'txCount' | 'txRoot' | 'stateRoot' | 'dataHash'> {
  l1TxHash: Hex;
  l1BlockNumber: number;
}

export interface DeriverDeps {
  engine: ExecutionEngine;
  heads: Heads;
  source: BatchSource;
  merkle: TxMerkle;
  /** Decompressed size bound of one batch (batch-data.ts MAX_BATCH_RAW_BYTES by default). */
  maxBatchRawBytes: number;
  log?: (message: string) => void;
}

const ZERO_ROOT = `0x${'00'.repeat(32)}` as Hex;

/** A batch that does not match: thrown inside a step, turned into the report the deriver stops with. */
class BatchMismatch extends Error {
  override name = 'BatchMismatch';
  readonly kind: MismatchKind;
  readonly expected?: string;
  readonly derived?: string;
  constructor(kind: MismatchKind, detail: string, values?: { expected: string; derived: string }) {
    super(detail);
    this.kind = kind;
    this.expected = values?.expected;
    this.derived = values?.derived;
  }
}

/**
 * Rebuilds the L2 from L1 alone: for each batch BatchChain holds, in order, fetches its data, decodes it,
 * re-executes its blocks in the native core over the state of the previous batch, and checks the batch's
 * transaction root and post-state root against the MPC-signed header. The first batch that does not match stops
 * derivation with a report, its blocks rewound, so the engine only ever holds batches that matched.
 */
export class Deriver {
  private readonly deps: DeriverDeps;
  private readonly batches: DerivedBatch[] = [];
  private halted: MismatchReport | null = null;
  private resumeChecked = false;
  /** The first batch index not yet known to be derived (on disk or here). */
  private nextIndex = 0n;

  constructor(deps: DeriverDeps) {
    this.deps = deps;
  }

  /** The report of the batch that stopped derivation, or null while every batch matched. */
  get mismatch(): MismatchReport | null {
    return this.halted;
  }

  /** Batches re-executed and matched by this process (earlier runs' batches are on disk, not listed). */
  derived(): readonly DerivedBatch[] {
    return this.batches;
  }

  /** Derives every batch L1 has now; returns how many matched. Stops (and returns 0) once a batch did not. */
  async step(): Promise<number> {
    if (this.halted) return 0;
    const { engine } = this.deps;
    const pending = await this.deps.source.batchesFrom(this.nextIndex);
    await this.resumeAtBatchBoundary(pending, engine.latestNumber());
    let matched = 0;
    for (const batch of pending) {
      if (batch.header.lastBlock <= engine.latestNumber()) {
        this.nextIndex = batch.header.index + 1n;
        continue;
      }
      const report = await this.deriveBatch(batch);
      if (report) {
        this.halted = report;
        this.deps.log?.(`derivation stopped at batch ${report.batchIndex} (${report.kind}): ${report.detail}`);
        return matched;
      }
      this.nextIndex = batch.header.index + 1n;
      matched++;
    }
    return matched;
  }

  /** A run killed inside a batch left blocks no header vouches for yet: drop them, re-derive that batch whole. */
  private async resumeAtBatchBoundary(all: readonly L1Batch[], latest: bigint): Promise<void> {
    if (this.resumeChecked) return;
    this.resumeChecked = true;
    const inside = all.find((b) => b.header.firstBlock <= latest && latest < b.header.lastBlock);
    if (inside && this.deps.engine.rewindTo) await this.deps.engine.rewindTo(inside.header.firstBlock - 1n);
    this.deps.heads.setFinalized(this.deps.engine.latestNumber());
  }

  private async deriveBatch(batch: L1Batch): Promise<MismatchReport | null> {
    const { engine, heads } = this.deps;
    const base = engine.latestNumber();
    try {
      const blocks = await this.blocksOf(batch, base);
      const hashes: Hex[] = [];
      let stateRoot = ZERO_ROOT;
      for (const block of blocks) {
        const executed = await this.execute(block);
        hashes.push(...executed.hashes);
        stateRoot = executed.stateRoot;
      }
      const txRoot = hashes.length ? this.deps.merkle.root(hashes) : ZERO_ROOT;
      if (txRoot !== batch.header.txRoot.toLowerCase()) throw new BatchMismatch('tx-root', 'the re-executed transactions root differently', { expected: batch.header.txRoot, derived: txRoot });
      if (stateRoot !== batch.header.stateRoot.toLowerCase()) {
        throw new BatchMismatch('state-root', `re-execution of blocks ${batch.header.firstBlock}..${batch.header.lastBlock} ends in another state`, { expected: batch.header.stateRoot, derived: stateRoot });
      }
      const lastBlock = Number(batch.header.lastBlock);
      heads.setLatest(BigInt(lastBlock));
      heads.setFinalized(BigInt(lastBlock));
      this.batches.push({
        index: Number(batch.header.index),
        firstBlock: Number(batch.header.firstBlock),
        lastBlock,
        txCount: hashes.length,
        txRoot,
        stateRoot,
        dataHash: batch.header.dataHash.toLowerCase() as Hex,
        l1TxHash: batch.l1TxHash,
        l1BlockNumber: batch.l1BlockNumber,
      });
      this.deps.log?.(`batch ${batch.header.index}: blocks ${batch.header.firstBlock}..${lastBlock}, ${hashes.length} txs, state ${stateRoot.slice(0, 10)}… matches L1`);
      return null;
    } catch (error) {
      if (engine.latestNumber() > base && engine.rewindTo) await engine.rewindTo(base);
      return reportOf(batch, error);
    }
  }

  /** The batch's blocks, once its data is fetched, decoded and shown to cover exactly the header's range. */
  private async blocksOf(batch: L1Batch, base: bigint): Promise<BatchBlock[]> {
    const { firstBlock, lastBlock } = batch.header;
    if (firstBlock !== base + 1n) throw new BatchMismatch('block-range', `batch starts at block ${firstBlock}, the derived chain is at ${base}`);
    const data = await this.deps.source.data(batch);
    const blocks = await decodeBatchData(data, this.deps.maxBatchRawBytes);
    if (BigInt(blocks.length) !== lastBlock - firstBlock + 1n) {
      throw new BatchMismatch('block-range', `data holds ${blocks.length} blocks, the header covers ${firstBlock}..${lastBlock}`);
    }
    for (const [offset, block] of blocks.entries()) {
      if (block.number !== firstBlock + BigInt(offset)) throw new BatchMismatch('block-range', `block ${offset} of the data is number ${block.number}, expected ${firstBlock + BigInt(offset)}`);
    }
    return blocks;
  }

  private async execute(block: BatchBlock): Promise<{ hashes: Hex[]; stateRoot: Hex }> {
    let executed: Awaited<ReturnType<ExecutionEngine['executeBlock']>>;
    try {
      executed = await this.deps.engine.executeBlock(block, block.transactions.map(fromHex));
    } catch (error) {
      throw new BatchMismatch('execution', `block ${block.number} does not execute: ${(error as Error).message}`);
    }
    const rejected = executed.rejected[0];
    if (rejected) throw new BatchMismatch('rejected-transaction', `block ${block.number}: transaction ${rejected.hash} is invalid there (${rejected.reason})`);
    return { hashes: executed.receipts.map((r) => r.transactionHash as Hex), stateRoot: executed.sealed.stateRoot.toLowerCase() as Hex };
  }
}

function reportOf(batch: L1Batch, error: unknown): MismatchReport {
  const where = { batchIndex: Number(batch.header.index), l1TxHash: batch.l1TxHash, l1BlockNumber: batch.l1BlockNumber };
  if (error instanceof BatchMismatch) {
    return { ...where, kind: error.kind, detail: error.message, ...(error.expected === undefined ? {} : { expected: error.expected, derived: error.derived }) };
  }
  if (error instanceof BatchDataError) return { ...where, kind: 'malformed-data', detail: error.message };
  if (error instanceof BatchDataUnavailableError) return { ...where, kind: 'data-unavailable', detail: error.message };
  throw error;
}
