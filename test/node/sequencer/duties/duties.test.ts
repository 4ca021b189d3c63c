import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { keccak256, NonceManager, parseEther, recoverAddress, toUtf8Bytes } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCometKeyMessage } from '../../../../node/consensus/app/transactions.ts';
import type { MpcSessionView } from '../../../../protocol/consensus/query.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../../node/host/engine/native-engine.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys, signerPubkey } from '../../../../node/tools/devnet/accounts.ts';
import { SequencerStatus } from '../../../../node/l1/deploy.ts';
import { appTxSender, MpcAlreadySetError, registerGenesisMpc } from '../../../../node/sequencer/duties/index.ts';
import { waitFor } from '../../consensus/support.ts';
import { testGenesis } from '../../host/harness.ts';
import { EPOCH_LENGTH, JOINER_STAKE, startDutyNet, TIMING, tokenAs, type DutyNet } from './support.ts';

/**
 * The MPC duties end to end on real parts: CometBFT + the ABCI app decide, four (then five, then four) MPC
 * parties on loopback WebSockets act, each checking batches against its own native chain, and the results land
 * on an EDR L1 (BatchChain.appendBatch, LockingPool.submitRewards / slash). One network for the whole file; the
 * steps build on each other in order.
 */
describe('MPC duties of sequencer nodes', () => {
  let net: DutyNet;
  let mpcAddress: string;

  beforeAll(async () => {
    net = await startDutyNet();
  }, 120_000);

  afterAll(async () => {
    await net?.close();
  });

  // On failure, what each host's duties said: the quickest way to see which party did what.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !net) return;
    console.log(JSON.stringify((await sessions().catch(() => [])).slice(-6), null, 1));
    for (const sequencer of net.sequencers) console.log(`--- sequencer ${sequencer.index} (${sequencer.address})\n${sequencer.logs.slice(-40).join('\n')}`);
  });

  const sessions = async () => (await net.clients[0]!.mpc()).sessions;
  const findSession = (what: string, match: (session: MpcSessionView) => boolean, timeoutMs = 60_000) =>
    waitFor(what, async () => (await sessions()).find(match), timeoutMs, 100);
  const validators = () => net.sequencers.slice(0, 4);
  const relayedTxs = async () => {
    let total = 0;
    for (const sequencer of net.sequencers) total += await net.provider.getTransactionCount(sequencer.relayer.address);
    return total;
  };

  it('keygen: every validator runs the DKG the app scheduled; governance then registers the address on L1', async () => {
    mpcAddress = await waitFor('an MPC address in the consensus state', async () => (await net.clients[0]!.status()).mpc.address ?? undefined, 60_000, 100);
    // Every node must have committed the key before a later step sends a request through its own node: CheckTx
    // there refuses signing requests while that node's state still has no key.
    for (const client of net.clients) await waitFor('the MPC address on every node', async () => ((await client.status()).mpc.address === mpcAddress ? true : undefined), 10_000, 50);
    const keygen = (await sessions()).find((session) => session.kind === 'keygen')!;
    expect(keygen).toMatchObject({ status: 'completed', result: { address: mpcAddress } });
    for (const sequencer of validators()) {
      expect(sequencer.mpc.key).toMatchObject({ address: mpcAddress, threshold: 3 });
      expect(sequencer.mpc.key!.parties).toEqual([...keygen.participants]);
      const report = sequencer.duties.reports.find((candidate) => candidate.sessionId === keygen.id);
      expect(report).toMatchObject({ kind: 'keygen', status: 'completed' });
      // Accepted, or too late to matter (the session had already settled on >2/3 of stake).
      expect([0, 6]).toContain(report!.code);
    }
    expect(net.sequencers[4]!.mpc.key).toBeNull();

    const l1 = { url: net.l1.url, lockingPool: net.addresses.lockingPool };
    const owner = devAccount(DEVNET_ROLES.deployer).privateKey;
    expect((await registerGenesisMpc(l1, owner, mpcAddress)).status).toBe('registered');
    expect((await registerGenesisMpc(l1, owner, mpcAddress)).status).toBe('already');
    await expect(registerGenesisMpc(l1, owner, '0x000000000000000000000000000000000000b0b0')).rejects.toBeInstanceOf(MpcAlreadySetError);
    expect((await net.pool.mpcAddress()).toLowerCase()).toBe(mpcAddress);
  });

  it('a batch cut by the real batcher is re-derived by every signer from its own chain, MPC-signed and appended on L1', async () => {
    for (let i = 0; i < 3; i++) await net.produce(2);
    await net.batcher.tick();
    expect(net.batcher.lastError).toBeNull();
    const record = net.batchStore.get(0)!;
    expect(record).toMatchObject({ index: 0, firstBlock: 1, lastBlock: 3, txCount: 6, status: 'submitted' });
    expect(await net.batchChain.batchCount()).toBe(1n);
    const onL1 = await net.batchChain.batches(0);
    expect([onL1.txRoot, onL1.stateRoot, onL1.dataHash]).toEqual([record.txRoot, record.stateRoot, record.dataHash]);

    const session = (await sessions()).find((candidate) => candidate.purpose === 'batch' && String(candidate.request.ref).startsWith('0:'))!;
    const requester = await net.requesterOf(3n);
    expect(session).toMatchObject({ status: 'completed', request: { fromBlock: 1, toBlock: 3, requester: requester.address } });
    expect(recoverAddress(session.request.digest as string, session.result!.signature as string).toLowerCase()).toBe(mpcAddress);
    for (const sequencer of validators()) expect(sequencer.duties.reports.find((report) => report.sessionId === session.id)?.status).toBe('completed');
  });

  it('a signer whose replica holds a different block refuses and says why; the others sign without it', async () => {
    // Sequencer 3's host is on a fork at block 4: same blocks 1..3, then its own block 4.
    const forked = openNativeEngine(join(net.dir, 'fork3'), testGenesis());
    try {
      for (let n = 1n; n <= 3n; n++) expect((await forked.verifyAndApply(net.sequencers[0]!.engine.sealedBlock(n)!)).ok).toBe(true);
      await forked.executeBlock({ number: 4n, timestamp: BigInt(Math.floor(Date.now() / 1000)) + 100n, beneficiary: net.sequencers[3]!.address, gasLimit: 0n }, [await net.transfer(5)]);
      net.sequencers[3]!.replica.current = forked;
      await net.produce(1);
      await net.batcher.tick();
      expect(net.batcher.lastError).toBeNull();
      expect(net.batchStore.get(1)).toMatchObject({ firstBlock: 4, lastBlock: 4, status: 'submitted' });
      expect(await net.batchChain.batchCount()).toBe(2n);
    } finally {
      net.sequencers[3]!.replica.current = net.sequencers[3]!.engine;
    }
    const session = (await sessions()).find((candidate) => candidate.purpose === 'batch' && String(candidate.request.ref).startsWith('1:'))!;
    expect(session.status).toBe('completed');
    const refusal = net.sequencers[3]!.duties.reports.find((report) => report.sessionId === session.id);
    expect(refusal).toMatchObject({ status: 'refused', code: 0 });
    // Its block 4 is not the one the consensus layer attested: refused before any digest is derived.
    expect(refusal!.reason).toMatch(/^replica block 4 is 0x[0-9a-f]{10}…, the consensus safe hash is 0x/);
    // The signers waited for it, then left it out: the fault is named in their reports.
    const signed = net.sequencers[0]!.duties.reports.find((report) => report.sessionId === session.id)!;
    // (sequencer 3 is the one refusing here, so sequencer 0 is among the signers)
    expect(signed.status).toBe('completed');
    expect(signed.reason).toContain(`${net.sequencers[3]!.address} timeout`);
  });

  it('rewards: the closed epoch is signed as the app computed it and paid on L1, relayed by exactly one signer', async () => {
    // Epoch 0 is L2 blocks 1..EPOCH_LENGTH, all produced above; it closes once the next sequencer is elected.
    const rewards = await findSession('a completed rewards session', (session) => session.purpose === 'rewards' && session.status === 'completed');
    expect(rewards.request).toMatchObject({ rewardBatchId: 1, startEpoch: 0, endEpoch: 0, blockCounts: [EPOCH_LENGTH] });
    const [sequencerId] = rewards.request.sequencerIds as number[];
    await waitFor('LockingPool.lastRewardBatchId = 1', async () => (await net.pool.lastRewardBatchId()) === 1n, 30_000, 100);
    const perBlock = await net.pool.rewardPerBlock();
    expect((await net.pool.getSequencer(sequencerId!)).reward).toBe(BigInt(EPOCH_LENGTH) * perBlock);
    // Past every fallback relayer's delay: they found it on L1 and sent nothing.
    await new Promise((resolve) => setTimeout(resolve, TIMING.relayFallbackMs! * 3 + 1_500));
    expect(await relayedTxs()).toBe(1);
  });

  it('a fifth sequencer locks stake and registers: the key is reshared to five under the same address, and the five sign', async () => {
    const joiner = sequencerKeys(4);
    const owner = new NonceManager(joiner.owner.connect(net.provider));
    const stake = parseEther(String(JOINER_STAKE));
    await (await tokenAs(net, owner).approve(net.addresses.lockingPool, stake)).wait();
    await (await net.pool.connect(owner).lockFor(joiner.signer.address, stake, signerPubkey(joiner.signer))).wait();
    const address = joiner.signer.address.toLowerCase();
    await waitFor('the joiner in the validator list', async () => (await net.clients[0]!.validators()).some((validator) => validator.address === address), 30_000, 100);
    const secret = randomBytes(32);
    const pubKey = Buffer.from(ed25519.getPublicKey(secret)).toString('base64');
    const proof = Buffer.from(ed25519.sign(new TextEncoder().encode(registerCometKeyMessage(net.localnet.chainId, address as Hex)), secret)).toString('base64');
    const verdict = await appTxSender({ consensus: net.clients[0]!, key: joiner.signer.privateKey as Hex })('register-comet-key', { pubKey, proof });
    expect(verdict).toMatchObject({ code: 0 });

    const reshare = await findSession('a completed reshare', (session) => session.kind === 'reshare' && session.status === 'completed');
    expect(reshare.participants).toHaveLength(5);
    expect(reshare.request).toMatchObject({ oldThreshold: 3, newThreshold: 4 });
    const status = await net.clients[0]!.status();
    expect(status.mpc).toMatchObject({ address: mpcAddress, threshold: 4 });
    expect(status.mpc.parties).toHaveLength(5);
    for (const sequencer of net.sequencers) {
      expect(sequencer.mpc.key).toMatchObject({ address: mpcAddress, threshold: 4 });
      expect(sequencer.mpc.key!.parties).toHaveLength(5);
    }

    await net.produce(1);
    await net.batcher.tick();
    expect(net.batcher.lastError).toBeNull();
    expect(await net.batchChain.batchCount()).toBe(3n);
    const session = (await sessions()).find((candidate) => candidate.purpose === 'batch' && String(candidate.request.ref).startsWith('2:'))!;
    expect(session).toMatchObject({ status: 'completed' });
    expect(net.sequencers[4]!.duties.reports.find((report) => report.sessionId === session.id)?.status).toBe('completed');
  });

  it('a batch request no replica backs is refused by every signer; the requester is slashed on L1 by the MPC and reshared out', async () => {
    // The active sequencer asks the MPC to sign a batch its chain does not hold (the app lets only the active
    // sequencer, or the producer of the batch's last block, ask).
    const status = await net.clients[0]!.status();
    const cheat = net.sequencers.find((sequencer) => sequencer.address === status.activeSequencer)!;
    const stake = BigInt((await net.clients[0]!.validators()).find((validator) => validator.address === cheat.address)!.stake);
    const digest = keccak256(toUtf8Bytes('a batch nobody holds'));
    const ref = `7:${digest}`;
    const sent = await appTxSender({ consensus: net.clients[0]!, key: cheat.signerKey })('mpc-sign-request', { purpose: 'batch', ref, fromBlock: 1, toBlock: 2, digest });
    expect(sent.code).toBe(0);
    await findSession('the forged batch refused', (session) => session.purpose === 'batch' && session.request.ref === ref && session.status === 'refused');
    // Every signer checks it against its own chain and refuses, also after the session was already refused (late
    // refusals keep counting as evidence).
    for (const sequencer of net.sequencers) {
      const report = await waitFor(`sequencer ${sequencer.index} refusing`, () =>
        sequencer.duties.reports.find((candidate) => candidate.purpose === 'batch' && candidate.status === 'refused' && candidate.reason.includes('blocks 1..2')),
      );
      expect(report.reason).toMatch(/^replica blocks 1\.\.2 give digest 0x/);
    }

    const slash = await findSession('a completed slash session', (session) => session.purpose === 'slash' && session.status === 'completed');
    const [cheatId] = await net.pool.getSequencerBySigner(cheat.address);
    expect(slash.request).toMatchObject({ sequencerId: Number(cheatId), signer: cheat.address, reason: 'invalid-batch', amount: (stake / 10n).toString() });
    await waitFor('the evidence used on L1', () => net.pool.evidenceUsed(slash.request.evidenceHash as string), 30_000, 100);
    const slashed = await net.pool.getSequencer(cheatId);
    expect(slashed.status).toBe(SequencerStatus.Slashed);
    expect(slashed.amount).toBe(stake - stake / 10n);

    // Slashed stake leaves the active set: the key moves to the other four, under the same address.
    const exit = await findSession('the exit reshare', (session) => session.kind === 'reshare' && session.status === 'completed' && !(session.request.newParties as string[]).includes(cheat.address));
    expect(exit.request).toMatchObject({ oldThreshold: 4, newThreshold: 3 });
    // The leaver deletes its share when it runs its part (the others may have finished first).
    await waitFor('the cheat retiring its share', () => cheat.mpc.key === null, 20_000, 100);
    for (const sequencer of net.sequencers.filter((candidate) => candidate !== cheat)) {
      expect(sequencer.mpc.key).toMatchObject({ address: mpcAddress, threshold: 3 });
      expect(sequencer.mpc.key!.parties).not.toContain(cheat.address);
    }
    expect((await net.clients[0]!.status()).mpc.address).toBe(mpcAddress);
    // The cheat was the active sequencer: its epoch was cut, and that epoch's rewards are due as well. Every
    // completed rewards and slash session is on L1, each relayed by exactly one signer.
    const all = await sessions();
    const rewards = all.filter((session) => session.purpose === 'rewards' && session.status === 'completed');
    expect(rewards.map((session) => session.request.rewardBatchId)).toEqual([1, 2]);
    await waitFor('LockingPool.lastRewardBatchId = 2', async () => (await net.pool.lastRewardBatchId()) === 2n, 30_000, 100);
    await new Promise((resolve) => setTimeout(resolve, TIMING.relayFallbackMs! * 4 + 1_500));
    expect(await relayedTxs()).toBe(rewards.length + all.filter((session) => session.purpose === 'slash' && session.status === 'completed').length);
  });
});
