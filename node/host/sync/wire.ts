import type { SealedBlock } from '../engine/engine.ts';
import { quantity, type Hex } from '../../encoding/hex.ts';

/**
 * Replication messages (channel `blocks`), JSON with quantities as hex:
 *   block    { type: 'block', block: WireBlock, seal }          the sequencer pushes each new block
 *   ack      { type: 'ack', number, hash }                       a host applied (or produced) block `number`
 *   get      { type: 'get', from, to }                           ask a peer for blocks from..to (at most MAX_RANGE)
 *   blocks   { type: 'blocks', items: { block, seal }[] }        the answer, in order
 *   head     { type: 'head', number, hash }                      sent on connect and periodically: "I am at number"
 */
export interface WireBlock {
  number: Hex;
  timestamp: Hex;
  beneficiary: Hex;
  gasLimit: Hex;
  parentHash: Hex;
  hash: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  transactions: Hex[];
  baseFeePerGas?: Hex;
  prevrandao?: Hex;
  extraData?: Hex;
  /** With logsBloom: the rest of the header, so the hash can be recomputed (bad-header evidence). */
  gasUsed?: Hex;
  logsBloom?: Hex;
}

export const MAX_RANGE = 64;

export type ReplicationMessage =
  | { type: 'block'; block: WireBlock; seal: Hex }
  | { type: 'ack'; number: Hex; hash: Hex }
  | { type: 'get'; from: Hex; to: Hex }
  | { type: 'blocks'; items: { block: WireBlock; seal: Hex }[] }
  | { type: 'head'; number: Hex; hash: Hex };

export function toWire(block: SealedBlock): WireBlock {
  return {
    number: quantity(block.env.number),
    timestamp: quantity(block.env.timestamp),
    beneficiary: block.env.beneficiary,
    gasLimit: quantity(block.env.gasLimit),
    parentHash: block.parentHash,
    hash: block.hash,
    stateRoot: block.stateRoot,
    transactionsRoot: block.transactionsRoot,
    receiptsRoot: block.receiptsRoot,
    transactions: block.transactions,
    ...(block.env.baseFeePerGas !== undefined ? { baseFeePerGas: quantity(block.env.baseFeePerGas) } : {}),
    ...(block.env.prevrandao ? { prevrandao: block.env.prevrandao } : {}),
    ...(block.env.extraData ? { extraData: block.env.extraData } : {}),
    ...(block.gasUsed !== undefined ? { gasUsed: quantity(block.gasUsed) } : {}),
    ...(block.logsBloom ? { logsBloom: block.logsBloom } : {}),
  };
}

const HASH = /^0x[0-9a-f]{64}$/;
const QTY = /^0x(0|[1-9a-f][0-9a-f]{0,15})$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const DATA = /^0x([0-9a-f]{2})*$/;
const BLOOM = /^0x[0-9a-f]{512}$/;
const SEAL = /^0x[0-9a-f]{130}$/;

/** Strict decode of a peer's block: anything malformed is refused before it reaches the executor. */
export function fromWire(value: unknown): SealedBlock | null {
  if (typeof value !== 'object' || value === null) return null;
  const w = value as Record<string, unknown>;
  const str = (k: string, re: RegExp) => (typeof w[k] === 'string' && re.test(w[k] as string) ? (w[k] as Hex) : null);
  const number = str('number', QTY);
  const timestamp = str('timestamp', QTY);
  const gasLimit = str('gasLimit', QTY);
  const beneficiary = str('beneficiary', ADDRESS);
  const parentHash = str('parentHash', HASH);
  const hash = str('hash', HASH);
  const stateRoot = str('stateRoot', HASH);
  const transactionsRoot = str('transactionsRoot', HASH);
  const receiptsRoot = str('receiptsRoot', HASH);
  if (!number || !timestamp || !gasLimit || !beneficiary || !parentHash || !hash || !stateRoot || !transactionsRoot || !receiptsRoot) return null;
  if (!Array.isArray(w.transactions) || !w.transactions.every((t) => typeof t === 'string' && t.length > 2 && DATA.test(t))) return null;
  const env: SealedBlock['env'] = { number: BigInt(number), timestamp: BigInt(timestamp), beneficiary, gasLimit: BigInt(gasLimit) };
  if (w.baseFeePerGas !== undefined) {
    const baseFee = str('baseFeePerGas', QTY);
    if (!baseFee) return null;
    env.baseFeePerGas = BigInt(baseFee);
  }
  if (w.prevrandao !== undefined) {
    const prevrandao = str('prevrandao', HASH);
    if (!prevrandao) return null;
    env.prevrandao = prevrandao;
  }
  if (w.extraData !== undefined) {
    const extraData = str('extraData', DATA);
    if (!extraData || extraData.length > 2 + 64) return null;
    env.extraData = extraData;
  }
  const block: SealedBlock = { env, parentHash, hash, stateRoot, transactionsRoot, receiptsRoot, transactions: w.transactions as Hex[] };
  if (w.gasUsed !== undefined || w.logsBloom !== undefined) {
    const gasUsed = str('gasUsed', QTY);
    const logsBloom = str('logsBloom', BLOOM);
    if (!gasUsed || !logsBloom) return null;
    block.gasUsed = BigInt(gasUsed);
    block.logsBloom = logsBloom;
  }
  return block;
}

export function isSeal(value: unknown): value is Hex {
  return typeof value === 'string' && SEAL.test(value);
}

export function isQuantity(value: unknown): value is Hex {
  return typeof value === 'string' && QTY.test(value);
}

export function isHash(value: unknown): value is Hex {
  return typeof value === 'string' && HASH.test(value);
}
