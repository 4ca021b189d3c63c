import { Interface, type InterfaceAbi } from 'ethers';
import batchChain from '../../../contracts/artifacts/BatchChain.json' with { type: 'json' };
import lockingPool from '../../../contracts/artifacts/ILockingPool.json' with { type: 'json' };

// An L1 JSON-RPC that answers eth_blockNumber and eth_getLogs from logs encoded with the contracts' real ABIs,
// so the mirror decodes exactly the bytes LockingPool and BatchChain would emit.

export const LOCKING_POOL = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const BATCH_CHAIN = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';

const abis = { [LOCKING_POOL]: new Interface(lockingPool.abi as InterfaceAbi), [BATCH_CHAIN]: new Interface(batchChain.abi as InterfaceAbi) };

interface StoredLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
}

export class FakeL1 {
  head = 0;
  readonly logs: StoredLog[] = [];
  readonly ranges: [number, number][] = [];

  /** Appends an event of `contract` at `block` (the head moves up to it). */
  emit(contract: string, name: string, args: unknown[], block: number): void {
    const { topics, data } = abis[contract as keyof typeof abis].encodeEventLog(name, args);
    const logIndex = this.logs.filter((log) => log.blockNumber === block).length;
    this.logs.push({ address: contract, topics, data, blockNumber: block, logIndex, transactionHash: `0x${block.toString(16).padStart(4, '0')}${logIndex.toString(16).padStart(60, '0')}` });
    this.head = Math.max(this.head, block);
  }

  answer = (call: { method: string; params?: unknown[] }): unknown => {
    if (call.method === 'eth_blockNumber') return `0x${this.head.toString(16)}`;
    if (call.method !== 'eth_getLogs') throw new Error(`fake L1 does not serve ${call.method}`);
    const filter = (call.params?.[0] ?? {}) as { fromBlock: string; toBlock: string; address: string[] };
    const from = Number.parseInt(filter.fromBlock, 16);
    const to = Number.parseInt(filter.toBlock, 16);
    this.ranges.push([from, to]);
    return this.logs
      .filter((log) => log.blockNumber >= from && log.blockNumber <= to && filter.address.includes(log.address))
      .map((log) => ({ ...log, blockNumber: `0x${log.blockNumber.toString(16)}`, logIndex: `0x${log.logIndex.toString(16)}`, removed: false }));
  };
}
