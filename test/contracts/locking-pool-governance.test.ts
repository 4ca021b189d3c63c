import { describe, expect, it } from 'vitest';
import { MaxUint256, Wallet, id, parseEther, recoverAddress, type HDNodeWallet } from 'ethers';
import { DEFAULT_MIN_EXIT_DELAY, DEFAULT_OWNER_DELAY, deployContract, deployL1, type LockingPoolContract, type MetisTokenContract } from '../../node/l1/deploy.ts';
import { executeOwnerCall, scheduleOwnerCall, type OwnerTimelockContract } from '../../node/l1/owner-timelock.ts';
import { SET_REWARD_PER_BLOCK_TYPES, SUBMIT_REWARDS_TYPES, lockingPoolDomain, rewardRateDigest, type RewardRateMessage } from '../../node/l1/typed-data.ts';
import { expectEvent, expectRevert, increaseTime, latestTimestamp, malleate, send, signerKey, useChain, viaTimelock } from './fixture.ts';

/**
 * Parameters voted on the consensus layer reach LockingPool only as MPC-signed, numbered updates; the owner's
 * calls wait in an OwnerTimelock (TimelockController), and the exit delay has a floor no owner can go under.
 */

const MIN = parseEther('20000');
const PER_BLOCK = parseEther('0.000761');

let token: MetisTokenContract;
let pool: LockingPoolContract;
let poolAddress: string;
let gov: HDNodeWallet;
let alice: HDNodeWallet;
let relayer: HDNodeWallet;
let stranger: HDNodeWallet;
let timelock: OwnerTimelockContract;
const mpc = new Wallet(id('mpc:governance'));
const impostor = new Wallet(id('impostor'));

const chain = useChain(async ({ accounts }) => {
  [gov, alice, relayer, stranger] = accounts as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet];
  // The production defaults: a 2-day owner delay and a 7-day floor under the exit delay.
  const deployment = await deployL1({ runner: gov, whitelist: [alice.address], mpc: mpc.address });
  token = deployment.token;
  pool = deployment.lockingPool;
  timelock = deployment.timelock;
  poolAddress = deployment.addresses.lockingPool;
  await send(token.mint(alice.address, parseEther('1000000')));
  await send(token.connect(alice).approve(poolAddress, MaxUint256));
  const key = signerKey('governed-a');
  await send(pool.connect(alice).lockFor(key.address, MIN, key.pubkey));
});

const domain = () => lockingPoolDomain(31337n, poolAddress);
const signRate = (message: RewardRateMessage, key: Wallet = mpc) => key.signTypedData(domain(), SET_REWARD_PER_BLOCK_TYPES, message);
const setRate = (message: RewardRateMessage, signature: string) => pool.connect(relayer).setRewardPerBlockWithSig(message.rewardPerBlock, message.nonce, signature);

describe('setRewardPerBlockWithSig (a reward rate voted on the consensus layer)', () => {
  it('applies an MPC-signed rate relayed by anyone, logs it, and moves the nonce on', async () => {
    const message = { rewardPerBlock: 5n, nonce: 0n };
    const receipt = await send(setRate(message, await signRate(message)));
    expectEvent(receipt, pool, 'BlockRewardUpdated', [PER_BLOCK, 5n]);
    expectEvent(receipt, pool, 'ParamsNonceUsed', [0n]);
    expect(await pool.rewardPerBlock()).toBe(5n);
    expect(await pool.paramsNonce()).toBe(1n);
    // The digest the duty has the MPC sign is the one the contract verifies.
    expect(recoverAddress(rewardRateDigest(domain(), message), await signRate(message))).toBe(mpc.address);
    const next = { rewardPerBlock: 7n, nonce: 1n };
    await send(setRate(next, await signRate(next)));
    expect(await pool.rewardPerBlock()).toBe(7n);
  });

  it('cannot be replayed, skipped ahead or applied out of order', async () => {
    const first = { rewardPerBlock: 5n, nonce: 0n };
    const firstSignature = await signRate(first);
    const ahead = { rewardPerBlock: 9n, nonce: 1n };
    await expectRevert(setRate(ahead, await signRate(ahead)), pool, 'InvalidParamsNonce', [0n, 1n]);
    await send(setRate(first, firstSignature));
    await expectRevert(setRate(first, firstSignature), pool, 'InvalidParamsNonce', [1n, 0n]);
    expect(await pool.rewardPerBlock()).toBe(5n);
  });

  it('rejects another key, another value under a valid signature, a malleated signature and another type', async () => {
    const message = { rewardPerBlock: 5n, nonce: 0n };
    await expectRevert(setRate(message, await signRate(message, impostor)), pool, 'InvalidMpcSignature', [impostor.address, mpc.address]);
    await expectRevert(setRate({ rewardPerBlock: 6n, nonce: 0n }, await signRate(message)), pool, 'InvalidMpcSignature');
    await expectRevert(setRate(message, malleate(await signRate(message))), pool, 'ECDSAInvalidSignatureS');
    // A rewards signature over the same numbers is not a rate update (the type hash differs).
    const rewards = { rewardBatchId: 5n, startEpoch: 0n, endEpoch: 0n, sequencerIds: [], blockCounts: [] };
    await expectRevert(setRate(message, await mpc.signTypedData(domain(), SUBMIT_REWARDS_TYPES, rewards)), pool, 'InvalidMpcSignature');
    expect(await pool.rewardPerBlock()).toBe(PER_BLOCK);
    expect(await pool.paramsNonce()).toBe(0n);
  });
});

describe('the owner timelock', () => {
  const call = (method: string, args: unknown[] = []) => ({ target: poolAddress, data: pool.interface.encodeFunctionData(method, args) });

  it('owns the pool with the configured delay; nobody, the deployer included, holds an admin role', async () => {
    expect(await pool.owner()).toBe(await timelock.getAddress());
    expect(await timelock.getMinDelay()).toBe(DEFAULT_OWNER_DELAY);
    const hasRole = timelock.getFunction('hasRole');
    const adminRole = `0x${'00'.repeat(32)}`;
    expect(await hasRole(adminRole, gov.address)).toBe(false);
    expect(await hasRole(id('PROPOSER_ROLE'), gov.address)).toBe(true);
    expect(await hasRole(id('EXECUTOR_ROLE'), '0x0000000000000000000000000000000000000000')).toBe(true);
    await expectRevert(pool.setPause(), pool, 'OwnableUnauthorizedAccount', [gov.address]);
  });

  it('pausing slashing runs only once the delay has passed, executed by anyone', async () => {
    const scheduled = await scheduleOwnerCall(timelock, call('setPause'));
    expect(scheduled.readyAt).toBe((await latestTimestamp(chain.provider)) + DEFAULT_OWNER_DELAY);
    await expectRevert(executeOwnerCall(timelock, scheduled), timelock, 'TimelockUnexpectedOperationState');
    await increaseTime(chain.provider, DEFAULT_OWNER_DELAY - 10n);
    await expectRevert(executeOwnerCall(timelock.connect(stranger), scheduled), timelock, 'TimelockUnexpectedOperationState');
    await increaseTime(chain.provider, 10n);
    const receipt = await send(executeOwnerCall(timelock.connect(stranger), scheduled));
    expectEvent(receipt, pool, 'Paused', [await timelock.getAddress()]);
    expect(await pool.paused()).toBe(true);
    // Done once: it cannot run again.
    await expectRevert(executeOwnerCall(timelock, scheduled), timelock, 'TimelockUnexpectedOperationState');
  });

  it('only governance schedules; it can cancel what it scheduled before it runs', async () => {
    await expectRevert(scheduleOwnerCall(timelock.connect(stranger), call('setPause')), timelock, 'AccessControlUnauthorizedAccount', [stranger.address, id('PROPOSER_ROLE')]);
    const scheduled = await scheduleOwnerCall(timelock, call('setGenesisMpc', [impostor.address]));
    await send(timelock.cancel(scheduled.id));
    await increaseTime(chain.provider, DEFAULT_OWNER_DELAY);
    await expectRevert(executeOwnerCall(timelock, scheduled), timelock, 'TimelockUnexpectedOperationState');
    expect(await pool.mpcAddress()).toBe(mpc.address);
  });

  it('its own delay changes only through the delay', async () => {
    await expectRevert(timelock.updateDelay(0n), timelock, 'TimelockUnauthorizedCaller', [gov.address]);
    await send(viaTimelock(chain.provider, timelock, timelock, 'updateDelay', [3n * 86_400n]));
    expect(await timelock.getMinDelay()).toBe(3n * 86_400n);
  });

  it('the exit delay has a floor no owner call can go under', async () => {
    expect(await pool.minExitDelay()).toBe(DEFAULT_MIN_EXIT_DELAY);
    await expectRevert(viaTimelock(chain.provider, timelock, pool, 'updateWithdrawDelayTimeValue', [0n]), pool, 'ExitDelayTooShort', [0n, DEFAULT_MIN_EXIT_DELAY]);
    await expectRevert(viaTimelock(chain.provider, timelock, pool, 'updateWithdrawDelayTimeValue', [DEFAULT_MIN_EXIT_DELAY - 1n]), pool, 'ExitDelayTooShort', [
      DEFAULT_MIN_EXIT_DELAY - 1n,
      DEFAULT_MIN_EXIT_DELAY,
    ]);
    const receipt = await send(viaTimelock(chain.provider, timelock, pool, 'updateWithdrawDelayTimeValue', [DEFAULT_MIN_EXIT_DELAY]));
    expectEvent(receipt, pool, 'ExitDelayUpdated', [21n * 86_400n, DEFAULT_MIN_EXIT_DELAY]);
    // A floor above the default exit delay cannot be deployed.
    await expectRevert(deployContract('LockingPool', gov, [await token.getAddress(), gov.address, 22n * 86_400n]), pool, 'ExitDelayTooShort', [21n * 86_400n, 22n * 86_400n]);
  });

  it('sets the genesis MPC of a pool deployed without one only after the delay', async () => {
    const bare = await deployL1({ runner: gov, token: await token.getAddress() });
    const genesis = { target: bare.addresses.lockingPool, data: bare.lockingPool.interface.encodeFunctionData('setGenesisMpc', [mpc.address]) };
    await expectRevert(bare.lockingPool.setGenesisMpc(mpc.address), bare.lockingPool, 'OwnableUnauthorizedAccount', [gov.address]);
    const scheduled = await scheduleOwnerCall(bare.timelock, genesis);
    await expectRevert(executeOwnerCall(bare.timelock, scheduled), bare.timelock, 'TimelockUnexpectedOperationState');
    await increaseTime(chain.provider, DEFAULT_OWNER_DELAY);
    await send(executeOwnerCall(bare.timelock, scheduled));
    expect(await bare.lockingPool.mpcAddress()).toBe(mpc.address);
  });
});
