import { fromHex, toHex, type Hex } from '../../encoding/hex.ts';
import { RecordLog } from '../../storage/record-log.ts';

export interface BlockSeal {
  hash: Hex;
  seal: Hex;
}

/**
 * Sequencer seals of stored blocks, by height ([u64 number][32-byte hash][65-byte seal] records in a RecordLog).
 * The native store keeps the blocks; this keeps who vouched for them, for catch-up and misbehaviour evidence.
 */
export class SealStore {
  private readonly log: RecordLog;
  private readonly seals: Map<bigint, BlockSeal>;

  private constructor(log: RecordLog, seals: Map<bigint, BlockSeal>) {
    this.log = log;
    this.seals = seals;
  }

  static async open(path: string): Promise<SealStore> {
    const { log, entries } = await RecordLog.open(path);
    const seals = new Map<bigint, BlockSeal>();
    for (const entry of entries) {
      if (entry.length !== 105) continue;
      const view = Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
      seals.set(view.readBigUInt64BE(0), { hash: toHex(entry.subarray(8, 40)), seal: toHex(entry.subarray(40, 105)) });
    }
    return new SealStore(log, seals);
  }

  get(number: bigint): BlockSeal | undefined {
    return this.seals.get(number);
  }

  /** Records the seal (visible at once; durable when the returned promise resolves). */
  put(number: bigint, seal: BlockSeal): Promise<void> {
    this.seals.set(number, seal);
    const record = Buffer.alloc(105);
    record.writeBigUInt64BE(number, 0);
    record.set(fromHex(seal.hash), 8);
    record.set(fromHex(seal.seal), 40);
    return this.log.append([record]);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
