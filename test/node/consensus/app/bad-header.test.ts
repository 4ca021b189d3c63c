import { keccak256 } from 'ethers';
import { describe, expect, it } from 'vitest';
import { headerHash, type HeaderFields } from '../../../../protocol/header.ts';
import { nextBaseFee } from '../../../../protocol/header-rules.ts';
import { quantity } from '../../../../node/encoding/hex.ts';
import { currentEpoch, epochForBlock } from '../../../../node/consensus/app/epochs.ts';
import { decodeVoteExtension, emptyVoteExtension, encodeVoteExtension, type Evidence } from '../../../../node/consensus/app/extension.ts';
import { signL2Block } from '../../../../node/consensus/app/l2-block-signature.ts';
import { signer, signerKey } from '../support.ts';
import { SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
const CHAIN = 59902;

const parent: HeaderFields = {
  parentHash: `0x${'11'.repeat(32)}`,
  miner: `0x${'cb'.repeat(20)}`,
  stateRoot: `0x${'22'.repeat(32)}`,
  transactionsRoot: `0x${'33'.repeat(32)}`,
  receiptsRoot: `0x${'44'.repeat(32)}`,
  logsBloom: `0x${'00'.repeat(256)}`,
  number: '0x2',
  gasLimit: quantity(30_000_000n),
  gasUsed: quantity(21_000n),
  timestamp: quantity(1_700_000_000n),
  extraData: '0x',
  mixHash: `0x${'55'.repeat(32)}`,
  baseFeePerGas: quantity(1_000_000_000n),
};

/** The honest child of `parent` (block 3), then `warp`. */
function child(warp: Partial<HeaderFields> = {}): HeaderFields {
  const parentHash = headerHash(parent);
  return { ...parent, parentHash, number: '0x3', gasUsed: '0x0', timestamp: quantity(1_700_000_001n), mixHash: keccak256(parentHash) as `0x${string}`, baseFeePerGas: quantity(nextBaseFee(parent)), ...warp };
}

/** A network past L2 block 3 whose sequencer for blocks 2 and 3 is `index` (sealing with its key). */
function network(): { net: SimNet; index: number; sequencer: `0x${string}` } {
  const net = new SimNet(STAKES);
  net.produceL2(3);
  net.blocks(3);
  const sequencer = epochForBlock(net.state, 3)!.sequencer;
  expect(epochForBlock(net.state, 2)!.sequencer).toBe(sequencer);
  const index = STAKES.findIndex((_, candidate) => signer(candidate).address.toLowerCase() === sequencer);
  return { net, index, sequencer };
}

function evidence(sequencer: `0x${string}`, rule: string, header: HeaderFields, sealers: { child: number; parent: number }, parentHeader = parent): Evidence {
  return {
    kind: 'bad-header',
    sequencer,
    l2Block: 3,
    rule,
    block: { header, seal: signL2Block(signerKey(sealers.child), CHAIN, 3, headerHash(header)) },
    parent: { header: parentHeader, seal: signL2Block(signerKey(sealers.parent), CHAIN, 2, headerHash(parentHeader)) },
  } as Evidence;
}

describe('bad-header evidence (pure consensus app)', () => {
  const warps: [string, Partial<HeaderFields>][] = [
    ['base-fee', { baseFeePerGas: '0x0' }],
    ['timestamp-before-parent', { timestamp: quantity(1_699_999_999n) }],
    ['gas-limit-step', { gasLimit: quantity(30_000_000n + 30_000_000n / 1024n) }],
    ['prevrandao', { mixHash: `0x${'77'.repeat(32)}` }],
    ['extra-data', { extraData: `0x${'ee'.repeat(33)}` }],
  ];
  for (const [rule, warp] of warps) {
    it(`punishes a sealed ${rule} violation like a double-sign: slash, cool-down, re-election, once`, () => {
      const { net, index, sequencer } = network();
      const epoch = currentEpoch(net.state);
      net.observers[0]!.evidence = [evidence(sequencer, rule, child(warp), { child: index, parent: index })];
      net.blocks(1);
      expect(net.state.slashes).toMatchObject([{ sequencer, reason: 'bad-header' }]);
      expect(net.state.punished).toContain(`${sequencer}:3`);
      net.until((state) => currentEpoch(state).number === epoch.number + 1, 10);
      expect(currentEpoch(net.state)).toMatchObject({ reason: 'misbehaviour' });
      net.blocks(2);
      expect(net.state.slashes).toHaveLength(1);
    });
  }

  const refused: [string, (sequencer: `0x${string}`, index: number, other: number) => Evidence][] = [
    ['an honest header', (s, i) => evidence(s, 'base-fee', child(), { child: i, parent: i })],
    ['a rule other than the one broken', (s, i) => evidence(s, 'prevrandao', child({ baseFeePerGas: '0x0' }), { child: i, parent: i })],
    ['a child sealed by someone else', (s, i, o) => evidence(s, 'base-fee', child({ baseFeePerGas: '0x0' }), { child: o, parent: i })],
    ['a parent sealed by someone else', (s, i, o) => evidence(s, 'base-fee', child({ baseFeePerGas: '0x0' }), { child: i, parent: o })],
    ['a parent that is not the child\'s', (s, i) => evidence(s, 'base-fee', child({ baseFeePerGas: '0x0', parentHash: `0x${'99'.repeat(32)}` }), { child: i, parent: i })],
    ['a forged parent with the fee the child used', (s, i) => evidence(s, 'base-fee', child({ baseFeePerGas: '0x0' }), { child: i, parent: i }, { ...parent, baseFeePerGas: '0x1' })],
  ];
  for (const [what, make] of refused) {
    it(`ignores evidence with ${what}`, () => {
      const { net, index, sequencer } = network();
      const other = STAKES.findIndex((_, candidate) => candidate !== index);
      net.observers[0]!.evidence = [make(sequencer, index, other)];
      net.blocks(3);
      expect(net.state.slashes).toHaveLength(0);
    });
  }

  it('travels in vote extensions through the strict schema, and malformed headers are refused', () => {
    const { index, sequencer } = network();
    const item = evidence(sequencer, 'base-fee', child({ baseFeePerGas: '0x0' }), { child: index, parent: index });
    const extension = { ...emptyVoteExtension(), evidence: [item] };
    expect(decodeVoteExtension(encodeVoteExtension(extension)).evidence).toEqual([item]);
    const bad = { ...item, block: { ...(item as any).block, header: { ...child(), gasLimit: '0x' + 'f'.repeat(17) } } };
    expect(() => decodeVoteExtension(encodeVoteExtension({ ...extension, evidence: [bad as Evidence] }))).toThrow(/rejected/);
  });
});
