import { describe, expect, it } from 'vitest';
import { MaxUint256, Wallet, id, parseEther, recoverAddress, type HDNodeWallet } from 'ethers';
import { deployL1, type LockingPoolContract, type MetisTokenContract } from '../../node/l1/deploy.ts';
import { SET_REWARD_PER_BLOCK_TYPES, SUBMIT_REWARDS_TYPES, lockingPoolDomain, rewardRateDigest, type RewardRateMessage } from '../../node/l1/typed-data.ts';
import { expectEvent, expectRevert, malleate, send, signerKey, useChain } from './fixture.ts';

/** Parameters voted on the consensus layer reach LockingPool only as MPC-signed, numbered updates. */

const MIN = parseEther('20000');
const PER_BLOCK = parseEther('0.000761');

let token: MetisTokenContract;
let pool: LockingPoolContract;
let poolAddress: string;
let gov: HDNodeWallet;
let alice: HDNodeWallet;
let relayer: HDNodeWallet;
const mpc = new Wallet(id('mpc:governance'));
const impostor = new Wallet(id('impostor'));

useChain(async ({ accounts }) => {
  [gov, alice, relayer] = accounts as [HDNodeWallet, HDNodeWallet, HDNodeWallet];
  const deployment = await deployL1({ runner: gov, whitelist: [alice.address], mpc: mpc.address });
  token = deployment.token;
  pool = deployment.lockingPool;
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
