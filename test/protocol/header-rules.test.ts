import { Wallet, keccak256 } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBlock, sealSigner } from '../../node/identity/block-seal.ts';
import type { SealedBlock } from '../../node/host/engine/engine.ts';
import { headerFieldsOf, headerHash, type HeaderFields } from '../../protocol/header.ts';
import { nextBaseFee, objectiveViolation } from '../../protocol/header-rules.ts';
import { quantity, type Hex } from '../../node/encoding/hex.ts';
import { NodeKey } from '../../node/identity/node-key.ts';
import { decodeVoteExtension, emptyVoteExtension, encodeVoteExtension } from '../../node/consensus/app/extension.ts';
import { EnvelopeSigner } from '../../node/p2p/envelope.ts';
import { HostObserver } from '../../node/sequencer/observer.ts';
import type { PeerEndpoint } from '../../node/p2p/peer-network.ts';
import { toWire } from '../../node/host/sync/wire.ts';
import { dialAsPeer } from '../support/peer-client.ts';
import { freePort } from '../support/ports.ts';
import { hostKey, L2_CHAIN_ID, startTestHost, testGenesis, until, type TestHost } from '../node/host/harness.ts';

// The elected sequencer (key 0) is not running: blocks come only from this test, sealed with its key.
const keys = [0, 1].map(hostKey);
const addresses = keys.map((k) => new Wallet(k).address.toLowerCase() as Hex);
const sequencer = new NodeKey(keys[0]!);
const EMPTY_TRIE = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421' as Hex;
let follower: TestHost;

beforeAll(async () => {
  const ports = await Promise.all(keys.map(() => freePort()));
  const peers: PeerEndpoint[] = addresses.map((address, i) => ({ address, url: `ws://127.0.0.1:${ports[i]}` }));
  // Cancun: an honest empty block keeps its parent's state root only before Prague's EIP-2935 history write.
  follower = await startTestHost({ genesis: { ...testGenesis(), forks: [{ fork: 'cancun', activation: 0 }] }, nodeKey: keys[1], peer: { port: ports[1]!, peers }, sequencer: { mode: 'static', address: addresses[0]! } });
});

afterAll(async () => {
  await follower?.stop();
});

/** An empty block on the follower's head meeting every rule, then `warp` applied; its hash recomputed from the header. */
function emptyChild(warp: Partial<HeaderFields> = {}): { block: SealedBlock; header: HeaderFields } {
  const engine = follower.host.engine;
  const parent = engine.getBlockByNumber(engine.latestNumber())!;
  const header: HeaderFields = {
    ...headerFieldsOf(parent),
    parentHash: parent.hash,
    miner: `0x${'cb'.repeat(20)}`,
    transactionsRoot: EMPTY_TRIE,
    receiptsRoot: EMPTY_TRIE,
    logsBloom: `0x${'00'.repeat(256)}`,
    number: quantity(BigInt(parent.number) + 1n),
    gasUsed: '0x0',
    timestamp: quantity(BigInt(parent.timestamp) + 1n),
    extraData: '0x',
    mixHash: keccak256(parent.hash) as Hex,
    baseFeePerGas: quantity(nextBaseFee(parent)),
    ...warp,
  };
  const env: SealedBlock['env'] = {
    number: BigInt(header.number),
    timestamp: BigInt(header.timestamp),
    beneficiary: header.miner,
    gasLimit: BigInt(header.gasLimit),
    baseFeePerGas: BigInt(header.baseFeePerGas),
    prevrandao: header.mixHash,
  };
  if (header.extraData !== '0x') env.extraData = header.extraData;
  const block = {
    env,
    parentHash: header.parentHash,
    hash: headerHash(header),
    stateRoot: header.stateRoot,
    transactionsRoot: EMPTY_TRIE,
    receiptsRoot: EMPTY_TRIE,
    transactions: [],
    gasUsed: 0n,
    logsBloom: header.logsBloom,
  };
  return { block, header };
}

describe('header rules on a follower (real native re-execution)', () => {
  it('applies an honest empty block whose hash TypeScript recomputed from its header', async () => {
    const { block } = emptyChild();
    await pushBlock(block);
    await until(() => follower.host.heads.latest === 1n, 'the honest block');
    expect(follower.host.engine.getBlockByNumber(1n)!.hash).toBe(block.hash);
  });

  const parentOf = () => follower.host.engine.getBlockByNumber(follower.host.engine.latestNumber())!;
  const warps: [string, () => Partial<HeaderFields>][] = [
    ['timestamp-before-parent', () => ({ timestamp: quantity(BigInt(parentOf().timestamp) - 1n) })],
    ['timestamp-in-future', () => ({ timestamp: quantity(BigInt(Math.floor(Date.now() / 1000)) + 3600n) })],
    ['gas-limit-step', () => ({ gasLimit: quantity(1n << 63n) })],
    ['gas-limit-step', () => ({ gasLimit: quantity(BigInt(parentOf().gasLimit) + BigInt(parentOf().gasLimit) / 1024n) })],
    ['base-fee', () => ({ baseFeePerGas: '0x0' })],
    ['base-fee', () => ({ baseFeePerGas: quantity(1n << 62n) })],
    ['prevrandao', () => ({ mixHash: `0x${'77'.repeat(32)}` })],
    ['extra-data', () => ({ extraData: `0x${'ee'.repeat(33)}` })],
  ];
  for (const [rule, warp] of warps) {
    it(`refuses a block sealed by the elected sequencer that breaks ${rule}`, async () => {
      const { host } = follower;
      // Every timestamp is from 1970 but one: the local clock must not be what refuses them.
      const { block, header } = emptyChild(warp());
      const parent = host.engine.getBlockByNumber(host.engine.latestNumber())!;
      // The consensus app's TypeScript rules name the same objective rule the native chain refuses for.
      expect(objectiveViolation(headerFieldsOf(parent), parent.hash, header)).toBe(rule === 'timestamp-in-future' ? null : rule);
      const direct = await host.engine.verifyAndApply(block, Date.now());
      expect(direct).toMatchObject({ ok: false, reason: expect.stringContaining(`InvalidHeader: header rule ${rule}:`) });
      const before = { latest: host.heads.latest, refused: host.replicator.refused };
      await pushBlock(block);
      await until(() => host.replicator.refused > before.refused, 'the refusal');
      expect(host.heads.latest).toBe(before.latest);
    });
  }

  it('kept the first objectively bad header at height 2 as bad-header evidence, and nothing for the future one', async () => {
    const { host } = follower;
    const count = host.evidence.list().length;
    const refusedBefore = host.replicator.refused;
    await pushBlock(emptyChild({ timestamp: quantity(BigInt(Math.floor(Date.now() / 1000)) + 3600n) }).block);
    await until(() => host.replicator.refused > refusedBefore, 'the refusal');
    expect(host.evidence.list()).toHaveLength(count);
    const evidence = host.evidence.list().find((e) => e.kind === 'bad-header');
    if (evidence?.kind !== 'bad-header') throw new Error('no bad-header evidence kept');
    const parent = host.engine.getBlockByNumber(1n)!;
    const { header } = emptyChild({ timestamp: quantity(BigInt(parent.timestamp) - 1n) });
    expect(evidence).toMatchObject({ sequencer: addresses[0], l2Block: 2, rule: 'timestamp-before-parent', block: { header }, parent: { header: headerFieldsOf(parent) } });
    expect(headerHash(evidence.parent.header)).toBe(parent.hash);
    expect(sealSigner(L2_CHAIN_ID, 2n, headerHash(evidence.block.header), evidence.block.seal)).toBe(addresses[0]);
  });

  it('offers the kept evidence to its validator in a vote extension the strict schema accepts', () => {
    const observer = new HostObserver({ l1: { l1Events: () => null }, punished: () => new Set() });
    observer.attach(follower.host);
    try {
      const offered = observer.misbehaviour().filter((e) => e.kind === 'bad-header');
      expect(offered).toMatchObject([{ kind: 'bad-header', sequencer: addresses[0], l2Block: 2, rule: 'timestamp-before-parent' }]);
      const decoded = decodeVoteExtension(encodeVoteExtension({ ...emptyVoteExtension(), evidence: offered }));
      expect(decoded.evidence).toEqual(offered);
      const punished = new HostObserver({ l1: { l1Events: () => null }, punished: () => new Set([`${addresses[0]}:2`]) });
      punished.attach(follower.host);
      expect(punished.misbehaviour().filter((e) => e.kind === 'bad-header')).toEqual([]);
      punished.close();
    } finally {
      observer.close();
    }
  });

  it('takes the local clock from its caller: a timestamp 20 s ahead passes once the clock catches up', async () => {
    const { block } = emptyChild({ timestamp: '0x100000' });
    const at = 0x100000 * 1000;
    expect(await follower.host.engine.verifyAndApply(block, at - 20_000)).toMatchObject({ ok: false, reason: expect.stringContaining('timestamp-in-future') });
    expect(await follower.host.engine.verifyAndApply(block, at - 10_000)).toMatchObject({ ok: true });
  });
});

describe('header rules on a producer', () => {
  it('moves the gas limit toward its configured target by one allowed step a block', async () => {
    const producer = await startTestHost({ producer: { blockTimeMs: 20, emptyBlockIntervalMs: 20, gasLimit: 120_000_000 } as never });
    try {
      const { engine, heads } = producer.host;
      await until(() => heads.latest >= 3n, 'three empty blocks');
      let parentLimit = BigInt(engine.getBlockByNumber(0n)!.gasLimit);
      for (let number = 1n; number <= 3n; number++) {
        const limit = BigInt(engine.getBlockByNumber(number)!.gasLimit);
        expect(limit).toBe(parentLimit + parentLimit / 1024n - 1n);
        parentLimit = limit;
      }
    } finally {
      await producer.stop();
    }
  });
});

/** Speaks on the follower's peer port as the elected sequencer: the v2 handshake, then one sealed block. */
async function pushBlock(block: SealedBlock): Promise<void> {
  const signer = new EnvelopeSigner(sequencer, L2_CHAIN_ID.toString());
  const link = await dialAsPeer(follower.host.peerUrl, signer, L2_CHAIN_ID.toString(), follower.host.address);
  link.send('blocks', { type: 'block', block: toWire(block), seal: sealBlock(sequencer, L2_CHAIN_ID, block.env.number, block.hash) });
  await new Promise((r) => setTimeout(r, 100));
  link.ws.close();
}
