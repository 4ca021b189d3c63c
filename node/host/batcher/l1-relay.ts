import type { Hex } from '../../encoding/hex.ts';
import type { BatchL1 } from '../../l1/submitter.ts';
import type { BatchHeader } from '../../l1/typed-data.ts';
import type { BatchRecord, BatchStore } from './batch-store.ts';

const WAIT_MS = 30_000;

/**
 * Keeps the local batch list and BatchChain in agreement, and relays signed batches idempotently: L1's batchCount
 * is read before every submission, our own transaction is persisted (hash and raw bytes) before it is sent, and a
 * restarted relay re-sends that same transaction rather than a new one.
 */
export class L1Relay {
  private readonly l1: BatchL1;
  private readonly store: BatchStore;
  private readonly log?: (message: string) => void;

  constructor(l1: BatchL1, store: BatchStore, log?: (message: string) => void) {
    this.l1 = l1;
    this.store = store;
    this.log = log;
  }

  /** Learns batches L1 has that we do not (another host relayed them), replacing any local one L1 contradicts. */
  async importFromL1(): Promise<void> {
    const count = await this.l1.batchCount();
    for (let index = 0; index < count; index++) {
      const local = this.store.get(index);
      if (local && (local.status === 'submitted' || local.status === 'finalized')) continue;
      const onL1 = await this.l1.batchAt(index);
      if (local && sameHeader(local, onL1)) {
        await this.markIncluded(local);
        continue;
      }
      if (local) {
        this.log?.(`batch ${index}: L1 holds a different batch; dropping local batches from ${index}`);
        await this.store.truncate(index);
      }
      const inclusion = await this.l1.findAppended(index);
      await this.store.put({
        index,
        firstBlock: Number(onL1.firstBlock),
        lastBlock: Number(onL1.lastBlock),
        txCount: -1,
        txRoot: onL1.txRoot as Hex,
        stateRoot: onL1.stateRoot as Hex,
        dataHash: onL1.dataHash as Hex,
        signature: null,
        status: 'submitted',
        l1TxHash: inclusion?.txHash ?? null,
        l1BlockNumber: inclusion?.blockNumber ?? (await this.l1.head()),
        imported: true,
      });
    }
  }

  /** Moves a signed batch onto L1 (or finds it already there). Safe to call again after any failure or crash. */
  async submit(record: BatchRecord): Promise<void> {
    const count = await this.l1.batchCount();
    if (count > record.index) return this.importFromL1();
    if (count < record.index) {
      // L1 lost batches we thought it had (an L1 reset): send them again, in order.
      for (let i = count; i < record.index; i++) {
        const earlier = this.store.get(i);
        if (earlier && earlier.status !== 'signed') await this.store.put({ ...earlier, status: earlier.signature ? 'signed' : 'built', l1TxHash: null, l1RawTx: null, l1BlockNumber: null });
      }
      return;
    }
    let current = record;
    if (current.l1TxHash && current.l1RawTx) {
      await this.l1.broadcast(current.l1RawTx).catch((error: unknown) => this.log?.(`batch ${current.index}: re-sending ${current.l1TxHash}: ${(error as Error).message}`));
    } else {
      const prepared = await this.l1.prepareAppend(headerOf(current), current.signature as Hex);
      current = { ...current, l1TxHash: prepared.txHash, l1RawTx: prepared.raw };
      await this.store.put(current);
      await this.l1.broadcast(prepared.raw);
    }
    const outcome = await this.l1.waitFor(current.l1TxHash as Hex, WAIT_MS);
    if (outcome === null) return;
    if (outcome === 'reverted') {
      this.log?.(`batch ${current.index}: ${current.l1TxHash} reverted; will check L1 and prepare a new one`);
      await this.store.put({ ...current, l1TxHash: null, l1RawTx: null });
      return;
    }
    await this.store.put({ ...current, status: 'submitted', l1TxHash: outcome.txHash, l1BlockNumber: outcome.blockNumber, l1RawTx: null });
    this.log?.(`batch ${current.index} on L1 in block ${outcome.blockNumber} (${outcome.txHash})`);
  }

  private async markIncluded(local: BatchRecord): Promise<void> {
    const inclusion = await this.l1.findAppended(local.index);
    await this.store.put({
      ...local,
      status: 'submitted',
      l1TxHash: inclusion?.txHash ?? local.l1TxHash,
      l1BlockNumber: inclusion?.blockNumber ?? (await this.l1.head()),
      l1RawTx: null,
    });
  }
}

function headerOf(b: BatchRecord): BatchHeader {
  return { index: BigInt(b.index), firstBlock: BigInt(b.firstBlock), lastBlock: BigInt(b.lastBlock), txRoot: b.txRoot, stateRoot: b.stateRoot, dataHash: b.dataHash };
}

function sameHeader(local: BatchRecord, onL1: BatchHeader): boolean {
  return (
    BigInt(local.firstBlock) === BigInt(onL1.firstBlock) &&
    BigInt(local.lastBlock) === BigInt(onL1.lastBlock) &&
    local.txRoot.toLowerCase() === onL1.txRoot.toLowerCase() &&
    local.stateRoot.toLowerCase() === onL1.stateRoot.toLowerCase() &&
    local.dataHash.toLowerCase() === onL1.dataHash.toLowerCase()
  );
}
