import { keccak256 } from 'ethers';
import { sealSigner } from '../../identity/block-seal.ts';
import type { ExecutionEngine, SealedBlock } from '../engine/engine.ts';
import { headerFieldsOf, headerHash, type HeaderFields } from '../../../protocol/header.ts';
import { nextBaseFee, objectiveViolation } from '../../../protocol/header-rules.ts';
import { quantity, type Hex } from '../../encoding/hex.ts';
import type { SealStore } from '../engine/seal-store.ts';
import type { BadHeaderEvidence } from './evidence.ts';

/**
 * Bad-header evidence for a sealed block the native chain refused for a header rule, when the refusal is objective
 * and provable: the block carries its whole header (gasUsed, logsBloom) and it hashes to the sealed hash, and the
 * parent is a sealed block past genesis. Null otherwise (the block is refused all the same).
 */
export function badHeaderEvidence(engine: ExecutionEngine, seals: SealStore, block: SealedBlock, seal: Hex, reason: string): BadHeaderEvidence | null {
  if (!reason.startsWith('InvalidHeader: header rule ') || block.gasUsed === undefined || !block.logsBloom) return null;
  const number = block.env.number;
  const parentBlock = number >= 2n ? engine.getBlockByNumber(number - 1n) : null;
  const parentSeal = seals.get(number - 1n);
  if (!parentBlock || !parentSeal || parentSeal.hash !== parentBlock.hash) return null;
  const parent = headerFieldsOf(parentBlock);
  const header = headerOf(block, parent, parentBlock.hash);
  if (headerHash(header) !== block.hash.toLowerCase()) return null;
  const rule = objectiveViolation(parent, parentBlock.hash, header);
  const sequencer = sealSigner(engine.chainId, number, block.hash, seal);
  if (!rule || !sequencer) return null;
  return { kind: 'bad-header', sequencer, l2Block: Number(number), rule, block: { header, seal }, parent: { header: parent, seal: parentSeal.seal } };
}

/** The header the block claims; base fee and prevrandao, when left out, are the derived ones (as the chain derives them). */
function headerOf(block: SealedBlock, parent: HeaderFields, parentHash: Hex): HeaderFields {
  return {
    parentHash: block.parentHash,
    miner: block.env.beneficiary,
    stateRoot: block.stateRoot,
    transactionsRoot: block.transactionsRoot,
    receiptsRoot: block.receiptsRoot,
    logsBloom: block.logsBloom!,
    number: quantity(block.env.number),
    gasLimit: quantity(block.env.gasLimit),
    gasUsed: quantity(block.gasUsed!),
    timestamp: quantity(block.env.timestamp),
    extraData: block.env.extraData ?? '0x',
    mixHash: block.env.prevrandao ?? (keccak256(parentHash) as Hex),
    baseFeePerGas: quantity(block.env.baseFeePerGas ?? nextBaseFee(parent)),
  };
}
