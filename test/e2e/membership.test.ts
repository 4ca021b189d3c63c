import { join } from 'node:path';
import { Contract, JsonRpcProvider, NonceManager, type InterfaceAbi } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../contracts/artifacts.ts';
import type { ConsensusClient } from '../../node/consensus/client/client.ts';
import { sequencerKeys } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import { lockStake, prepareJoiningSequencer, registerCometKey } from '../../node/tools/devnet/join.ts';
import { l1Contracts } from '../../node/tools/devnet/l1-bootstrap.ts';
import { SequencerStatus } from '../../node/l1/deploy.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import { pushConflictingBlock } from './inject.ts';
import { block, rpc, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';

/**
 * The sequencer set follows stake on L1, and misbehaviour costs stake: a fifth sequencer joins (MPC reshared to it,
 * same address), one leaves (reshared again), rewards for produced blocks are paid on L1 from the MPC-signed
 * reports, and a sequencer that signs two blocks at one height is replaced and slashed on L1.
 */

const BATCHER = { maxBatchAgeMs: 3_000, l1Confirmations: 1, pollMs: 500 };

describe('end to end: sequencers join and leave, rewards, slashing', () => {
  let devnet: E2eDevnet;
  let l1: JsonRpcProvider;
  let consensus: ConsensusClient;
  let mpcAddress: string;
  /** The sequencer that unlocked in 5b (its process is stopped once it has left). */
  let departed: SequencerProcess | null = null;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ params: { epochLength: 12, electionLeadBlocks: 4 }, batcher: BATCHER });
    l1 = new JsonRpcProvider(devnet.l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    consensus = devnet.consensus();
    mpcAddress = devnet.mpcAddress;
  }, 240_000);

  afterAll(async () => {
    l1?.destroy();
    await devnet?.cleanup();
  }, 60_000);

  const lockingPool = () => l1Contracts(devnet.addresses, l1).lockingPool;
  const running = () => devnet.sequencers.filter((sequencer) => sequencer.running);

  /** Waits for a completed reshare to `parties` and checks the key kept its address (in the app and on L1). */
  async function expectResharedTo(parties: string[]): Promise<void> {
    const mpc = await waitFor(
      `MPC reshared to ${parties.length} parties`,
      async () => {
        const view = await consensus.mpc();
        return [...view.parties].sort().join() === [...parties].sort().join() ? view : null;
      },
      90_000,
      500,
    );
    expect(mpc.address).toBe(mpcAddress);
    expect(mpc.threshold).toBe(Math.floor((2 * parties.length) / 3) + 1);
    const reshare = mpc.sessions.filter((session) => session.kind === 'reshare' && session.status === 'completed').at(-1)!;
    expect([...(reshare.request.newParties as string[])].sort()).toEqual([...parties].sort());
    expect(String(reshare.result!.address).toLowerCase()).toBe(mpcAddress);
    expect(((await lockingPool().mpcAddress()) as string).toLowerCase()).toBe(mpcAddress);
    // The reshared key signs: a batch signed by the new holders lands on L1.
    const batchChain = new Contract(devnet.addresses.batchChain, loadArtifact('BatchChain').abi as InterfaceAbi, l1);
    const before = Number(await batchChain.getFunction('batchCount')());
    await waitFor(
      'a batch signed by the new key holders on L1',
      async () => {
        const view = await consensus.mpc();
        const signed = view.sessions.some((session) => session.purpose === 'batch' && session.status === 'completed' && session.participants.length === parties.length && session.id > reshare.id);
        return signed && Number(await batchChain.getFunction('batchCount')()) > before;
      },
      60_000,
      500,
    );
  }

  it('5a. a fifth sequencer locks stake and joins: it becomes a validator, the MPC key is reshared to it, the address stays', async () => {
    const before = await consensus.mpc();
    expect(before.address).toBe(mpcAddress);
    expect(before.parties).toHaveLength(4);

    const id = await lockStake({ l1Url: devnet.l1.url, addresses: devnet.addresses, index: 4, stake: 30_000 });
    const prepared = await prepareJoiningSequencer({ dataDir: devnet.dataDir, l1Url: devnet.l1.url, addresses: devnet.addresses, index: 4, ports: devnet.hostPorts, batcher: BATCHER });
    const signer = prepared.address;
    await waitFor('the Locked event in the consensus state', async () => (await consensus.validators()).some((validator) => validator.address === signer && validator.sequencerId === Number(id)), 60_000, 500);

    const registered = await registerCometKey({ queryUrl: devnet.sequencers[0]!.queryUrl, index: 4, home: join(prepared.dir, 'cometbft'), ports: prepared.ports, chainId: (await consensus.status()).chainId });
    expect(registered.code, registered.log).toBe(0);
    const fifth = devnet.adopt(prepared);
    await fifth.start();

    const validator = await waitFor('the fifth sequencer as an active validator', async () => (await consensus.validators()).find((candidate) => candidate.address === signer && candidate.status === 'active'), 60_000, 500);
    expect(validator.power).toBe(30_000);
    await expectResharedTo([...before.parties, signer]);

    // Its host follows the same chain.
    const reference = devnet.sequencers[0]!;
    const height = Number(await rpc<string>(reference.rpcUrl, 'eth_blockNumber'));
    await waitFor('the fifth host to catch up', async () => Number(await rpc<string>(fifth.rpcUrl, 'eth_blockNumber')) >= height, 60_000, 250);
    expect((await block(fifth.rpcUrl, height))!.hash).toBe((await block(reference.rpcUrl, height))!.hash);
  }, 240_000);

  it('5b. a sequencer unlocks and leaves: it drops out of the validator set and the MPC key is reshared again, same address', async () => {
    const status = await consensus.status();
    const leaving = devnet.sequencers.slice(0, 4).find((sequencer) => sequencer.address !== status.activeSequencer && sequencer.address !== status.nextEpoch?.sequencer)!;
    const keys = sequencerKeys(leaving.index);
    const owner = l1Contracts(devnet.addresses, new NonceManager(keys.owner.connect(l1)));
    const id = await owner.lockingPool.sequencerIdBySigner(keys.signer.address);
    await (await owner.lockingPool.unlock(id)).wait();
    expect((await lockingPool().getSequencer(id)).status).toBe(SequencerStatus.Unlocking);

    await waitFor('the validator to be unlocking', async () => (await consensus.validators()).find((validator) => validator.address === leaving.address)?.status === 'unlocking', 60_000, 500);
    const remaining = (await consensus.validators()).filter((validator) => validator.status === 'active').map((validator) => validator.address);
    expect(remaining).toHaveLength(4);
    expect(remaining).not.toContain(leaving.address);
    await expectResharedTo(remaining);
    // The one that left holds no share of the key any more, and is never elected again.
    const epochs = (await consensus.epochs({ from: 0, limit: 100 })).items;
    const current = (await consensus.status()).epoch.number;
    await waitFor('two more epochs', async () => (await consensus.status()).epoch.number >= current + 2, 60_000, 500);
    const later = (await consensus.epochs({ from: epochs.length, limit: 100 })).items.filter((epoch) => epoch.number > current);
    expect(later.every((epoch) => epoch.sequencer !== leaving.address)).toBe(true);
    departed = leaving;
    await leaving.stop();
    consensus = devnet.consensus();
  }, 300_000);

  it('5c. rewards for the blocks each sequencer produced are paid on L1 from the MPC-signed per-epoch reports', async () => {
    const pool = lockingPool();
    await waitFor('several reward reports on L1', async () => Number(await pool.nextRewardEpoch()) >= 4, 90_000, 500);
    const blockTag = await l1.getBlockNumber();
    const nextEpoch = Number(await pool.nextRewardEpoch({ blockTag }));
    const perBlock = await pool.rewardPerBlock({ blockTag });
    const epochs = (await consensus.epochs({ from: 0, limit: 100 })).items.filter((epoch) => epoch.number < nextEpoch);
    expect(epochs.map((epoch) => epoch.number)).toEqual([...Array(nextEpoch).keys()]);
    const validators = await consensus.validators();
    const expected = new Map<number, bigint>();
    for (const epoch of epochs) {
      const id = validators.find((validator) => validator.address === epoch.sequencer)!.sequencerId;
      expected.set(id, (expected.get(id) ?? 0n) + BigInt(Math.max(0, epoch.lastBlock - epoch.firstBlock + 1)) * perBlock);
    }
    let paid = 0n;
    for (const validator of validators) {
      const reward = (await pool.getSequencer(validator.sequencerId, { blockTag })).reward;
      expect(reward, `reward of sequencer ${validator.sequencerId}`).toBe(expected.get(validator.sequencerId) ?? 0n);
      paid += reward;
    }
    expect(paid).toBeGreaterThan(0n);
  }, 120_000);

  it('6. a sequencer that signs two different blocks at one height is replaced at once and slashed on L1', async () => {
    // Act early in an epoch, so the replacement is the fault's doing and not the regular rotation.
    const status = await waitFor(
      'the start of an epoch',
      async () => {
        const current = await consensus.status();
        const latest = Number(await rpc<string>(running()[0]!.rpcUrl, 'eth_blockNumber'));
        return latest >= current.epoch.firstBlock + 1 && latest <= current.epoch.lastBlock - 7 ? current : null;
      },
      60_000,
      100,
    );
    const culprit = devnet.sequencers.find((sequencer) => sequencer.address === status.activeSequencer)!;
    // The witness reports the proof in its vote extensions, which count only from a validator with stake.
    const active = (await consensus.validators()).filter((validator) => validator.status === 'active').map((validator) => validator.address);
    const witness = running().find((sequencer) => sequencer !== culprit && active.includes(sequencer.address as `0x${string}`))!;
    const number = Number(await rpc<string>(witness.rpcUrl, 'eth_blockNumber'));
    expect((await block(witness.rpcUrl, number))!.miner.toLowerCase()).toBe(culprit.address);
    const validator = (await consensus.validators()).find((candidate) => candidate.address === culprit.address)!;
    const stakeBefore = (await lockingPool().getSequencer(validator.sequencerId)).amount;

    // Relayed to the witness under the identity of the sequencer that left in 5b (see inject.ts for why).
    await pushConflictingBlock({
      sourceRpcUrl: witness.rpcUrl,
      targetPeerUrl: `ws://127.0.0.1:${witness.prepared.ports.peer}`,
      targetAddress: witness.address as `0x${string}`,
      sealKey: sequencerKeys(culprit.index).signer.privateKey,
      relayKey: sequencerKeys(departed!.index).signer.privateKey,
      l2ChainId: BigInt(DEVNET_L2_CHAIN_ID),
      number,
    });

    const rotation = await waitFor(
      'the culprit replaced for misbehaviour',
      async () => (await consensus.rotations({ from: 0, limit: 100 })).items.find((candidate) => candidate.from === culprit.address && candidate.reason === 'misbehaviour'),
      30_000,
      200,
    );
    expect(rotation.to).not.toBe(culprit.address);
    const successor = devnet.sequencers.find((sequencer) => sequencer.address === rotation.to)!;
    // The successor takes over from the cut (the last block >2/3 of stake had attested). A block the culprit sealed
    // above the cut before it stopped is built upon when every host already holds it (the hosts' own safe head),
    // otherwise rewound by the hosts; either way the successor is producing within seconds.
    const first = await waitFor(
      'blocks by the successor',
      async () => {
        const latest = Number(await rpc<string>(witness.rpcUrl, 'eth_blockNumber'));
        for (let height = rotation.l2StartBlock; height <= latest; height++) {
          const header = await block(witness.rpcUrl, height);
          if (header?.miner.toLowerCase() === successor.address) return height;
          if (header?.miner.toLowerCase() !== culprit.address) throw new Error(`block ${height} after the cut was sealed by ${header?.miner}`);
        }
        return null;
      },
      30_000,
      200,
    );
    console.log(`[e2e] misbehaviour: cut after block ${rotation.l2StartBlock - 1}; the successor's first block is ${first} (${first - rotation.l2StartBlock} block(s) of the culprit above the cut)`);

    // The MPC signs LockingPool.slash and a host relays it: stake cut by slashBps (10%), status Slashed.
    const slash = await waitFor(
      'the slashing session',
      async () => (await consensus.mpc()).sessions.find((session) => session.purpose === 'slash' && session.request.signer === culprit.address && session.status === 'completed'),
      60_000,
      500,
    );
    const record = await waitFor('the slash on L1', async () => {
      const seen = await lockingPool().getSequencer(validator.sequencerId);
      return seen.status === SequencerStatus.Slashed ? seen : null;
    }, 60_000, 500);
    expect(record.amount).toBe(stakeBefore - (stakeBefore * 1_000n) / 10_000n);
    expect(await lockingPool().evidenceUsed(String(slash.request.evidenceHash))).toBe(true);

    // The chain went on without a gap or a fork: every running host holds the same blocks.
    const hosts = running();
    const heights = async () => Promise.all(hosts.map(async (host) => Number(await rpc<string>(host.rpcUrl, 'eth_blockNumber'))));
    await waitFor('every host past the successor’s first block', async () => (await heights()).every((height) => height > first), 30_000, 200);
    const top = Math.min(...(await heights()));
    for (const height of [first, top]) {
      const hashes = await Promise.all(hosts.map(async (host) => (await block(host.rpcUrl, height))!.hash));
      expect(new Set(hashes).size, `block ${height} on every host`).toBe(1);
    }
  }, 240_000);
});

