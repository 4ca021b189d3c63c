import { describe, expect, it } from 'vitest';
import { MaxUint256, ZeroAddress, parseEther, type HDNodeWallet } from 'ethers';
import {
  SequencerStatus,
  deployContract,
  deployL1,
  type LockingPoolContract,
  type MetisTokenContract,
} from '../../node/l1/deploy.ts';
import type { OwnerTimelockContract } from '../../node/l1/owner-timelock.ts';
import { eventsOf, expectEvent, expectRevert, increaseTime, latestTimestamp, send, signerKey, useChain, viaTimelock } from './fixture.ts';

const DAY = 86_400n;
const MIN = parseEther('20000');
const MAX = parseEther('100000');

let token: MetisTokenContract;
let pool: LockingPoolContract;
let gov: HDNodeWallet;
let alice: HDNodeWallet;
let bob: HDNodeWallet;
let carol: HDNodeWallet;
let outsider: HDNodeWallet;
let poolAddress: string;
let timelock: OwnerTimelockContract;
/** The floor under the exit delay these tests deploy with. */
const FLOOR = 60n;

const chain = useChain(async ({ accounts }) => {
  [gov, alice, bob, carol, outsider] = accounts as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet];
  // A one-second owner delay: owner calls here test the pool, not the timelock (locking-pool-governance.test.ts).
  const deployment = await deployL1({ runner: gov, whitelist: [alice.address, bob.address, carol.address], ownerDelay: 1n, minExitDelay: FLOOR });
  token = deployment.token;
  pool = deployment.lockingPool;
  timelock = deployment.timelock;
  poolAddress = deployment.addresses.lockingPool;
  for (const account of [alice, bob, carol, outsider]) {
    await send(token.mint(account.address, parseEther('1000000')));
    await send(token.connect(account).approve(poolAddress, MaxUint256));
  }
});

const asAlice = () => pool.connect(alice);
/** An owner call through the pool's timelock (scheduled, delay passed, executed). */
const owner = (method: string, ...args: unknown[]) => viaTimelock(chain.provider, timelock, pool, method, args);

/** Locks `amount` for `owner` with the signer named `label`; returns the new sequencer id. */
async function lock(owner: HDNodeWallet, label: string, amount = MIN): Promise<bigint> {
  const key = signerKey(label);
  const receipt = await send(pool.connect(owner).lockFor(key.address, amount, key.pubkey));
  return eventsOf(receipt, pool, 'Locked')[0]?.args[0] as bigint;
}

describe('LockingPool deployment', () => {
  it('starts with the Metis defaults, logs them, and has no MPC yet', async () => {
    expect(await pool.minLock()).toBe(MIN);
    expect(await pool.maxLock()).toBe(MAX);
    expect(await pool.exitDelay()).toBe(21n * DAY);
    expect(await pool.rewardPerBlock()).toBe(parseEther('0.000761'));
    expect(await pool.signerUpdateThrottle()).toBe(DAY);
    expect(await pool.slashRecipient()).toBe('0x000000000000000000000000000000000000dEaD');
    expect(await pool.owner()).toBe(await timelock.getAddress());
    expect(await pool.minExitDelay()).toBe(FLOOR);
    expect(await pool.token()).toBe(await token.getAddress());
    expect(await pool.mpcAddress()).toBe(ZeroAddress);
    expect(await pool.activeSequencers()).toEqual([]);

    const receipt = await chain.provider.getTransactionReceipt(pool.deploymentTransaction()?.hash ?? '');
    if (!receipt) throw new Error('no deployment receipt');
    expectEvent(receipt, pool, 'MinLockUpdated', [0n, MIN]);
    expectEvent(receipt, pool, 'MaxLockUpdated', [0n, MAX]);
    expectEvent(receipt, pool, 'ExitDelayUpdated', [0n, 21n * DAY]);
    expectEvent(receipt, pool, 'BlockRewardUpdated', [0n, parseEther('0.000761')]);
    expectEvent(receipt, pool, 'SignerUpdateThrottleUpdated', [0n, DAY]);
    expectEvent(receipt, pool, 'SlashRecipientUpdated', [ZeroAddress, '0x000000000000000000000000000000000000dEaD']);
    expectEvent(receipt, pool, 'ExitDelayFloorSet', [FLOOR]);
  });

  it('deployL1 applies its options, including a minLock above the default maxLock', async () => {
    const mpc = signerKey('deploy-mpc').address;
    const custom = await deployL1({
      runner: gov,
      token: await token.getAddress(),
      mpc,
      firstL2Block: 7n,
      whitelist: [outsider.address],
      minLock: parseEther('200000'),
      maxLock: parseEther('500000'),
      exitDelay: 60n,
      minExitDelay: 60n,
      rewardPerBlock: 5n,
      signerUpdateThrottle: 0n,
    });
    const p = custom.lockingPool;
    expect(custom.addresses.token).toBe(await token.getAddress());
    expect(custom.chainId).toBe(31337n);
    expect([await p.minLock(), await p.maxLock(), await p.exitDelay(), await p.rewardPerBlock()]).toEqual([
      parseEther('200000'),
      parseEther('500000'),
      60n,
      5n,
    ]);
    expect(await p.signerUpdateThrottle()).toBe(0n);
    expect(await p.whitelist(outsider.address)).toBe(true);
    expect(await p.mpcAddress()).toBe(mpc);
    expect(await custom.batchChain.firstL2Block()).toBe(7n);
    expect(await custom.batchChain.lockingPool()).toBe(custom.addresses.lockingPool);
    expect(custom.fromBlock).toBeGreaterThan(0);
  });

  it('rejects a zero token address', async () => {
    await expectRevert(deployContract('LockingPool', gov, [ZeroAddress, gov.address, 0n]), pool, 'ZeroAddress', []);
  });
});

describe('MetisToken', () => {
  it('lets its owner mint and nobody else', async () => {
    await send(token.mint(outsider.address, 5n));
    expect(await token.balanceOf(outsider.address)).toBe(parseEther('1000000') + 5n);
    await expectRevert(token.connect(alice).mint(alice.address, 1n), token, 'OwnableUnauthorizedAccount', [alice.address]);
  });
});

describe('lockFor', () => {
  it('registers a sequencer, moves the stake and logs Locked', async () => {
    const key = signerKey('a1');
    const before = await token.balanceOf(alice.address);
    expect(await asAlice().lockFor.staticCall(key.address, MIN, key.pubkey)).toBe(1n);
    const receipt = await send(asAlice().lockFor(key.address, MIN, key.pubkey));
    expectEvent(receipt, pool, 'Locked', [1n, alice.address, key.address, MIN, key.pubkey]);
    expectEvent(receipt, token, 'Transfer', [alice.address, poolAddress, MIN]);

    const seq = await pool.getSequencer(1n);
    expect(seq.amount).toBe(MIN);
    expect(seq.reward).toBe(0n);
    expect(seq.owner).toBe(alice.address);
    expect(seq.status).toBe(SequencerStatus.Active);
    expect(seq.signer).toBe(key.address);
    expect(seq.signerUpdatedAt).toBe(await latestTimestamp(chain.provider));
    expect(seq.rewardRecipient).toBe(ZeroAddress);
    expect(await pool.sequencerIdBySigner(key.address)).toBe(1n);
    expect(await pool.sequencerIdByOwner(alice.address)).toBe(1n);
    expect((await pool.getSequencerBySigner(key.address))[0]).toBe(1n);
    expect((await pool.getSequencerByOwner(alice.address))[1].signer).toBe(key.address);
    expect(await pool.signerUsed(key.address)).toBe(true);
    expect(await pool.sequencerCount()).toBe(1n);
    expect(await pool.totalLocked()).toBe(MIN);
    expect(await pool.totalActiveStake()).toBe(MIN);
    expect(await token.balanceOf(alice.address)).toBe(before - MIN);
    expect(await token.balanceOf(poolAddress)).toBe(MIN);
  });

  it('accepts exactly minLock and exactly maxLock and lists every active sequencer with its stake', async () => {
    await lock(alice, 'a1', MIN);
    await lock(bob, 'b1', MAX);
    const set = await pool.activeSequencers();
    expect(set.map((row) => [row.id, row.signer, row.owner, row.amount])).toEqual([
      [1n, signerKey('a1').address, alice.address, MIN],
      [2n, signerKey('b1').address, bob.address, MAX],
    ]);
    expect(await pool.activeSequencerCount()).toBe(2n);
    expect(await pool.totalActiveStake()).toBe(MIN + MAX);
  });

  it('rejects an amount below minLock or above maxLock', async () => {
    const key = signerKey('a1');
    await expectRevert(asAlice().lockFor(key.address, MIN - 1n, key.pubkey), pool, 'BelowMinLock', [MIN - 1n, MIN]);
    await expectRevert(asAlice().lockFor(key.address, MAX + 1n, key.pubkey), pool, 'AboveMaxLock', [MAX + 1n, MAX]);
  });

  it('rejects an owner that is not whitelisted, or was removed from the whitelist', async () => {
    const key = signerKey('o1');
    await expectRevert(pool.connect(outsider).lockFor(key.address, MIN, key.pubkey), pool, 'NotWhitelisted', [outsider.address]);
    await send(owner('setWhitelist', alice.address, false));
    await expectRevert(asAlice().lockFor(key.address, MIN, key.pubkey), pool, 'NotWhitelisted', [alice.address]);
  });

  it('allows one live sequencer per owner', async () => {
    await lock(alice, 'a1');
    const key = signerKey('a2');
    await expectRevert(asAlice().lockFor(key.address, MIN, key.pubkey), pool, 'OwnerHasSequencer', [alice.address, 1n]);
  });

  it('requires a 64-byte public key that belongs to the signer', async () => {
    const key = signerKey('a1');
    const other = signerKey('other');
    await expectRevert(asAlice().lockFor(key.address, MIN, `0x04${key.pubkey.slice(2)}`), pool, 'InvalidPubkeyLength', [65n]);
    await expectRevert(asAlice().lockFor(key.address, MIN, key.pubkey.slice(0, 66)), pool, 'InvalidPubkeyLength', [32n]);
    await expectRevert(asAlice().lockFor(key.address, MIN, other.pubkey), pool, 'PubkeyMismatch', [key.address, other.address]);
  });

  it('never reuses a signer, even for another owner', async () => {
    await lock(alice, 'a1');
    const key = signerKey('a1');
    await expectRevert(pool.connect(bob).lockFor(key.address, MIN, key.pubkey), pool, 'SignerAlreadyUsed', [key.address]);
  });

  it('bubbles the token error when the allowance is short', async () => {
    await send(token.connect(alice).approve(poolAddress, MIN - 1n));
    const key = signerKey('a1');
    await expectRevert(asAlice().lockFor(key.address, MIN, key.pubkey), token, 'ERC20InsufficientAllowance', [poolAddress, MIN - 1n, MIN]);
  });

  it('is stopped by the pause', async () => {
    await send(owner('setPause'));
    const key = signerKey('a1');
    await expectRevert(asAlice().lockFor(key.address, MIN, key.pubkey), pool, 'EnforcedPause', []);
  });
});

describe('relock', () => {
  it('adds stake up to maxLock and logs Relocked', async () => {
    const id = await lock(alice, 'a1');
    const receipt = await send(asAlice().relock(id, MAX - MIN, false));
    expectEvent(receipt, pool, 'Relocked', [id, MAX - MIN, 0n, MAX]);
    expectEvent(receipt, token, 'Transfer', [alice.address, poolAddress, MAX - MIN]);
    expect((await pool.getSequencer(id)).amount).toBe(MAX);
    expect(await pool.totalLocked()).toBe(MAX);
    expect(await pool.totalActiveStake()).toBe(MAX);
    expect((await pool.activeSequencers())[0]?.amount).toBe(MAX);
  });

  it('never goes above maxLock, also after maxLock was lowered', async () => {
    const id = await lock(alice, 'a1', parseEther('50000'));
    await expectRevert(asAlice().relock(id, parseEther('50001'), false), pool, 'AboveMaxLock', [parseEther('100001'), MAX]);
    await send(owner('setMaxLock', parseEther('40000')));
    await expectRevert(asAlice().relock(id, 1n, false), pool, 'AboveMaxLock', [parseEther('50000') + 1n, parseEther('40000')]);
  });

  it('rejects nothing to add, strangers, unknown ids, inactive sequencers and the pause', async () => {
    const id = await lock(alice, 'a1');
    await expectRevert(asAlice().relock(id, 0n, true), pool, 'ZeroAmount', []);
    await expectRevert(pool.connect(bob).relock(id, 1n, false), pool, 'NotSequencerOwner', [id, bob.address]);
    await expectRevert(asAlice().relock(99n, 1n, false), pool, 'UnknownSequencer', [99n]);
    await send(asAlice().unlock(id));
    await expectRevert(asAlice().relock(id, 1n, false), pool, 'InvalidStatus', [id, SequencerStatus.Unlocking]);
    await send(owner('setPause'));
    await expectRevert(asAlice().relock(id, 1n, false), pool, 'EnforcedPause', []);
  });
});

describe('withdraw and withdrawClaim (part of the stake)', () => {
  it('lowers the stake and the active stake at once; the tokens wait one exit delay, then go to the owner', async () => {
    const id = await lock(alice, 'a1', parseEther('50000'));
    const amount = parseEther('30000');
    const receipt = await send(asAlice().withdraw(id, amount));
    const claimTime = (await latestTimestamp(chain.provider)) + 21n * DAY;
    expectEvent(receipt, pool, 'Withdrawn', [id, alice.address, amount, MIN, claimTime]);
    expect(eventsOf(receipt, token, 'Transfer')).toHaveLength(0);
    expect((await pool.getSequencer(id)).amount).toBe(MIN);
    expect((await pool.activeSequencers())[0]?.amount).toBe(MIN);
    expect(await pool.totalActiveStake()).toBe(MIN);
    expect(await pool.totalLocked()).toBe(parseEther('50000'));
    expect((await pool.pendingWithdrawals(id)).amount).toBe(amount);

    await expectRevert(asAlice().withdrawClaim(id), pool, 'WithdrawalNotReady', [id, claimTime]);
    await increaseTime(chain.provider, 21n * DAY);
    await expectRevert(pool.connect(bob).withdrawClaim(id), pool, 'NotSequencerOwner', [id, bob.address]);
    const before = await token.balanceOf(alice.address);
    const claimed = await send(asAlice().withdrawClaim(id));
    expectEvent(claimed, pool, 'WithdrawalClaimed', [id, alice.address, amount]);
    expect(await token.balanceOf(alice.address)).toBe(before + amount);
    expect(await pool.totalLocked()).toBe(MIN);
    expect((await pool.pendingWithdrawals(id)).amount).toBe(0n);
    await expectRevert(asAlice().withdrawClaim(id), pool, 'NoPendingWithdrawal', [id]);
  });

  it('keeps at least minLock, refuses zero, strangers, inactive sequencers and the pause; changes nothing when refused', async () => {
    const id = await lock(alice, 'a1', parseEther('25000'));
    await expectRevert(asAlice().withdraw(id, parseEther('5000') + 1n), pool, 'BelowMinLock', [MIN - 1n, MIN]);
    await expectRevert(asAlice().withdraw(id, parseEther('30000')), pool, 'BelowMinLock', [0n, MIN]);
    await expectRevert(asAlice().withdraw(id, 0n), pool, 'ZeroAmount', []);
    await expectRevert(pool.connect(bob).withdraw(id, 1n), pool, 'NotSequencerOwner', [id, bob.address]);
    await send(owner('setPause'));
    await expectRevert(asAlice().withdraw(id, 1n), pool, 'EnforcedPause', []);
    await send(owner('setUnpause'));
    expect((await pool.getSequencer(id)).amount).toBe(parseEther('25000'));
    expect((await pool.pendingWithdrawals(id)).amount).toBe(0n);
    await send(asAlice().unlock(id));
    await expectRevert(asAlice().withdraw(id, 1n), pool, 'InvalidStatus', [id, SequencerStatus.Unlocking]);
  });

  it('adds a second withdrawal to the pending one and restarts its delay', async () => {
    const id = await lock(alice, 'a1', parseEther('60000'));
    await send(asAlice().withdraw(id, parseEther('10000')));
    await increaseTime(chain.provider, 10n * DAY);
    await send(asAlice().withdraw(id, parseEther('5000')));
    const pending = await pool.pendingWithdrawals(id);
    expect(pending.amount).toBe(parseEther('15000'));
    expect(pending.claimTime).toBe((await latestTimestamp(chain.provider)) + 21n * DAY);
  });
});

describe('unlock and unlockClaim', () => {
  it('unlock leaves the active set, starts the exit delay and keeps the stake locked', async () => {
    const id = await lock(alice, 'a1');
    const receipt = await send(asAlice().unlock(id));
    const claimTime = (await latestTimestamp(chain.provider)) + 21n * DAY;
    expectEvent(receipt, pool, 'UnlockInit', [id, alice.address, MIN, claimTime, false]);
    const seq = await pool.getSequencer(id);
    expect(seq.status).toBe(SequencerStatus.Unlocking);
    expect(seq.unlockClaimTime).toBe(claimTime);
    expect(await pool.activeSequencers()).toEqual([]);
    expect(await pool.totalActiveStake()).toBe(0n);
    expect(await pool.totalLocked()).toBe(MIN);
    await expectRevert(asAlice().unlock(id), pool, 'InvalidStatus', [id, SequencerStatus.Unlocking]);
    await expectRevert(pool.connect(bob).unlock(id), pool, 'NotSequencerOwner', [id, bob.address]);
  });

  it('refuses the claim before the delay, pays the stake after it, and frees the owner', async () => {
    const id = await lock(alice, 'a1');
    await expectRevert(asAlice().unlockClaim(id), pool, 'InvalidStatus', [id, SequencerStatus.Active]);
    await send(asAlice().unlock(id));
    const claimTime = (await pool.getSequencer(id)).unlockClaimTime;
    await expectRevert(asAlice().unlockClaim(id), pool, 'UnlockNotReady', [id, claimTime]);
    await increaseTime(chain.provider, 21n * DAY - 10n);
    await expectRevert(asAlice().unlockClaim(id), pool, 'UnlockNotReady', [id, claimTime]);
    await increaseTime(chain.provider, 10n);

    const before = await token.balanceOf(alice.address);
    const receipt = await send(asAlice().unlockClaim(id));
    expectEvent(receipt, pool, 'Unlocked', [id, alice.address, MIN]);
    expectEvent(receipt, token, 'Transfer', [poolAddress, alice.address, MIN]);
    expect(await token.balanceOf(alice.address)).toBe(before + MIN);
    const seq = await pool.getSequencer(id);
    expect([seq.status, seq.amount]).toEqual([SequencerStatus.Unlocked, 0n]);
    expect(await pool.totalLocked()).toBe(0n);
    expect(await pool.sequencerIdByOwner(alice.address)).toBe(0n);
    await expectRevert(pool.getSequencerByOwner(alice.address), pool, 'NoSequencerForOwner', [alice.address]);
    await expectRevert(asAlice().unlockClaim(id), pool, 'InvalidStatus', [id, SequencerStatus.Unlocked]);

    // The owner may come back with a fresh signer; the old one stays burned.
    const old = signerKey('a1');
    await expectRevert(asAlice().lockFor(old.address, MIN, old.pubkey), pool, 'SignerAlreadyUsed', [old.address]);
    expect(await lock(alice, 'a2')).toBe(2n);
  });

  it('lets unlock run during the pause but holds the claim until it is lifted', async () => {
    const id = await lock(alice, 'a1');
    await send(owner('setPause'));
    await send(asAlice().unlock(id));
    await increaseTime(chain.provider, 21n * DAY);
    await expectRevert(asAlice().unlockClaim(id), pool, 'EnforcedPause', []);
    await send(owner('setUnpause'));
    await send(asAlice().unlockClaim(id));
  });

  it('forceUnlock is governance-only and marks the exit as forced', async () => {
    const id = await lock(alice, 'a1');
    await expectRevert(pool.connect(alice).forceUnlock(id), pool, 'OwnableUnauthorizedAccount', [alice.address]);
    await expectRevert(owner('forceUnlock', 42n), pool, 'UnknownSequencer', [42n]);
    const receipt = await send(owner('forceUnlock', id));
    const claimTime = (await latestTimestamp(chain.provider)) + 21n * DAY;
    expectEvent(receipt, pool, 'UnlockInit', [id, alice.address, MIN, claimTime, true]);
    await expectRevert(owner('forceUnlock', id), pool, 'InvalidStatus', [id, SequencerStatus.Unlocking]);
  });

  it('keeps the active set consistent when members leave out of order', async () => {
    const a = await lock(alice, 'a1');
    const b = await lock(bob, 'b1');
    const c = await lock(carol, 'c1');
    await send(asAlice().unlock(a));
    expect((await pool.activeSequencers()).map((row) => row.id)).toEqual([c, b]);
    await send(pool.connect(carol).unlock(c));
    expect((await pool.activeSequencers()).map((row) => row.id)).toEqual([b]);
    await send(pool.connect(bob).unlock(b));
    expect(await pool.activeSequencerCount()).toBe(0n);
  });

  it('applies a changed exit delay to later unlocks', async () => {
    const id = await lock(alice, 'a1');
    await send(owner('updateWithdrawDelayTimeValue', 60n));
    await send(asAlice().unlock(id));
    await increaseTime(chain.provider, 60n);
    await send(asAlice().unlockClaim(id));
  });
});

describe('updateSigner', () => {
  it('is throttled, then replaces the signer and burns the old one', async () => {
    const id = await lock(alice, 'a1');
    const lockedAt = await latestTimestamp(chain.provider);
    const next = signerKey('a1-next');
    await expectRevert(asAlice().updateSigner(id, next.pubkey), pool, 'SignerUpdateThrottled', [id, lockedAt + DAY]);
    await increaseTime(chain.provider, DAY);

    const receipt = await send(asAlice().updateSigner(id, next.pubkey));
    const old = signerKey('a1');
    expectEvent(receipt, pool, 'SignerChanged', [id, old.address, next.address, next.pubkey]);
    expect((await pool.getSequencer(id)).signer).toBe(next.address);
    expect(await pool.sequencerIdBySigner(old.address)).toBe(0n);
    expect(await pool.sequencerIdBySigner(next.address)).toBe(id);
    await expectRevert(pool.getSequencerBySigner(old.address), pool, 'NoSequencerForSigner', [old.address]);
    expect((await pool.activeSequencers())[0]?.signer).toBe(next.address);

    await send(owner('setSignerUpdateThrottle', 0n));
    await expectRevert(asAlice().updateSigner(id, old.pubkey), pool, 'SignerAlreadyUsed', [old.address]);
    await expectRevert(asAlice().updateSigner(id, '0x1234'), pool, 'InvalidPubkeyLength', [2n]);
  });

  it('rejects strangers, inactive sequencers and the pause', async () => {
    const id = await lock(alice, 'a1');
    await send(owner('setSignerUpdateThrottle', 0n));
    const next = signerKey('a1-next');
    await expectRevert(pool.connect(bob).updateSigner(id, next.pubkey), pool, 'NotSequencerOwner', [id, bob.address]);
    await send(owner('setPause'));
    await expectRevert(asAlice().updateSigner(id, next.pubkey), pool, 'EnforcedPause', []);
    await send(owner('setUnpause'));
    await send(asAlice().unlock(id));
    await expectRevert(asAlice().updateSigner(id, next.pubkey), pool, 'InvalidStatus', [id, SequencerStatus.Unlocking]);
  });
});

describe('sequencer owner and reward recipient', () => {
  it('sets the reward recipient for the owner only', async () => {
    const id = await lock(alice, 'a1');
    const receipt = await send(asAlice().setSequencerRewardRecipient(id, carol.address));
    expectEvent(receipt, pool, 'RewardRecipientChanged', [id, carol.address]);
    expect((await pool.getSequencer(id)).rewardRecipient).toBe(carol.address);
    await expectRevert(asAlice().setSequencerRewardRecipient(id, ZeroAddress), pool, 'ZeroAddress', []);
    await expectRevert(pool.connect(bob).setSequencerRewardRecipient(id, bob.address), pool, 'NotSequencerOwner', [id, bob.address]);
  });

  it('hands the sequencer to a whitelisted owner without one', async () => {
    const id = await lock(alice, 'a1');
    await lock(bob, 'b1');
    await expectRevert(asAlice().setSequencerOwner(id, outsider.address), pool, 'NotWhitelisted', [outsider.address]);
    await expectRevert(asAlice().setSequencerOwner(id, bob.address), pool, 'OwnerHasSequencer', [bob.address, 2n]);
    await expectRevert(asAlice().setSequencerOwner(id, ZeroAddress), pool, 'ZeroAddress', []);

    const receipt = await send(asAlice().setSequencerOwner(id, carol.address));
    expectEvent(receipt, pool, 'SequencerOwnerChanged', [id, alice.address, carol.address]);
    expect(await pool.sequencerIdByOwner(alice.address)).toBe(0n);
    expect(await pool.sequencerIdByOwner(carol.address)).toBe(id);
    await expectRevert(asAlice().unlock(id), pool, 'NotSequencerOwner', [id, alice.address]);
    await send(pool.connect(carol).unlock(id));
    await increaseTime(chain.provider, 21n * DAY);
    await send(pool.connect(carol).unlockClaim(id));
    await expectRevert(pool.connect(carol).setSequencerOwner(id, alice.address), pool, 'InvalidStatus', [id, SequencerStatus.Unlocked]);
  });
});

describe('governance', () => {
  it('manages the whitelist with events', async () => {
    const receipt = await send(owner('setWhitelist', outsider.address, true));
    expectEvent(receipt, pool, 'WhitelistChanged', [outsider.address, true]);
    expect(await pool.whitelist(outsider.address)).toBe(true);
    expectEvent(await send(owner('setWhitelist', outsider.address, false)), pool, 'WhitelistChanged', [outsider.address, false]);
    expect(await pool.whitelist(outsider.address)).toBe(false);
    await expectRevert(owner('setWhitelist', ZeroAddress, true), pool, 'ZeroAddress', []);
  });

  it('keeps 0 < minLock <= maxLock', async () => {
    expectEvent(await send(owner('setMinLock', parseEther('30000'))), pool, 'MinLockUpdated', [MIN, parseEther('30000')]);
    expectEvent(await send(owner('setMaxLock', parseEther('30000'))), pool, 'MaxLockUpdated', [MAX, parseEther('30000')]);
    await expectRevert(owner('setMinLock', 0n), pool, 'InvalidLockBounds', [0n, parseEther('30000')]);
    await expectRevert(owner('setMinLock', parseEther('30001')), pool, 'InvalidLockBounds', [parseEther('30001'), parseEther('30000')]);
    await expectRevert(owner('setMaxLock', parseEther('29999')), pool, 'InvalidLockBounds', [parseEther('30000'), parseEther('29999')]);
  });

  it('bounds the exit delay and logs every parameter change', async () => {
    await expectRevert(owner('updateWithdrawDelayTimeValue', 366n * DAY), pool, 'ExitDelayTooLong', [366n * DAY, 365n * DAY]);
    await expectRevert(owner('updateWithdrawDelayTimeValue', FLOOR - 1n), pool, 'ExitDelayTooShort', [FLOOR - 1n, FLOOR]);
    expectEvent(await send(owner('updateWithdrawDelayTimeValue', 7n * DAY)), pool, 'ExitDelayUpdated', [21n * DAY, 7n * DAY]);
    expectEvent(await send(owner('updateBlockReward', 1n)), pool, 'BlockRewardUpdated', [parseEther('0.000761'), 1n]);
    expectEvent(await send(owner('setSignerUpdateThrottle', 5n)), pool, 'SignerUpdateThrottleUpdated', [DAY, 5n]);
    expectEvent(await send(owner('setSlashRecipient', carol.address)), pool, 'SlashRecipientUpdated', [
      '0x000000000000000000000000000000000000dEaD',
      carol.address,
    ]);
    await expectRevert(owner('setSlashRecipient', ZeroAddress), pool, 'ZeroAddress', []);
  });

  it('pauses and unpauses with events', async () => {
    expectEvent(await send(owner('setPause')), pool, 'Paused', [await timelock.getAddress()]);
    expect(await pool.paused()).toBe(true);
    await expectRevert(owner('setPause'), pool, 'EnforcedPause', []);
    expectEvent(await send(owner('setUnpause')), pool, 'Unpaused', [await timelock.getAddress()]);
    await expectRevert(owner('setUnpause'), pool, 'ExpectedPause', []);
  });

  it('rejects every governance call from anyone but the owner timelock, the deployer included', async () => {
    for (const caller of [alice, gov]) {
      const p = pool.connect(caller);
      const calls = [
        () => p.setGenesisMpc(alice.address),
        () => p.setWhitelist(alice.address, true),
        () => p.setMinLock(1n),
        () => p.setMaxLock(MAX),
        () => p.updateWithdrawDelayTimeValue(1n),
        () => p.updateBlockReward(1n),
        () => p.setSignerUpdateThrottle(1n),
        () => p.setSlashRecipient(alice.address),
        () => p.forceUnlock(1n),
        () => p.setPause(),
        () => p.setUnpause(),
      ];
      for (const call of calls) await expectRevert(call(), pool, 'OwnableUnauthorizedAccount', [caller.address]);
    }
  });

  it('transfers ownership in two steps, and only through the timelock', async () => {
    await expectRevert(pool.transferOwnership(carol.address), pool, 'OwnableUnauthorizedAccount', [gov.address]);
    await send(owner('transferOwnership', carol.address));
    expect(await pool.owner()).toBe(await timelock.getAddress());
    await expectRevert(pool.connect(bob).acceptOwnership(), pool, 'OwnableUnauthorizedAccount', [bob.address]);
    await send(pool.connect(carol).acceptOwnership());
    expect(await pool.owner()).toBe(carol.address);
    await expectRevert(owner('setPause'), pool, 'OwnableUnauthorizedAccount', [await timelock.getAddress()]);
  });
});
