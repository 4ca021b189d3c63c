import { Interface, type InterfaceAbi, type LogDescription } from 'ethers';
import batchChain from '../../contracts/artifacts/BatchChain.json' with { type: 'json' };
import lockingPool from '../../contracts/artifacts/ILockingPool.json' with { type: 'json' };

// The L1 events the edge mirrors, decoded with the ABIs the contracts compile to (contracts/artifacts, built by
// `npm run build:contracts`), so a changed event signature breaks the build here rather than the mirror silently.

export type L1Contract = 'LockingPool' | 'BatchChain';

const interfaces: Record<L1Contract, Interface> = {
  LockingPool: new Interface(lockingPool.abi as InterfaceAbi),
  BatchChain: new Interface(batchChain.abi as InterfaceAbi),
};

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  logIndex: string;
  transactionHash: string;
  removed?: boolean;
}

export interface L1Event {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  contract: L1Contract;
  name: string;
  /** Arguments by name, as strings: integers in decimal, addresses lowercase, bytes as 0x-hex. */
  args: Record<string, string>;
  /** Every address among the arguments. */
  addresses: string[];
}

function stringify(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value.toLowerCase();
  return String(value);
}

/** Decodes a log of one of our contracts; null for events the ABI does not know (nothing to mirror). */
export function decodeLog(contract: L1Contract, log: RawLog): L1Event | null {
  let parsed: LogDescription | null;
  try {
    parsed = interfaces[contract].parseLog({ topics: log.topics, data: log.data });
  } catch {
    return null;
  }
  if (!parsed) return null;
  const args: Record<string, string> = {};
  const addresses: string[] = [];
  parsed.fragment.inputs.forEach((input, i) => {
    const value = stringify(parsed.args[i]);
    args[input.name] = value;
    if (input.type === 'address') addresses.push(value);
  });
  return {
    blockNumber: Number.parseInt(log.blockNumber, 16),
    logIndex: Number.parseInt(log.logIndex, 16),
    txHash: log.transactionHash.toLowerCase(),
    contract,
    name: parsed.name,
    args,
    addresses,
  };
}
