import type { ExecutionEngine } from '../engine/engine.ts';
import type { Heads } from '../engine/heads.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { BatchHeader } from '../../l1/typed-data.ts';
import type { BatchL1 } from '../../l1/submitter.ts';
import type { BatchSummary, TransactionProof } from '../rpc/backend.ts';
import { encodeBatchData, type BatchBlock } from './batch-data.ts';
import { batchSignRequest, type BatchSigner } from './batch-signer.ts';
import type { BatchRecord, BatchStore } from './batch-store.ts';
import type { TxMerkle } from './merkle.ts';
import { L1Relay } from './l1-relay.ts';

export interface BatcherConfig {
  /** Cut a batch once this many transactions wait... */
  maxBatchTxs: number;
  /** ...or this many blocks... */
  maxBatchBlocks: number;
  /** ...or once its oldest block is this old. */
  maxBatchAgeMs: number;
  /** L1 confirmations after which a batch (and every block in it) is final. */
  l1Confirmations: number;
  pollMs: number;
  /** Delete a finalized batch's compressed data this many L1 blocks after its append (docs/pruning.md); null keeps it. */
  pruneDataAfterL1Blocks?: number | null;
}

export const DEFAULT_BATCHER_CONFIG: BatcherConfig = { maxBatchTxs: 20_000, maxBatchBlocks: 600, maxBatchAgeMs: 30_000, l1Confirmations: 2, pollMs: 1000, pruneDataAfterL1Blocks: null };

export interface BatcherDeps {
  engine: ExecutionEngine;
  heads: Heads;
  store: BatchStore;
  signer: BatchSigner;
  l1: BatchL1;
  merkle: TxMerkle;
  config: BatcherConfig;
  /** Only the active sequencer cuts and submits batches; every host imports L1's batches and tracks finality. */
  shouldSubmit(): boolean;
  now(): number;
  log?: (message: string) => void;
}

const ZERO_ROOT = `0x${'00'.repeat(32)}` as Hex;

/**
 * Batches consecutive safe blocks (by size or age), roots their transactions in the shared Merkle tree, compresses
 * their data (brotli, dataHash = keccak256), gets the batch signed (BatchSigner: the MPC), and relays it to
 * BatchChain; finalises blocks after the configured L1 confirmations. Every step is persisted before it has an
 * effect on L1, and L1's batchCount is read before each submission, so a restart never appends a batch twice.
 */
export class Batcher {
  private readonly deps: BatcherDeps;
  private readonly relay: L1Relay;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private firstL2Block: number | null = null;
  private l1ChainId: bigint | null = null;
  private readonly trees = new Map<number, { hashes: Hex[]; tree: ReturnType<TxMerkle['tree']> }>();
  lastError: string | null = null;

  constructor(deps: BatcherDeps) {
    const pruneAfter = deps.config.pruneDataAfterL1Blocks ?? null;
    if (pruneAfter !== null && (!Number.isSafeInteger(pruneAfter) || pruneAfter < 0)) {
      throw new Error(`config.batcher.pruneDataAfterL1Blocks: a whole number of L1 blocks or null, got ${pruneAfter}`);
    }
    this.deps = deps;
    this.relay = new L1Relay(deps.l1, deps.store, deps.log);
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.timer = setTimeout(() => void this.tick().finally(loop), this.deps.config.pollMs);
    };
    loop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: import L1's view, finalise, then (if active) advance the open batch or cut the next. Never overlaps. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        this.lastError = (error as Error).message;
        this.deps.log?.(`batcher: ${this.lastError}`);
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    const { l1, store, heads } = this.deps;
    this.firstL2Block ??= await l1.firstL2Block();
    this.l1ChainId ??= await l1.chainId();
    await this.relay.importFromL1();
    const l1Head = await l1.head();
    for (const batch of store.all()) {
      if (batch.status !== 'submitted' || batch.l1BlockNumber === null) continue;
      if (l1Head - batch.l1BlockNumber + 1 < this.deps.config.l1Confirmations) break;
      await store.put({ ...batch, status: 'finalized' });
    }
    const finalized = [...store.all()].reverse().find((b) => b.status === 'finalized');
    if (finalized) heads.setFinalized(BigInt(finalized.lastBlock));
    const pruneAfter = this.deps.config.pruneDataAfterL1Blocks ?? null;
    if (pruneAfter !== null) await store.pruneData(l1Head, pruneAfter);
    this.lastError = null;
    if (!this.deps.shouldSubmit()) return;

    let open = store.all().find((b) => b.status === 'built' || b.status === 'signed');
    open ??= await this.cut();
    if (!open) return;
    if (open.status === 'built') {
      const signature = await this.deps.signer.sign(batchSignRequest(headerOf(open), this.l1ChainId, l1.address));
      open = { ...open, signature, status: 'signed' };
      await store.put(open);
    }
    await this.relay.submit(open);
  }

  /** Cuts the next batch from the safe blocks after the last one, if it is big or old enough. */
  private async cut(): Promise<BatchRecord | undefined> {
    const { engine, heads, store, config } = this.deps;
    const last = store.last();
    const first = last ? last.lastBlock + 1 : (this.firstL2Block as number);
    const safe = Number(heads.safe);
    if (first > safe) return undefined;
    const blocks: BatchBlock[] = [];
    const hashes: Hex[] = [];
    let stateRoot = ZERO_ROOT;
    for (let n = first; n <= safe && blocks.length < config.maxBatchBlocks && hashes.length < config.maxBatchTxs; n++) {
      const sealed = engine.sealedBlock(BigInt(n));
      const block = engine.getBlockByNumber(BigInt(n));
      if (!sealed || !block) throw new Error(`block ${n} is missing from the store`);
      blocks.push({ number: sealed.env.number, timestamp: sealed.env.timestamp, beneficiary: sealed.env.beneficiary, gasLimit: sealed.env.gasLimit, transactions: sealed.transactions });
      hashes.push(...block.transactions);
      stateRoot = sealed.stateRoot;
    }
    const full = blocks.length >= config.maxBatchBlocks || hashes.length >= config.maxBatchTxs;
    const oldest = Number((blocks[0] as BatchBlock).timestamp) * 1000;
    if (!full && this.deps.now() - oldest < config.maxBatchAgeMs) return undefined;

    const index = last ? last.index + 1 : 0;
    const { compressed, dataHash } = await encodeBatchData(blocks);
    const record: BatchRecord = {
      index,
      firstBlock: first,
      lastBlock: first + blocks.length - 1,
      txCount: hashes.length,
      txRoot: hashes.length ? this.deps.merkle.root(hashes) : ZERO_ROOT,
      stateRoot,
      dataHash,
      signature: null,
      status: 'built',
      l1TxHash: null,
      l1BlockNumber: null,
    };
    await store.putData(index, compressed);
    await store.put(record);
    this.deps.log?.(`batch ${index}: blocks ${record.firstBlock}..${record.lastBlock}, ${record.txCount} txs, ${compressed.length} bytes`);
    return record;
  }

  /** Inclusion proof of a transaction against its batch's root; null when unknown or not batched yet. */
  proof(txHash: Hex): TransactionProof | null {
    const receipt = this.deps.engine.getReceipt(txHash);
    if (!receipt) return null;
    const batch = this.deps.store.ofBlock(Number(BigInt(receipt.blockNumber)));
    if (!batch || batch.txCount === 0) return null;
    const { hashes, tree } = this.treeOf(batch);
    const leafIndex = hashes.indexOf(txHash);
    if (leafIndex < 0) return null;
    return {
      batchIndex: batch.index,
      txHash,
      root: batch.txRoot,
      leafIndex,
      proof: tree.proof(leafIndex),
      status: batch.status === 'finalized' ? 'finalized' : batch.status === 'submitted' ? 'submitted' : 'pending',
      l1TxHash: batch.l1TxHash,
    };
  }

  summaries(from: number, limit: number): BatchSummary[] {
    return this.deps.store
      .all()
      .slice(from, from + limit)
      .map((b) => ({
        index: b.index,
        firstBlock: b.firstBlock,
        lastBlock: b.lastBlock,
        txCount: b.txCount,
        root: b.txRoot,
        dataHash: b.dataHash,
        status: b.status === 'finalized' ? 'finalized' : b.status === 'submitted' ? 'submitted' : 'pending',
        l1TxHash: b.l1TxHash,
        l1BlockNumber: b.l1BlockNumber,
      }));
  }

  private treeOf(batch: BatchRecord) {
    const cached = this.trees.get(batch.index);
    if (cached) return cached;
    const hashes: Hex[] = [];
    for (let n = batch.firstBlock; n <= batch.lastBlock; n++) hashes.push(...(this.deps.engine.getBlockByNumber(BigInt(n))?.transactions ?? []));
    const entry = { hashes, tree: this.deps.merkle.tree(hashes) };
    if (this.trees.size >= 8) this.trees.delete(this.trees.keys().next().value as number);
    this.trees.set(batch.index, entry);
    return entry;
  }
}

function headerOf(b: BatchRecord): BatchHeader {
  return { index: BigInt(b.index), firstBlock: BigInt(b.firstBlock), lastBlock: BigInt(b.lastBlock), txRoot: b.txRoot, stateRoot: b.stateRoot, dataHash: b.dataHash };
}
