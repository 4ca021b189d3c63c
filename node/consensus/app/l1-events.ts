import { z } from 'zod';
import { address, hex32, uint, weiAmount } from './schemas.ts';

/**
 * LockingPool events as validators report them (normalised by each host's L1 watcher after the configured
 * confirmations). `total` is the sequencer's locked stake after the event.
 */
const position = { block: uint, logIndex: uint, txHash: hex32 };

export const l1EventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('locked'), ...position, sequencerId: uint, signer: address, owner: address, total: weiAmount }).strict(),
  z.object({ kind: z.literal('relocked'), ...position, sequencerId: uint, total: weiAmount }).strict(),
  z.object({ kind: z.literal('withdrawn'), ...position, sequencerId: uint, total: weiAmount }).strict(),
  z.object({ kind: z.literal('slashed'), ...position, sequencerId: uint, total: weiAmount }).strict(),
  z.object({ kind: z.literal('unlock-init'), ...position, sequencerId: uint }).strict(),
  z.object({ kind: z.literal('unlocked'), ...position, sequencerId: uint }).strict(),
  z.object({ kind: z.literal('signer-changed'), ...position, sequencerId: uint, signer: address }).strict(),
  z.object({ kind: z.literal('mpc-updated'), ...position, address }).strict(),
]);

export type L1Event = z.infer<typeof l1EventSchema>;

export function compareL1Events(a: L1Event, b: L1Event): number {
  return a.block - b.block || a.logIndex - b.logIndex;
}
