import { encodeRlp, keccak256, toBeArray } from 'ethers';
import type { Hex } from './hex.ts';

/**
 * The header fields a block on this chain can vary, as JSON-RPC shows them (quantities 0x-hex). The rest of its
 * Cancun header is constant here: no ommers, difficulty and nonce 0, no withdrawals or blobs, a zero beacon root.
 */
export interface HeaderFields {
  parentHash: Hex;
  miner: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  number: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  extraData: Hex;
  mixHash: Hex;
  baseFeePerGas: Hex;
}

const EMPTY_OMMERS = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const EMPTY_TRIE = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
const ZERO_WORD = `0x${'00'.repeat(32)}`;

/** The block hash: keccak256 of the header's RLP, exactly as the native chain computes it. */
export function headerHash(h: HeaderFields): Hex {
  const quantity = (value: Hex) => toBeArray(BigInt(value));
  return keccak256(
    encodeRlp([
      h.parentHash, EMPTY_OMMERS, h.miner, h.stateRoot, h.transactionsRoot, h.receiptsRoot, h.logsBloom,
      quantity('0x0'), quantity(h.number), quantity(h.gasLimit), quantity(h.gasUsed), quantity(h.timestamp),
      h.extraData, h.mixHash, '0x0000000000000000', quantity(h.baseFeePerGas),
      EMPTY_TRIE, quantity('0x0'), quantity('0x0'), ZERO_WORD,
    ]),
  ) as Hex;
}

/** The hashed fields of a fuller block object (a JSON-RPC block), without the rest. */
export function headerFieldsOf(block: HeaderFields): HeaderFields {
  const { parentHash, miner, stateRoot, transactionsRoot, receiptsRoot, logsBloom, number, gasLimit, gasUsed, timestamp, extraData, mixHash, baseFeePerGas } = block;
  return { parentHash, miner, stateRoot, transactionsRoot, receiptsRoot, logsBloom, number, gasLimit, gasUsed, timestamp, extraData, mixHash, baseFeePerGas };
}
