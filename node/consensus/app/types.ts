// The state types live in protocol/consensus/types.ts; this path remains only for node/devnet/ (changed in parallel),
// to be dropped when that work lands. New code imports protocol/.
export type * from '../../../protocol/consensus/types.ts';
