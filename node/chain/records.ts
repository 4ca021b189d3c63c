import type { Hex } from './hex.ts';

/** Chain records exactly as Ethereum JSON-RPC serves them (quantities as hex). */
export interface RpcBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  nonce: Hex;
  sha3Uncles: Hex;
  logsBloom: Hex;
  transactionsRoot: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  miner: Hex;
  difficulty: Hex;
  totalDifficulty?: Hex;
  extraData: Hex;
  size: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  baseFeePerGas: Hex;
  mixHash: Hex;
  transactions: Hex[];
  uncles: Hex[];
  [extra: string]: unknown;
}

export interface RpcTransaction {
  hash: Hex;
  type: Hex;
  chainId?: Hex;
  nonce: Hex;
  from: Hex;
  to: Hex | null;
  gas: Hex;
  gasPrice: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  value: Hex;
  input: Hex;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
  v: Hex;
  r: Hex;
  s: Hex;
  yParity?: Hex;
  blockHash: Hex | null;
  blockNumber: Hex | null;
  transactionIndex: Hex | null;
  [extra: string]: unknown;
}

export interface RpcLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed: boolean;
}

export interface RpcReceipt {
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash: Hex;
  blockNumber: Hex;
  from: Hex;
  to: Hex | null;
  cumulativeGasUsed: Hex;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  contractAddress: Hex | null;
  logs: RpcLog[];
  logsBloom: Hex;
  status: Hex;
  type: Hex;
  [extra: string]: unknown;
}
