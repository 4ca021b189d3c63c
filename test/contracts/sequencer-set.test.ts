import { describe, expect, it } from 'vitest';
import { Wallet, ZeroAddress, getCreateAddress, id, parseEther, type HDNodeWallet, type TransactionReceipt } from 'ethers';
import { deployContract, type EpochRecord, type SequencerSetContract } from '../../node/l1/deploy.ts';
import { eventsOf, expectEvent, expectRevert, send, useChain } from './fixture.ts';

const signers = Array.from({ length: 8 }, (_, i) => new Wallet(id(`sequencer:${i}`)).address);
const [S0, S1, S2, S3] = signers as [string, string, string, string];

let gov: HDNodeWallet;
let mpc: Wallet;
let set: SequencerSetContract;
let deployReceipt: TransactionReceipt;
const nextMpc = new Wallet(id('mpc:next'));

/** As on L2: the MPC address deploys the record itself, starting at the consensus epoch current then (here 5). */
const chain = useChain(async ({ accounts }) => {
  [gov] = accounts as [HDNodeWallet];
  mpc = new Wallet(id('mpc:genesis'), chain.provider);
  await (await gov.sendTransaction({ to: mpc.address, value: parseEther('10') })).wait();
  const deployed = await deployContract<SequencerSetContract>('SequencerSet', mpc, [mpc.address, 5n, 101n, 120n, S0]);
  set = deployed.connect(mpc);
  const receipt = await chain.provider.getTransactionReceipt(deployed.deploymentTransaction()?.hash ?? '');
  if (!receipt) throw new Error('no deployment receipt');
  deployReceipt = receipt;
});

const asArray = (epoch: EpochRecord) => [epoch.number, epoch.firstBlock, epoch.lastBlock, epoch.signer];

describe('SequencerSet deployment', () => {
  it('records the first epoch at the MPC address nonce-0 address, and logs it', async () => {
    expect(await set.getAddress()).toBe(getCreateAddress({ from: mpc.address, nonce: 0 }));
    expectEvent(deployReceipt, set, 'MpcUpdated', [ZeroAddress, mpc.address]);
    expectEvent(deployReceipt, set, 'EpochCommitted', [5n, 101n, 120n, S0]);
    expect(await set.mpcAddress()).toBe(mpc.address);
    expect(await set.firstEpoch()).toBe(5n);
    expect(await set.epochCount()).toBe(1n);
    expect(asArray(await set.epochs(5n))).toEqual([5n, 101n, 120n, S0]);
    expect(asArray(await set.latestEpoch())).toEqual([5n, 101n, 120n, S0]);
    expect(await set.getSequencer(101n)).toBe(S0);
    expect(await set.getSequencer(120n)).toBe(S0);
    await expectRevert(set.getSequencer(100n), set, 'NoEpochAtBlock', [100n]);
    await expectRevert(set.getEpochByBlock(121n), set, 'NoEpochAtBlock', [121n]);
    await expectRevert(set.epochs(4n), set, 'UnknownEpoch', [4n]);
    await expectRevert(set.epochs(6n), set, 'UnknownEpoch', [6n]);
    // EDR is at block ~3, before the recorded range: there is no current epoch to report.
    // The head is read first: a call started before an await would reject with nobody yet listening.
    const head = BigInt(await chain.provider.getBlockNumber());
    await expectRevert(set.currentEpoch(), set, 'NoEpochAtBlock', [head]);
  });

  it('rejects a zero MPC, a zero signer and an empty first epoch', async () => {
    await expectRevert(deployContract('SequencerSet', gov, [ZeroAddress, 0n, 1n, 20n, S0]), set, 'ZeroAddress', []);
    await expectRevert(deployContract('SequencerSet', gov, [mpc.address, 0n, 1n, 20n, ZeroAddress]), set, 'ZeroAddress', []);
    await expectRevert(deployContract('SequencerSet', gov, [mpc.address, 0n, 21n, 20n, S0]), set, 'EmptyEpoch', [21n, 20n]);
  });
});

describe('commitEpoch', () => {
  it('appends the next epoch, callable only by the MPC address', async () => {
    await expectRevert(set.connect(gov).commitEpoch(6n, 121n, 140n, S1), set, 'NotMpc', [gov.address]);
    const receipt = await send(set.commitEpoch(6n, 121n, 140n, S1));
    expectEvent(receipt, set, 'EpochCommitted', [6n, 121n, 140n, S1]);
    expect(await set.getSequencer(120n)).toBe(S0);
    expect(await set.getSequencer(121n)).toBe(S1);
    expect(await set.getSequencer(140n)).toBe(S1);
    expect(asArray(await set.latestEpoch())).toEqual([6n, 121n, 140n, S1]);
  });

  it('rejects a wrong number, a gap, an overlap, an empty range and a zero signer; changes nothing', async () => {
    await expectRevert(set.commitEpoch(7n, 121n, 140n, S1), set, 'EpochNumberMismatch', [6n, 7n]);
    await expectRevert(set.commitEpoch(5n, 121n, 140n, S1), set, 'EpochNumberMismatch', [6n, 5n]);
    await expectRevert(set.commitEpoch(6n, 122n, 141n, S1), set, 'EpochNotContiguous', [121n, 122n]);
    await expectRevert(set.commitEpoch(6n, 120n, 139n, S1), set, 'EpochNotContiguous', [121n, 120n]);
    await expectRevert(set.commitEpoch(6n, 121n, 120n, S1), set, 'EmptyEpoch', [121n, 120n]);
    await expectRevert(set.commitEpoch(6n, 121n, 140n, ZeroAddress), set, 'ZeroAddress', []);
    expect(await set.epochCount()).toBe(1n);
  });

  it('takes the length the consensus layer decided (a governance change applies to later epochs)', async () => {
    await send(set.commitEpoch(6n, 121n, 140n, S1));
    await send(set.commitEpoch(7n, 141n, 150n, S2));
    expect(asArray(await set.epochs(7n))).toEqual([7n, 141n, 150n, S2]);
  });

  it('keeps contiguous epochs that binary search resolves for every block', async () => {
    for (let n = 6n; n <= 11n; n++) {
      const first = 101n + (n - 5n) * 20n;
      await send(set.commitEpoch(n, first, first + 19n, signers[Number(n - 5n)] as string));
    }
    expect(await set.epochCount()).toBe(7n);
    for (let block = 101n; block <= 240n; block++) {
      expect(await set.getSequencer(block)).toBe(signers[Number((block - 101n) / 20n)]);
    }
    expect(asArray(await set.getEpochByBlock(177n))).toEqual([8n, 161n, 180n, S3]);
  });
});

describe('recommitEpoch', () => {
  it('cuts the current epoch at the successor first block and starts the new epoch there', async () => {
    const receipt = await send(set.recommitEpoch(5n, 6n, 110n, 129n, S2));
    expectEvent(receipt, set, 'EpochCut', [5n, 120n, 109n]);
    expectEvent(receipt, set, 'EpochCommitted', [6n, 110n, 129n, S2]);
    expect(eventsOf(receipt, set, 'EpochDiscarded')).toHaveLength(0);
    expect(asArray(await set.epochs(5n))).toEqual([5n, 101n, 109n, S0]);
    expect(await set.getSequencer(109n)).toBe(S0);
    expect(await set.getSequencer(110n)).toBe(S2);
    // Normal commits continue after the recommitted epoch.
    await send(set.commitEpoch(7n, 130n, 149n, S3));
    expect(await set.getSequencer(130n)).toBe(S3);
  });

  it('replaces an epoch committed ahead, with or without a cut', async () => {
    await send(set.commitEpoch(6n, 121n, 140n, S1));
    const replaced = await send(set.recommitEpoch(5n, 6n, 121n, 140n, S2));
    expectEvent(replaced, set, 'EpochDiscarded', [6n, S1]);
    expectEvent(replaced, set, 'EpochCommitted', [6n, 121n, 140n, S2]);
    expect(eventsOf(replaced, set, 'EpochCut')).toHaveLength(0);
    expect(await set.epochCount()).toBe(2n);

    await send(set.commitEpoch(7n, 141n, 160n, S1));
    const cut = await send(set.recommitEpoch(6n, 7n, 125n, 144n, S3));
    expectEvent(cut, set, 'EpochCut', [6n, 140n, 124n]);
    expectEvent(cut, set, 'EpochDiscarded', [7n, S1]);
    expect(asArray(await set.epochs(7n))).toEqual([7n, 125n, 144n, S3]);
    expect(await set.epochCount()).toBe(3n);
  });

  it('cuts an epoch whose sequencer left nothing safe down to an empty range, which no block resolves to', async () => {
    await send(set.commitEpoch(6n, 121n, 140n, S1));
    await send(set.recommitEpoch(6n, 7n, 121n, 140n, S2));
    expect(asArray(await set.epochs(6n))).toEqual([6n, 121n, 120n, S1]);
    expect(await set.getSequencer(120n)).toBe(S0);
    expect(await set.getSequencer(121n)).toBe(S2);
    // A second failover right away cuts the new epoch in turn.
    await send(set.recommitEpoch(7n, 8n, 123n, 142n, S3));
    for (const [block, signer] of [[120n, S0], [121n, S2], [122n, S2], [123n, S3], [142n, S3]] as const) expect(await set.getSequencer(block)).toBe(signer);
  });

  it('rejects an old epoch that is not the latest or the one before it, a wrong new number, a block outside the old range; changes nothing', async () => {
    await send(set.commitEpoch(6n, 121n, 140n, S1));
    await send(set.commitEpoch(7n, 141n, 160n, S2));
    await expectRevert(set.recommitEpoch(5n, 6n, 110n, 129n, S3), set, 'NotRecommittable', [5n, 7n]);
    await expectRevert(set.recommitEpoch(8n, 9n, 161n, 170n, S3), set, 'NotRecommittable', [8n, 7n]);
    await expectRevert(set.recommitEpoch(6n, 8n, 130n, 149n, S3), set, 'EpochNumberMismatch', [7n, 8n]);
    await expectRevert(set.recommitEpoch(6n, 7n, 120n, 139n, S3), set, 'InvalidRecommitBlock', [120n, 121n, 141n]);
    await expectRevert(set.recommitEpoch(6n, 7n, 142n, 161n, S3), set, 'InvalidRecommitBlock', [142n, 121n, 141n]);
    await expectRevert(set.recommitEpoch(6n, 7n, 130n, 129n, S3), set, 'EmptyEpoch', [130n, 129n]);
    await expectRevert(set.recommitEpoch(6n, 7n, 130n, 149n, ZeroAddress), set, 'ZeroAddress', []);
    await expectRevert(set.connect(gov).recommitEpoch(6n, 7n, 130n, 149n, S3), set, 'NotMpc', [gov.address]);
    expect(asArray(await set.epochs(6n))).toEqual([6n, 121n, 140n, S1]);
    expect(asArray(await set.latestEpoch())).toEqual([7n, 141n, 160n, S2]);
  });
});

describe('MPC address', () => {
  it('is replaced only by itself', async () => {
    await expectRevert(set.connect(gov).updateMpc(nextMpc.address), set, 'NotMpc', [gov.address]);
    await expectRevert(set.updateMpc(ZeroAddress), set, 'ZeroAddress', []);
    expectEvent(await send(set.updateMpc(nextMpc.address)), set, 'MpcUpdated', [mpc.address, nextMpc.address]);
    expect(await set.mpcAddress()).toBe(nextMpc.address);
    await expectRevert(set.commitEpoch(6n, 121n, 140n, S1), set, 'NotMpc', [mpc.address]);
  });
});
