import type { Hex } from '../../encoding/hex.ts';

/** The block fields a stored block and the pending block show alike (quantities as hex, as JSON-RPC serves them). */
interface RpcBlockFields {
  number: Hex;
  parentHash: Hex;
  sha3Uncles: Hex;
  logsBloom: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
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

/** Chain records exactly as Ethereum JSON-RPC serves them. */
export interface RpcBlock extends RpcBlockFields {
  hash: Hex;
  nonce: Hex;
  stateRoot: Hex;
  miner: Hex;
}

/**
 * The pending block as eth_getBlockByNumber("pending") serves it (geth's shape): not sealed, so no hash, nonce or
 * miner; no state root either (never computed for the pending block). Everything else is what the block the
 * producer builds from the same transactions on the same head shows.
 */
export interface RpcPendingBlock extends RpcBlockFields {
  hash: null;
  nonce: null;
  stateRoot: null;
  miner: null;
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
  /** EIP-7702 transactions only. */
  authorizationList?: { chainId: Hex; address: Hex; nonce: Hex; yParity: Hex; r: Hex; s: Hex }[];
  v: Hex;
  r: Hex;
  s: Hex;
  yParity?: Hex;
  blockHash: Hex | null;
  blockNumber: Hex | null;
  transactionIndex: Hex | null;
  [extra: string]: unknown;
}

/** `BlockHash` is null only for the pending block's logs and receipts (it has no hash before it is sealed). */
export interface RpcLog<BlockHash extends Hex | null = Hex> {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: BlockHash;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed: boolean;
}

export interface RpcReceipt<BlockHash extends Hex | null = Hex> {
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash: BlockHash;
  blockNumber: Hex;
  from: Hex;
  to: Hex | null;
  cumulativeGasUsed: Hex;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  contractAddress: Hex | null;
  logs: RpcLog<BlockHash>[];
  logsBloom: Hex;
  status: Hex;
  type: Hex;
  [extra: string]: unknown;
}

/** A receipt of the pending block: as the sealed block's will be, but without a block hash yet. */
export type RpcPendingReceipt = RpcReceipt<null>;
