import { describe, expect, it } from 'vitest';
import { Wallet, ZeroAddress, id, parseEther, type HDNodeWallet, type TransactionReceipt } from 'ethers';
import { deployContract, type EpochRecord, type SequencerSetContract } from '../../node/l1/deploy.ts';
import { eventsOf, expectEvent, expectRevert, send, useChain } from './fixture.ts';

const LENGTH = 20n;
const signers = Array.from({ length: 8 }, (_, i) => new Wallet(id(`sequencer:${i}`)).address);
const [S0, S1, S2, S3] = signers as [string, string, string, string];

let gov: HDNodeWallet;
let mpc: Wallet;
let set: SequencerSetContract;
let deployReceipt: TransactionReceipt;
const nextMpc = new Wallet(id('mpc:next'));

const chain = useChain(async ({ accounts }) => {
  [gov] = accounts as [HDNodeWallet];
  mpc = new Wallet(id('mpc:genesis'), chain.provider);
  await (await gov.sendTransaction({ to: mpc.address, value: parseEther('10') })).wait();
  const deployed = await deployContract<SequencerSetContract>('SequencerSet', gov, [mpc.address, S0, 1n, LENGTH]);
  set = deployed.connect(mpc);
  const receipt = await chain.provider.getTransactionReceipt(deployed.deploymentTransaction()?.hash ?? '');
  if (!receipt) throw new Error('no deployment receipt');
  deployReceipt = receipt;
});

const asArray = (epoch: EpochRecord) => [epoch.number, epoch.firstBlock, epoch.lastBlock, epoch.signer];

/** Mines empty blocks until the chain's height is `height`, so the next transaction executes in block height + 1. */
async function mineTo(height: bigint): Promise<void> {
  const current = BigInt(await chain.provider.getBlockNumber());
  if (height < current) throw new Error(`already at ${current}, past ${height}`);
  if (height > current) await chain.provider.send('hardhat_mine', [`0x${(height - current).toString(16)}`]);
}

/** The block the next transaction will execute in. */
async function nextBlock(): Promise<bigint> {
  return BigInt(await chain.provider.getBlockNumber()) + 1n;
}

describe('SequencerSet deployment', () => {
  it('starts with epoch 0 for the genesis signer and logs it', async () => {
    expectEvent(deployReceipt, set, 'MpcUpdated', [ZeroAddress, mpc.address]);
    expectEvent(deployReceipt, set, 'EpochCommitted', [0n, 1n, 20n, S0]);
    expect(await set.epochLength()).toBe(LENGTH);
    expect(await set.mpcAddress()).toBe(mpc.address);
    expect(await set.epochCount()).toBe(1n);
    expect(asArray(await set.epochs(0n))).toEqual([0n, 1n, 20n, S0]);
    expect(asArray(await set.latestEpoch())).toEqual([0n, 1n, 20n, S0]);
    expect(asArray(await set.currentEpoch())).toEqual([0n, 1n, 20n, S0]);
    expect(await set.getSequencer(1n)).toBe(S0);
    expect(await set.getSequencer(20n)).toBe(S0);
    await expectRevert(set.getSequencer(0n), set, 'NoEpochAtBlock', [0n]);
    await expectRevert(set.getEpochByBlock(21n), set, 'NoEpochAtBlock', [21n]);
    await expectRevert(set.epochs(1n), set, 'UnknownEpoch', [1n]);
  });

  it('rejects a zero MPC, a zero genesis signer and a zero epoch length', async () => {
    await expectRevert(deployContract('SequencerSet', gov, [ZeroAddress, S0, 1n, LENGTH]), set, 'ZeroAddress', []);
    await expectRevert(deployContract('SequencerSet', gov, [mpc.address, ZeroAddress, 1n, LENGTH]), set, 'ZeroAddress', []);
    await expectRevert(deployContract('SequencerSet', gov, [mpc.address, S0, 1n, 0n]), set, 'ZeroEpochLength', []);
  });
});

describe('commitEpoch', () => {
  it('appends the next fixed-length epoch, callable only by the MPC address', async () => {
    await expectRevert(set.connect(gov).commitEpoch(1n, 21n, 40n, S1), set, 'NotMpc', [gov.address]);
    const receipt = await send(set.commitEpoch(1n, 21n, 40n, S1));
    expectEvent(receipt, set, 'EpochCommitted', [1n, 21n, 40n, S1]);
    expect(await set.getSequencer(20n)).toBe(S0);
    expect(await set.getSequencer(21n)).toBe(S1);
    expect(await set.getSequencer(40n)).toBe(S1);
    expect(asArray(await set.latestEpoch())).toEqual([1n, 21n, 40n, S1]);
    // Epoch 1 has not started: the current epoch is still 0.
    expect((await set.currentEpoch()).number).toBe(0n);
  });

  it('rejects a wrong number, a gap, an overlap, a wrong length and a zero signer', async () => {
    await expectRevert(set.commitEpoch(2n, 21n, 40n, S1), set, 'EpochNumberMismatch', [1n, 2n]);
    await expectRevert(set.commitEpoch(0n, 21n, 40n, S1), set, 'EpochNumberMismatch', [1n, 0n]);
    await expectRevert(set.commitEpoch(1n, 22n, 41n, S1), set, 'EpochNotContiguous', [21n, 22n]);
    await expectRevert(set.commitEpoch(1n, 20n, 39n, S1), set, 'EpochNotContiguous', [21n, 20n]);
    await expectRevert(set.commitEpoch(1n, 21n, 39n, S1), set, 'InvalidEpochEnd', [40n, 39n]);
    await expectRevert(set.commitEpoch(1n, 21n, 41n, S1), set, 'InvalidEpochEnd', [40n, 41n]);
    await expectRevert(set.commitEpoch(1n, 21n, 40n, ZeroAddress), set, 'ZeroAddress', []);
  });

  it('commits at most one epoch ahead of the current one', async () => {
    await send(set.commitEpoch(1n, 21n, 40n, S1));
    await expectRevert(set.commitEpoch(2n, 41n, 60n, S2), set, 'EpochAlreadyPending', [1n]);
    await mineTo(20n); // the commit below executes in block 21, the first of epoch 1
    await send(set.commitEpoch(2n, 41n, 60n, S2));
    expect(await set.getSequencer(41n)).toBe(S2);
  });

  it('may commit an epoch in its own first block, never later', async () => {
    await mineTo(20n);
    await send(set.commitEpoch(1n, 21n, 40n, S1));
    const late = await deployContract<SequencerSetContract>('SequencerSet', gov, [mpc.address, S0, 1n, LENGTH]);
    await mineTo(45n);
    await expectRevert(late.connect(mpc).commitEpoch(1n, 21n, 40n, S1), set, 'EpochStartsInPast', [21n, 46n]);
  });

  it('keeps contiguous epochs that binary search resolves for every block', async () => {
    for (let n = 1n; n <= 6n; n++) {
      await mineTo(n * LENGTH); // the commit executes in the first block of epoch n
      await send(set.commitEpoch(n, n * LENGTH + 1n, (n + 1n) * LENGTH, signers[Number(n)] as string));
    }
    expect(await set.epochCount()).toBe(7n);
    for (let block = 1n; block <= 7n * LENGTH; block++) {
      const epoch = (block - 1n) / LENGTH;
      expect(await set.getSequencer(block)).toBe(signers[Number(epoch)]);
    }
    expect(asArray(await set.getEpochByBlock(77n))).toEqual([3n, 61n, 80n, S3]);
    expect((await set.currentEpoch()).number).toBe(6n);
  });
});

describe('recommitEpoch', () => {
  it('cuts the current epoch at the new sequencer first block and starts a full epoch there', async () => {
    await mineTo(9n);
    const first = await nextBlock(); // 10: the new sequencer includes the recommit in its own first block
    const receipt = await send(set.recommitEpoch(0n, 1n, first, first + LENGTH - 1n, S2));
    expectEvent(receipt, set, 'EpochCut', [0n, 20n, first - 1n]);
    expectEvent(receipt, set, 'EpochCommitted', [1n, first, first + LENGTH - 1n, S2]);
    expect(eventsOf(receipt, set, 'EpochDiscarded')).toHaveLength(0);
    expect(asArray(await set.epochs(0n))).toEqual([0n, 1n, first - 1n, S0]);
    expect(await set.getSequencer(first - 1n)).toBe(S0);
    expect(await set.getSequencer(first)).toBe(S2);
    expect(asArray(await set.currentEpoch())).toEqual([1n, first, first + LENGTH - 1n, S2]);
    // Normal commits continue after the recommitted epoch.
    await mineTo(first + LENGTH - 1n);
    await send(set.commitEpoch(2n, first + LENGTH, first + 2n * LENGTH - 1n, S3));
  });

  it('replaces a pending epoch, with or without a cut', async () => {
    await send(set.commitEpoch(1n, 21n, 40n, S1));
    const replaced = await send(set.recommitEpoch(0n, 1n, 21n, 40n, S2));
    expectEvent(replaced, set, 'EpochDiscarded', [1n, S1]);
    expectEvent(replaced, set, 'EpochCommitted', [1n, 21n, 40n, S2]);
    expect(eventsOf(replaced, set, 'EpochCut')).toHaveLength(0);
    expect(await set.epochCount()).toBe(2n);

    const first = (await nextBlock()) + 2n;
    const cut = await send(set.recommitEpoch(0n, 1n, first, first + LENGTH - 1n, S3));
    expectEvent(cut, set, 'EpochCut', [0n, 20n, first - 1n]);
    expectEvent(cut, set, 'EpochDiscarded', [1n, S2]);
    expect(asArray(await set.epochs(1n))).toEqual([1n, first, first + LENGTH - 1n, S3]);
    expect(await set.epochCount()).toBe(2n);
  });

  it('takes effect from the current block at the earliest and leaves the old epoch at least one block', async () => {
    await mineTo(9n);
    await expectRevert(set.recommitEpoch(0n, 1n, 9n, 28n, S2), set, 'InvalidRecommitBlock', [9n, 10n, 21n]);
    await expectRevert(set.recommitEpoch(0n, 1n, 22n, 41n, S2), set, 'InvalidRecommitBlock', [22n, 10n, 21n]);
    await send(set.commitEpoch(1n, 21n, 40n, S1));
    await mineTo(20n); // next block 21 is the first of epoch 1, which must keep at least that block
    await expectRevert(set.recommitEpoch(1n, 2n, 21n, 40n, S2), set, 'InvalidRecommitBlock', [21n, 22n, 41n]);
    await send(set.recommitEpoch(1n, 2n, 22n, 41n, S2));
    expect(asArray(await set.epochs(1n))).toEqual([1n, 21n, 21n, S1]);
  });

  it('rejects the wrong old or new epoch, a wrong length, a zero signer and callers other than the MPC', async () => {
    await send(set.commitEpoch(1n, 21n, 40n, S1));
    await expectRevert(set.recommitEpoch(1n, 2n, 15n, 34n, S2), set, 'NotCurrentEpoch', [0n, 1n]);
    await expectRevert(set.recommitEpoch(0n, 2n, 15n, 34n, S2), set, 'EpochNumberMismatch', [1n, 2n]);
    await expectRevert(set.recommitEpoch(0n, 1n, 15n, 35n, S2), set, 'InvalidEpochEnd', [34n, 35n]);
    await expectRevert(set.recommitEpoch(0n, 1n, 15n, 34n, ZeroAddress), set, 'ZeroAddress', []);
    await expectRevert(set.connect(gov).recommitEpoch(0n, 1n, 15n, 34n, S2), set, 'NotMpc', [gov.address]);
  });

  it('needs an epoch at the current block', async () => {
    await mineTo(30n);
    await expectRevert(set.recommitEpoch(0n, 1n, 31n, 50n, S2), set, 'NoEpochAtBlock', [31n]);
  });
});

describe('MPC address', () => {
  it('is replaced only by itself', async () => {
    await expectRevert(set.connect(gov).updateMpc(nextMpc.address), set, 'NotMpc', [gov.address]);
    await expectRevert(set.updateMpc(ZeroAddress), set, 'ZeroAddress', []);
    expectEvent(await send(set.updateMpc(nextMpc.address)), set, 'MpcUpdated', [mpc.address, nextMpc.address]);
    expect(await set.mpcAddress()).toBe(nextMpc.address);
    await expectRevert(set.commitEpoch(1n, 21n, 40n, S1), set, 'NotMpc', [mpc.address]);
  });
});

describe('epoch length (governance through the MPC)', () => {
  it('changes the length of epochs committed afterwards, only by the MPC and never to zero', async () => {
    await expectRevert(set.connect(gov).updateEpochLength(10n), set, 'NotMpc', [gov.address]);
    await expectRevert(set.updateEpochLength(0n), set, 'ZeroEpochLength', []);
    expectEvent(await send(set.updateEpochLength(10n)), set, 'EpochLengthUpdated', [20n, 10n]);
    expect(await set.epochLength()).toBe(10n);
    expect(asArray(await set.epochs(0n))).toEqual([0n, 1n, 20n, S0]);
    await expectRevert(set.commitEpoch(1n, 21n, 40n, S2), set, 'InvalidEpochEnd', [30n, 40n]);
    await send(set.commitEpoch(1n, 21n, 30n, S2));
    expect(asArray(await set.epochs(1n))).toEqual([1n, 21n, 30n, S2]);
  });
});
