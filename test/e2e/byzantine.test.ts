import { JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusClient } from '../../node/consensus/client/client.ts';
import type { Hex } from '../../node/encoding/hex.ts';
import { sequencerKeys } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import { l1Contracts } from '../../node/tools/devnet/l1-bootstrap.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import { SequencerStatus } from '../../node/l1/deploy.ts';
import type { Address } from '../../node/mpc/identity.ts';
import { ByzantineSequencer, type HonestPeer } from './byzantine-sequencer.ts';
import { block, rpc, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';

/**
 * One of the four sequencers turns Byzantine. It holds a real staked key and speaks the real peer protocol; its own
 * honest process is stopped (kill -9: its CometBFT validator goes with it, leaving the other three with > 2/3 of
 * the stake) and the test double takes over its identity: forged heads, blocks with warped headers, a flood of MPC
 * presignature invitations, an oversize frame, and a second seal at a height it produced. The honest hosts keep
 * producing one chain; what it signed is evidence that gets it slashed on L1 by the MPC it tried to flood.
 */

const BATCHER = { maxBatchAgeMs: 3_000, l1Confirmations: 1, pollMs: 500 };
const CHAIN_ID = BigInt(DEVNET_L2_CHAIN_ID);

/** The sequencer whose signer address is lowest: it leads every MPC signing set it is in (and so may invite). */
const byzantineIndex = [0, 1, 2, 3].reduce((lowest, index) => (sequencerKeys(index).signer.address.toLowerCase() < sequencerKeys(lowest).signer.address.toLowerCase() ? index : lowest), 0);
/** It holds the most stake (often elected) but under 1/3, so the other three keep consensus going without it. */
const STAKES = [0, 1, 2, 3].map((index) => (index === byzantineIndex ? 40_000 : 30_000));

describe('end to end: a Byzantine sequencer', () => {
  let devnet: E2eDevnet;
  let consensus: ConsensusClient;
  let l1: JsonRpcProvider;
  let byzantine: ByzantineSequencer;
  let culprit: SequencerProcess;
  let honest: SequencerProcess[];
  /** A height the Byzantine sequencer produced honestly before it turned. */
  let producedHeight = 0;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ stakes: STAKES, params: { epochLength: 12, electionLeadBlocks: 4 }, batcher: BATCHER });
    consensus = devnet.consensus();
    l1 = new JsonRpcProvider(devnet.l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    culprit = devnet.sequencers[byzantineIndex]!;
    honest = devnet.sequencers.filter((sequencer) => sequencer !== culprit);
    byzantine = new ByzantineSequencer({ privateKey: sequencerKeys(byzantineIndex).signer.privateKey, chainId: CHAIN_ID });
  }, 240_000);

  afterAll(async () => {
    byzantine?.close();
    l1?.destroy();
    await devnet?.cleanup();
  }, 60_000);

  const peers = (): HonestPeer[] => honest.map((sequencer) => ({ address: sequencer.address as Hex, peerUrl: `ws://127.0.0.1:${sequencer.prepared.ports.peer}`, rpcUrl: sequencer.rpcUrl }));
  const heights = () => Promise.all(honest.map(async (host) => Number(await rpc<string>(host.rpcUrl, 'eth_blockNumber'))));
  async function expectHonestHostsAdvance(what: string): Promise<void> {
    const before = await heights();
    await waitFor(`every honest host past its height ${what}`, async () => (await heights()).every((height, index) => height > before[index]! + 1), 30_000, 200);
    for (const host of honest) expect(host.running, `${host.address} still running ${what}`).toBe(true);
  }

  it('1. elected, it stops producing and instead forges heads, pushes warped blocks and floods presign invitations: the honest hosts replace it and go on', async () => {
    expect(byzantine.address).toBe(culprit.address);
    // Elected, with a block of its own in this epoch on an honest host, and far enough from the epoch's end that
    // the replacement is the attack's doing, not the regular rotation.
    const status = await waitFor(
      'the Byzantine sequencer elected and producing',
      async () => {
        const current = await consensus.status();
        if (current.activeSequencer !== culprit.address) return null;
        const latest = Number(await rpc<string>(honest[0]!.rpcUrl, 'eth_blockNumber'));
        if (latest < current.epoch.firstBlock || latest > current.epoch.lastBlock - 6) return null;
        const head = await block(honest[0]!.rpcUrl, latest);
        return head?.miner.toLowerCase() === culprit.address ? { current, latest } : null;
      },
      240_000,
      100,
    );
    producedHeight = status.latest;

    await culprit.kill();
    await byzantine.connect(peers());
    expect(byzantine.openLinks()).toBe(honest.length);
    byzantine.forgeHeads();
    const next = Math.max(...(await heights())) + 1;
    const parent = (await rpc<{ timestamp: string }>(honest[0]!.rpcUrl, 'eth_getBlockByNumber', [`0x${(next - 1).toString(16)}`, false]))!;
    const warped = [
      await byzantine.pushWarpedBlock(next, { timestamp: `0x${(Number(parent.timestamp) + 3_600).toString(16)}` as Hex }),
      await byzantine.pushWarpedBlock(next, { baseFeePerGas: '0x0' as Hex }),
      await byzantine.pushWarpedBlock(next, { gasLimit: `0x${(2n ** 63n).toString(16)}` as Hex }),
    ];
    const mpc = await consensus.mpc();
    const others = mpc.parties.filter((party) => party !== culprit.address).slice(0, mpc.threshold - 1);
    const invitations = await byzantine.floodPresignInvitations({ dataDir: devnet.dataDir, index: byzantineIndex, count: 2_000, signers: [culprit.address as Address, ...others] });
    expect(invitations).toBe(2_000 * honest.length);

    // Forged heads must not make anyone's verdict "unknown": the silent sequencer is replaced.
    const rotation = await waitFor(
      'the Byzantine sequencer replaced',
      async () => (await consensus.rotations({ from: 0, limit: 100 })).items.find((candidate) => candidate.from === culprit.address && candidate.l2StartBlock > producedHeight),
      60_000,
      200,
    );
    expect(['liveness', 'misbehaviour']).toContain(rotation.reason);
    console.log(`[e2e] byzantine: replaced for ${rotation.reason}; its blocks stop at ${rotation.l2StartBlock - 1}, warped blocks pushed for ${next}`);
    await expectHonestHostsAdvance('after the replacement');
    // No honest host took any warped block.
    for (const host of honest) {
      const stored = await block(host.rpcUrl, next);
      expect(warped).not.toContain(stored!.hash);
      expect(stored!.miner.toLowerCase()).not.toBe(culprit.address);
    }
  }, 360_000);

  it('2. an oversize frame closes only its own link', async () => {
    await byzantine.connect(peers());
    const code = await byzantine.sendOversizeFrame(40 * 1024 * 1024);
    // 1009 (message too big) when the host's close frame arrives first, 1006 when it drops the socket first.
    expect([1006, 1009]).toContain(code);
    await expectHonestHostsAdvance('after the oversize frame');
  }, 120_000);

  it('3. its second seal at a height it produced is evidence: slashed on L1 by the MPC it tried to flood', async () => {
    const validator = (await consensus.validators()).find((candidate) => candidate.address === culprit.address)!;
    const lockingPool = l1Contracts(devnet.addresses, l1).lockingPool;
    const stakeBefore = (await lockingPool.getSequencer(validator.sequencerId)).amount;
    await byzantine.connect(peers());
    await byzantine.equivocate(producedHeight);

    const slash = await waitFor(
      'the slashing session',
      async () => (await consensus.mpc()).sessions.find((session) => session.purpose === 'slash' && session.request.signer === culprit.address && session.status === 'completed'),
      90_000,
      500,
    );
    const record = await waitFor(
      'the slash on L1',
      async () => {
        const seen = await lockingPool.getSequencer(validator.sequencerId);
        return seen.status === SequencerStatus.Slashed ? seen : null;
      },
      60_000,
      500,
    );
    expect(record.amount).toBe(stakeBefore - (stakeBefore * 1_000n) / 10_000n);
    expect(await lockingPool.evidenceUsed(String(slash.request.evidenceHash))).toBe(true);
  }, 240_000);

  it('4. the honest hosts hold one chain, and every one of them is still running', async () => {
    await expectHonestHostsAdvance('at the end');
    const top = Math.min(...(await heights()));
    for (const height of [producedHeight, top]) {
      const hashes = await Promise.all(honest.map(async (host) => (await block(host.rpcUrl, height))!.hash));
      expect(new Set(hashes).size, `block ${height} on every honest host`).toBe(1);
    }
  }, 120_000);
});
