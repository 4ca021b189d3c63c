import { z } from 'zod';
import { headerHash } from '../../../protocol/header.ts';
import { objectiveViolation } from '../../../protocol/header-rules.ts';
import { digestOf } from '../../../protocol/consensus/canonical.ts';
import { epochForBlock } from './epochs.ts';
import type { AppEvent } from './events.ts';
import type { Evidence } from './extension.ts';
import { declareMisbehaviour } from './faults.ts';
import { recoverL2BlockSigner } from './l2-block-signature.ts';
import { address, hex32, hexBytes } from './schemas.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';

/**
 * Bad-header evidence: a block sealed by the sequencer elected for its height whose header breaks an objective
 * header rule (docs/hardening/header-rules.md) against its parent, itself sealed by the sequencer elected for the
 * parent's height. Both hashes are recomputed from the fields, so every node checks it from the evidence alone.
 */
const quantity = z.string().regex(/^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/, 'expected a 64-bit 0x-quantity').transform((v) => v.toLowerCase() as `0x${string}`);
const bloom = z.string().regex(/^0x[0-9a-fA-F]{512}$/, 'expected a 256-byte logs bloom').transform((v) => v.toLowerCase() as `0x${string}`);

export const headerFieldsSchema = z
  .object({
    parentHash: hex32,
    miner: address,
    stateRoot: hex32,
    transactionsRoot: hex32,
    receiptsRoot: hex32,
    logsBloom: bloom,
    number: quantity,
    gasLimit: quantity,
    gasUsed: quantity,
    timestamp: quantity,
    extraData: hexBytes.refine((v) => v.length <= 2 + 2 * 256, 'extraData longer than 256 bytes'),
    mixHash: hex32,
    baseFeePerGas: quantity,
  })
  .strict();

const sealedHeader = z.object({ header: headerFieldsSchema, seal: hexBytes }).strict();

export const badHeaderEvidenceSchema = z
  .object({
    kind: z.literal('bad-header'),
    sequencer: address,
    l2Block: z.number().int().min(2).max(Number.MAX_SAFE_INTEGER),
    rule: z.enum(['timestamp-before-parent', 'gas-limit-step', 'base-fee', 'prevrandao', 'extra-data']),
    block: sealedHeader,
    parent: sealedHeader,
  })
  .strict();

type BadHeaderEvidence = Extract<Evidence, { kind: 'bad-header' }>;

/** True when both seals are by the sequencers elected for their heights and the child breaks `rule` against the parent. */
export function isValidBadHeader(state: ConsensusState, evidence: BadHeaderEvidence): boolean {
  const { block, parent, l2Block } = evidence;
  if (Number(BigInt(block.header.number)) !== l2Block || BigInt(parent.header.number) + 1n !== BigInt(block.header.number)) return false;
  const parentHash = headerHash(parent.header);
  if (block.header.parentHash !== parentHash) return false;
  if (epochForBlock(state, l2Block)?.sequencer !== evidence.sequencer) return false;
  const parentSequencer = epochForBlock(state, l2Block - 1)?.sequencer;
  if (!parentSequencer || recoverL2BlockSigner(state.l2ChainId, l2Block - 1, parentHash, parent.seal) !== parentSequencer) return false;
  if (recoverL2BlockSigner(state.l2ChainId, l2Block, headerHash(block.header), block.seal) !== evidence.sequencer) return false;
  return objectiveViolation(parent.header, parentHash, block.header) === evidence.rule;
}

/** Punishes as double-sign does (one punishment per sequencer and height, whatever the proof). */
export function applyBadHeader(state: ConsensusState, evidence: BadHeaderEvidence, events: AppEvent[]): boolean {
  const key = `${evidence.sequencer}:${evidence.l2Block}`;
  if (state.punished.includes(key) || !isValidBadHeader(state, evidence)) return false;
  state.punished.push(key);
  declareMisbehaviour(state, evidence.sequencer, 'bad-header', digestOf(evidence), `l2Block:${evidence.l2Block}:${evidence.rule}`, events);
  return true;
}
