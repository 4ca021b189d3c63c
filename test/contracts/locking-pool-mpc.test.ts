import { describe, expect, it } from 'vitest';
import {
  MaxUint256,
  TypedDataEncoder,
  Wallet,
  ZeroAddress,
  id,
  parseEther,
  recoverAddress,
  type BaseContractMethod,
  type ContractTransactionResponse,
  type HDNodeWallet,
} from 'ethers';
import {
  SequencerStatus,
  deployContract,
  deployL1,
  type LockingPoolContract,
  type MetisTokenContract,
} from '../../node/l1/deploy.ts';
import {
  SLASH_TYPES,
  SUBMIT_REWARDS_TYPES,
  UPDATE_MPC_TYPES,
  lockingPoolDomain,
  rewardsDigest,
  type RewardsMessage,
  type SlashMessage,
} from '../../node/l1/typed-data.ts';
import {
  eventsOf,
  expectEvent,
  expectRevert,
  increaseTime,
  latestTimestamp,
  malleate,
  send,
  signerKey,
  useChain,
  viaTimelock,
} from './fixture.ts';
import type { OwnerTimelockContract } from '../../node/l1/owner-timelock.ts';

const DAY = 86_400n;
const MIN = parseEther('20000');
const PER_BLOCK = parseEther('0.000761');
const BURN = '0x000000000000000000000000000000000000dEaD';

let token: MetisTokenContract;
let pool: LockingPoolContract;
let poolAddress: string;
let timelock: OwnerTimelockContract;
let gov: HDNodeWallet;
let alice: HDNodeWallet;
let bob: HDNodeWallet;
let relayer: HDNodeWallet;
let mpc: Wallet;
const impostor = new Wallet(id('impostor'));
const nextMpc = new Wallet(id('mpc:next'));

const chain = useChain(async ({ accounts }) => {
  [gov, alice, bob, relayer] = accounts as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet];
  mpc = new Wallet(id('mpc:genesis'), chain.provider);
  await (await gov.sendTransaction({ to: mpc.address, value: parseEther('10') })).wait();
  // A one-second owner delay: owner calls here set the stage, the timelock is tested in locking-pool-governance.test.ts.
  const deployment = await deployL1({ runner: gov, whitelist: [alice.address, bob.address], ownerDelay: 1n });
  token = deployment.token;
  pool = deployment.lockingPool;
  timelock = deployment.timelock;
  poolAddress = deployment.addresses.lockingPool;
  for (const account of [alice, bob, relayer]) {
    await send(token.mint(account.address, parseEther('1000000')));
    await send(token.connect(account).approve(poolAddress, MaxUint256));
  }
  // Two sequencers: 1 (alice) and 2 (bob).
  for (const [owner, label] of [[alice, 'a'], [bob, 'b']] as const) {
    const key = signerKey(label);
    await send(pool.connect(owner).lockFor(key.address, MIN, key.pubkey));
  }
});

const domain = () => lockingPoolDomain(31337n, poolAddress);
const asRelayer = () => pool.connect(relayer);
/** An owner call through the pool's timelock (scheduled, delay passed, executed). */
const owner = (method: string, ...args: unknown[]) => viaTimelock(chain.provider, timelock, pool, method, args);

async function setMpc(): Promise<void> {
  await send(owner('setGenesisMpc', mpc.address));
}

function rewards(overrides: Partial<RewardsMessage> = {}): RewardsMessage {
  return { rewardBatchId: 1n, startEpoch: 0n, endEpoch: 1n, sequencerIds: [1n, 2n], blockCounts: [600n, 400n], ...overrides };
}

async function signRewards(message: RewardsMessage, key: Wallet = mpc): Promise<string> {
  return await key.signTypedData(domain(), SUBMIT_REWARDS_TYPES, message);
}

function submit(message: RewardsMessage, signature: string) {
  const m = message;
  return asRelayer().submitRewards(m.rewardBatchId, m.startEpoch, m.endEpoch, m.sequencerIds, m.blockCounts, signature);
}

async function signSlash(message: SlashMessage, key: Wallet = mpc): Promise<string> {
  return await key.signTypedData(domain(), SLASH_TYPES, message);
}

function slash(message: SlashMessage, signature: string) {
  return asRelayer().slash(message.sequencerId, message.evidenceHash, message.amount, signature);
}

async function expectSolvent(): Promise<void> {
  const owed = (await pool.totalLocked()) + (await pool.totalRewardsOwed()) + (await pool.rewardReserve());
  expect(await token.balanceOf(poolAddress)).toBe(owed);
}

describe('MPC address', () => {
  it('is set once at genesis by governance', async () => {
    await expectRevert(pool.connect(alice).setGenesisMpc(mpc.address), pool, 'OwnableUnauthorizedAccount', [alice.address]);
    await expectRevert(owner('setGenesisMpc', ZeroAddress), pool, 'ZeroAddress', []);
    const receipt = await send(owner('setGenesisMpc', mpc.address));
    expectEvent(receipt, pool, 'MpcUpdated', [ZeroAddress, mpc.address, 0n]);
    expect(await pool.mpcAddress()).toBe(mpc.address);
    expect(await pool.mpcNonce()).toBe(1n);
    await expectRevert(owner('setGenesisMpc', nextMpc.address), pool, 'MpcAlreadySet', [mpc.address]);
  });

  it('is changed directly only by the current MPC address', async () => {
    await expectRevert(pool.connect(alice).updateMpc(nextMpc.address), pool, 'NotMpc', [alice.address]);
    await setMpc();
    await expectRevert(pool.updateMpc(nextMpc.address), pool, 'NotMpc', [gov.address]);
    await expectRevert(pool.connect(mpc).updateMpc(ZeroAddress), pool, 'ZeroAddress', []);
    const receipt = await send(pool.connect(mpc).updateMpc(nextMpc.address));
    expectEvent(receipt, pool, 'MpcUpdated', [mpc.address, nextMpc.address, 1n]);
    expect(await pool.mpcAddress()).toBe(nextMpc.address);
    await expectRevert(pool.connect(mpc).updateMpc(mpc.address), pool, 'NotMpc', [mpc.address]);
  });

  it('is changed by anyone relaying the current MPC signature over (newMpc, nonce), once', async () => {
    const unsigned = await mpc.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: nextMpc.address, nonce: 0n });
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, unsigned), pool, 'MpcNotSet', []);
    await setMpc();
    const nonce = await pool.mpcNonce();
    const signature = await mpc.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: nextMpc.address, nonce });
    const receipt = await send(asRelayer().updateMpcWithSig(nextMpc.address, signature));
    expectEvent(receipt, pool, 'MpcUpdated', [mpc.address, nextMpc.address, nonce]);
    expect(await pool.mpcAddress()).toBe(nextMpc.address);
    // Replaying it fails: the signer is no longer the MPC, and the nonce has moved on.
    const [recovered] = await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, signature), pool, 'InvalidMpcSignature');
    expect(recovered).not.toBe(nextMpc.address);
  });

  it('rejects a signature by another key, for another nonce, for another address, malleated or malformed', async () => {
    await setMpc();
    const nonce = await pool.mpcNonce();
    const byImpostor = await impostor.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: nextMpc.address, nonce });
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, byImpostor), pool, 'InvalidMpcSignature', [
      impostor.address,
      mpc.address,
    ]);
    const staleNonce = await mpc.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: nextMpc.address, nonce: nonce - 1n });
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, staleNonce), pool, 'InvalidMpcSignature');
    const good = await mpc.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: nextMpc.address, nonce });
    await expectRevert(asRelayer().updateMpcWithSig(impostor.address, good), pool, 'InvalidMpcSignature');
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, malleate(good)), pool, 'ECDSAInvalidSignatureS');
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, good.slice(0, 130)), pool, 'ECDSAInvalidSignatureLength', [64n]);
    const zeroR = `0x${'00'.repeat(64)}1b`;
    await expectRevert(asRelayer().updateMpcWithSig(nextMpc.address, zeroR), pool, 'ECDSAInvalidSignature', []);
    const toZero = await mpc.signTypedData(domain(), UPDATE_MPC_TYPES, { newMpc: ZeroAddress, nonce });
    await expectRevert(asRelayer().updateMpcWithSig(ZeroAddress, toZero), pool, 'ZeroAddress', []);
  });

  it('publishes its EIP-712 domain', async () => {
    const separator = TypedDataEncoder.hashDomain(domain());
    expect(await pool.DOMAIN_SEPARATOR()).toBe(separator);
    const fields = await pool.getFunction('eip712Domain').staticCall();
    expect([fields[1], fields[2], fields[3], fields[4]]).toEqual(['LockingPool', '1', 31337n, poolAddress]);
  });
});

describe('rewards', () => {
  it('are funded by anyone into the reserve', async () => {
    await expectRevert(asRelayer().fundRewards(0n), pool, 'ZeroAmount', []);
    const receipt = await send(asRelayer().fundRewards(parseEther('10')));
    expectEvent(receipt, pool, 'RewardsFunded', [relayer.address, parseEther('10')]);
    expectEvent(receipt, token, 'Transfer', [relayer.address, poolAddress, parseEther('10')]);
    expect(await pool.rewardReserve()).toBe(parseEther('10'));
    await expectSolvent();
  });

  it('accrue per block from an MPC-signed submission relayed by anyone', async () => {
    await setMpc();
    await send(asRelayer().fundRewards(parseEther('10')));
    const message = rewards();
    const signature = await signRewards(message);
    // rewardsDigest is the hash a threshold signer signs: it recovers to the MPC address.
    expect(recoverAddress(rewardsDigest(domain(), message), signature)).toBe(mpc.address);

    const receipt = await send(submit(message, signature));
    const accrued = eventsOf(receipt, pool, 'RewardAccrued').map((e) => e.args.toArray());
    expect(accrued).toEqual([
      [1n, 1n, 600n, 600n * PER_BLOCK],
      [2n, 1n, 400n, 400n * PER_BLOCK],
    ]);
    expectEvent(receipt, pool, 'RewardsSubmitted', [1n, 0n, 1n, 1000n, 1000n * PER_BLOCK]);
    expect((await pool.getSequencer(1n)).reward).toBe(600n * PER_BLOCK);
    expect((await pool.getSequencer(2n)).reward).toBe(400n * PER_BLOCK);
    expect(await pool.rewardReserve()).toBe(parseEther('10') - 1000n * PER_BLOCK);
    expect(await pool.totalRewardsOwed()).toBe(1000n * PER_BLOCK);
    expect(await pool.lastRewardBatchId()).toBe(1n);
    expect(await pool.nextRewardEpoch()).toBe(2n);
    await expectSolvent();

    // The next batch continues at id 2 and epoch 2, at the reward per block of the moment.
    await send(owner('updateBlockReward', 1n));
    const next = rewards({ rewardBatchId: 2n, startEpoch: 2n, endEpoch: 2n, sequencerIds: [2n], blockCounts: [5n] });
    expectEvent(await send(submit(next, await signRewards(next))), pool, 'RewardsSubmitted', [2n, 2n, 2n, 5n, 5n]);
    expect((await pool.getSequencer(2n)).reward).toBe(400n * PER_BLOCK + 5n);
  });

  it('reject a replayed or skipped batch id', async () => {
    await setMpc();
    await send(asRelayer().fundRewards(parseEther('10')));
    const first = rewards();
    const signature = await signRewards(first);
    await send(submit(first, signature));
    await expectRevert(submit(first, signature), pool, 'InvalidRewardBatchId', [2n, 1n]);
    const skipped = rewards({ rewardBatchId: 3n, startEpoch: 2n, endEpoch: 3n });
    await expectRevert(submit(skipped, await signRewards(skipped)), pool, 'InvalidRewardBatchId', [2n, 3n]);
  });

  it('reject non-contiguous or inverted epoch ranges', async () => {
    await setMpc();
    await send(asRelayer().fundRewards(parseEther('10')));
    const gapFromGenesis = rewards({ startEpoch: 1n, endEpoch: 2n });
    await expectRevert(submit(gapFromGenesis, await signRewards(gapFromGenesis)), pool, 'NonContiguousEpochs', [0n, 1n]);
    await send(submit(rewards(), await signRewards(rewards())));
    const gap = rewards({ rewardBatchId: 2n, startEpoch: 3n, endEpoch: 4n });
    await expectRevert(submit(gap, await signRewards(gap)), pool, 'NonContiguousEpochs', [2n, 3n]);
    const overlap = rewards({ rewardBatchId: 2n, startEpoch: 1n, endEpoch: 4n });
    await expectRevert(submit(overlap, await signRewards(overlap)), pool, 'NonContiguousEpochs', [2n, 1n]);
    const inverted = rewards({ rewardBatchId: 2n, startEpoch: 2n, endEpoch: 1n });
    await expectRevert(submit(inverted, await signRewards(inverted)), pool, 'InvalidEpochRange', [2n, 1n]);
  });

  it('reject mismatched arrays, unknown sequencers and a short reserve', async () => {
    await setMpc();
    const mismatch = rewards({ blockCounts: [1n] });
    await expectRevert(submit(mismatch, await signRewards(mismatch)), pool, 'LengthMismatch', [2n, 1n]);
    for (const unknown of [0n, 3n]) {
      const message = rewards({ sequencerIds: [1n, unknown] });
      await expectRevert(submit(message, await signRewards(message)), pool, 'UnknownSequencer', [unknown]);
    }
    await send(asRelayer().fundRewards(999n * PER_BLOCK));
    await expectRevert(submit(rewards(), await signRewards(rewards())), pool, 'InsufficientRewardReserve', [
      1000n * PER_BLOCK,
      999n * PER_BLOCK,
    ]);
  });

  it('reject a signature by another key, over other numbers, before genesis, or while paused', async () => {
    await send(asRelayer().fundRewards(parseEther('10')));
    await expectRevert(submit(rewards(), await signRewards(rewards())), pool, 'MpcNotSet', []);
    await setMpc();
    await expectRevert(submit(rewards(), await signRewards(rewards(), impostor)), pool, 'InvalidMpcSignature', [
      impostor.address,
      mpc.address,
    ]);
    const tampered = rewards({ blockCounts: [600n, 401n] });
    await expectRevert(submit(tampered, await signRewards(rewards())), pool, 'InvalidMpcSignature');
    await expectRevert(submit(rewards(), malleate(await signRewards(rewards()))), pool, 'ECDSAInvalidSignatureS');
    await send(owner('setPause'));
    await expectRevert(submit(rewards(), await signRewards(rewards())), pool, 'EnforcedPause', []);
  });

  it('accept an epoch range without blocks, which still advances the ids', async () => {
    await setMpc();
    const empty = rewards({ endEpoch: 0n, sequencerIds: [], blockCounts: [] });
    expectEvent(await send(submit(empty, await signRewards(empty))), pool, 'RewardsSubmitted', [1n, 0n, 0n, 0n, 0n]);
    expect(await pool.nextRewardEpoch()).toBe(1n);
  });

  it('stop verifying under a rotated MPC: the old key no longer signs', async () => {
    await setMpc();
    await send(asRelayer().fundRewards(parseEther('10')));
    await send(pool.connect(mpc).updateMpc(nextMpc.address));
    await expectRevert(submit(rewards(), await signRewards(rewards())), pool, 'InvalidMpcSignature', [mpc.address, nextMpc.address]);
    await send(submit(rewards(), await signRewards(rewards(), nextMpc)));
  });

  describe('withdrawRewards and relock with rewards', () => {
    async function accrue(): Promise<void> {
      await setMpc();
      await send(asRelayer().fundRewards(parseEther('10')));
      await send(submit(rewards(), await signRewards(rewards())));
    }

    it('pays the owner, then nothing more', async () => {
      await accrue();
      const amount = 600n * PER_BLOCK;
      const receipt = await send(pool.connect(alice).withdrawRewards(1n));
      expectEvent(receipt, pool, 'RewardsClaimed', [1n, alice.address, amount]);
      expectEvent(receipt, token, 'Transfer', [poolAddress, alice.address, amount]);
      expect((await pool.getSequencer(1n)).reward).toBe(0n);
      expect(await pool.totalRewardsOwed()).toBe(400n * PER_BLOCK);
      await expectSolvent();
      await expectRevert(pool.connect(alice).withdrawRewards(1n), pool, 'NoRewards', [1n]);
    });

    it('pays the reward recipient, also after the stake was claimed', async () => {
      await accrue();
      await send(pool.connect(bob).setSequencerRewardRecipient(2n, relayer.address));
      await send(pool.connect(bob).unlock(2n));
      await increaseTime(chain.provider, 21n * DAY);
      await send(pool.connect(bob).unlockClaim(2n));
      const receipt = await send(pool.connect(bob).withdrawRewards(2n));
      expectEvent(receipt, pool, 'RewardsClaimed', [2n, relayer.address, 400n * PER_BLOCK]);
      await expectSolvent();
    });

    it('rejects strangers and the pause', async () => {
      await accrue();
      await expectRevert(pool.connect(bob).withdrawRewards(1n), pool, 'NotSequencerOwner', [1n, bob.address]);
      await send(owner('setPause'));
      await expectRevert(pool.connect(alice).withdrawRewards(1n), pool, 'EnforcedPause', []);
    });

    it('relock can turn rewards into stake, without a token transfer', async () => {
      await accrue();
      const reward = 600n * PER_BLOCK;
      const receipt = await send(pool.connect(alice).relock(1n, 0n, true));
      expectEvent(receipt, pool, 'Relocked', [1n, 0n, reward, MIN + reward]);
      expect(eventsOf(receipt, token, 'Transfer')).toHaveLength(0);
      const seq = await pool.getSequencer(1n);
      expect([seq.amount, seq.reward]).toEqual([MIN + reward, 0n]);
      expect(await pool.totalActiveStake()).toBe(2n * MIN + reward);
      await expectSolvent();
    });

    it('relock with rewards still respects maxLock', async () => {
      await accrue();
      const max = await pool.maxLock();
      await expectRevert(pool.connect(alice).relock(1n, max - MIN, true), pool, 'AboveMaxLock', [max + 600n * PER_BLOCK, max]);
    });
  });
});

describe('slashing', () => {
  const evidence = id('double-signed block 42');
  const report = (overrides: Partial<SlashMessage> = {}): SlashMessage => ({
    sequencerId: 1n,
    evidenceHash: evidence,
    amount: parseEther('5000'),
    ...overrides,
  });

  it('takes the stake on an MPC-signed report, removes the sequencer and burns the amount', async () => {
    await setMpc();
    const message = report();
    const receipt = await send(slash(message, await signSlash(message)));
    const remaining = MIN - parseEther('5000');
    expectEvent(receipt, pool, 'Slashed', [1n, evidence, parseEther('5000'), remaining, BURN]);
    expectEvent(receipt, token, 'Transfer', [poolAddress, BURN, parseEther('5000')]);
    const seq = await pool.getSequencer(1n);
    expect([seq.status, seq.amount]).toEqual([SequencerStatus.Slashed, remaining]);
    expect(seq.unlockClaimTime).toBe((await latestTimestamp(chain.provider)) + 21n * DAY);
    expect((await pool.activeSequencers()).map((row) => row.id)).toEqual([2n]);
    expect(await pool.totalActiveStake()).toBe(MIN);
    expect(await pool.totalLocked()).toBe(MIN + remaining);
    expect(await pool.totalSlashed()).toBe(parseEther('5000'));
    expect(await pool.evidenceUsed(evidence)).toBe(true);
    await expectSolvent();
  });

  it('never slashes twice on the same evidence', async () => {
    await setMpc();
    await send(slash(report(), await signSlash(report())));
    await expectRevert(slash(report(), await signSlash(report())), pool, 'EvidenceAlreadyUsed', [evidence]);
    const onBob = report({ sequencerId: 2n });
    await expectRevert(slash(onBob, await signSlash(onBob)), pool, 'EvidenceAlreadyUsed', [evidence]);
  });

  it('caps at the stake, then has nothing left to slash', async () => {
    await setMpc();
    const all = report({ amount: MIN * 10n });
    expectEvent(await send(slash(all, await signSlash(all))), pool, 'Slashed', [1n, evidence, MIN, 0n, BURN]);
    const again = report({ evidenceHash: id('other evidence') });
    await expectRevert(slash(again, await signSlash(again)), pool, 'NothingToSlash', [1n]);
  });

  it('reaches stake withdrawn shortly before: the pending withdrawal is slashed after the stake, and waits again', async () => {
    await setMpc();
    await send(pool.connect(alice).relock(1n, parseEther('10000'), false));
    await send(pool.connect(alice).withdraw(1n, parseEther('10000')));
    const all = report({ amount: parseEther('25000') });
    const receipt = await send(slash(all, await signSlash(all)));
    // 20,000 from the stake, 5,000 of the 10,000 pending; the event reports the stake left (0).
    expectEvent(receipt, pool, 'Slashed', [1n, evidence, parseEther('25000'), 0n, BURN]);
    const pending = await pool.pendingWithdrawals(1n);
    expect(pending.amount).toBe(parseEther('5000'));
    expect(pending.claimTime).toBe((await latestTimestamp(chain.provider)) + 21n * DAY);
    expect(await pool.totalLocked()).toBe(MIN + parseEther('5000'));
    await expectSolvent();
    await increaseTime(chain.provider, 21n * DAY);
    await send(pool.connect(alice).withdrawClaim(1n));
    await expectSolvent();
  });

  it('reaches an unlocking sequencer and restarts its exit delay', async () => {
    await setMpc();
    await send(pool.connect(alice).unlock(1n));
    await increaseTime(chain.provider, 20n * DAY);
    await send(slash(report(), await signSlash(report())));
    const seq = await pool.getSequencer(1n);
    expect(seq.status).toBe(SequencerStatus.Slashed);
    expect(seq.unlockClaimTime).toBe((await latestTimestamp(chain.provider)) + 21n * DAY);
    expect(await pool.totalActiveStake()).toBe(MIN);
    // A second report on the slashed sequencer takes more of what is left.
    const second = report({ evidenceHash: id('second offence') });
    await send(slash(second, await signSlash(second)));
    expect((await pool.getSequencer(1n)).amount).toBe(MIN - parseEther('10000'));
  });

  it('leaves the owner only the exit: the rest is claimable after the delay', async () => {
    await setMpc();
    await send(slash(report(), await signSlash(report())));
    const p = pool.connect(alice);
    await expectRevert(p.unlock(1n), pool, 'InvalidStatus', [1n, SequencerStatus.Slashed]);
    await expectRevert(p.relock(1n, 1n, false), pool, 'InvalidStatus', [1n, SequencerStatus.Slashed]);
    const claimTime = (await pool.getSequencer(1n)).unlockClaimTime;
    await expectRevert(p.unlockClaim(1n), pool, 'UnlockNotReady', [1n, claimTime]);
    await increaseTime(chain.provider, 21n * DAY);
    const remaining = MIN - parseEther('5000');
    expectEvent(await send(p.unlockClaim(1n)), pool, 'Unlocked', [1n, alice.address, remaining]);
    expect((await pool.getSequencer(1n)).status).toBe(SequencerStatus.Unlocked);
    const again = report({ evidenceHash: id('late evidence') });
    await expectRevert(slash(again, await signSlash(again)), pool, 'InvalidStatus', [1n, SequencerStatus.Unlocked]);
    await expectSolvent();
  });

  it('sends the stake to the configured recipient', async () => {
    await setMpc();
    await send(owner('setSlashRecipient', relayer.address));
    const before = await token.balanceOf(relayer.address);
    expectEvent(await send(slash(report(), await signSlash(report()))), pool, 'Slashed', [
      1n,
      evidence,
      parseEther('5000'),
      MIN - parseEther('5000'),
      relayer.address,
    ]);
    expect(await token.balanceOf(relayer.address)).toBe(before + parseEther('5000'));
  });

  it('rejects unknown sequencers, zero amounts, bad signatures, no MPC and the pause', async () => {
    await expectRevert(slash(report(), await signSlash(report())), pool, 'MpcNotSet', []);
    await setMpc();
    const unknown = report({ sequencerId: 9n });
    await expectRevert(slash(unknown, await signSlash(unknown)), pool, 'UnknownSequencer', [9n]);
    const zero = report({ amount: 0n });
    await expectRevert(slash(zero, await signSlash(zero)), pool, 'ZeroAmount', []);
    await expectRevert(slash(report(), await signSlash(report(), impostor)), pool, 'InvalidMpcSignature', [impostor.address, mpc.address]);
    const signedSmall = await signSlash(report());
    await expectRevert(slash(report({ amount: MIN }), signedSmall), pool, 'InvalidMpcSignature');
    await expectRevert(slash(report({ sequencerId: 2n }), signedSmall), pool, 'InvalidMpcSignature');
    await expectRevert(slash(report(), malleate(signedSmall)), pool, 'ECDSAInvalidSignatureS');
    await send(owner('setPause'));
    await expectRevert(slash(report(), signedSmall), pool, 'EnforcedPause', []);
  });
});

describe('reentrancy guard', () => {
  it('stops a token that calls back into the pool while being paid out', async () => {
    type ReentrantToken = MetisTokenContract & { arm: BaseContractMethod<[string, string], void, ContractTransactionResponse> };
    const evil = await deployContract<ReentrantToken>('ReentrantToken', gov);
    const guarded = await deployContract<LockingPoolContract>('LockingPool', gov, [await evil.getAddress(), gov.address, 0n]);
    const guardedAddress = await guarded.getAddress();
    await send(guarded.setWhitelist(alice.address, true));
    await send(guarded.updateWithdrawDelayTimeValue(0n));
    await send(evil.mint(alice.address, MIN * 2n));
    await send(evil.connect(alice).approve(guardedAddress, MaxUint256));
    const key = signerKey('evil');
    await send(guarded.connect(alice).lockFor(key.address, MIN, key.pubkey));
    await send(guarded.connect(alice).unlock(1n));

    await send(evil.arm(guardedAddress, guarded.interface.encodeFunctionData('fundRewards', [1n])));
    await expectRevert(guarded.connect(alice).unlockClaim(1n), guarded, 'ReentrantCall', []);
    expect((await guarded.getSequencer(1n)).status).toBe(SequencerStatus.Unlocking);
  });
});
