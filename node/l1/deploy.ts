/**
 * Deploys the L1 contracts (MetisToken, LockingPool, BatchChain) from contracts/artifacts with ethers, and returns
 * typed handles. Used by the devnet and the tests; `deployContract` also deploys the L2 SequencerSet.
 */
import {
  Contract,
  ContractFactory,
  type AddressLike,
  type BaseContract,
  type BaseContractMethod,
  type BigNumberish,
  type BytesLike,
  type ContractRunner,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type Overrides,
  type Signer,
} from 'ethers';
import { loadArtifact } from '../../contracts/artifacts.ts';
import { installOwnerTimelock, type OwnerTimelockContract } from './owner-timelock.ts';
import type { BatchHeader } from './typed-data.ts';

type Tx<A extends unknown[]> = BaseContractMethod<A, void, ContractTransactionResponse>;
type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;
type Typed<T> = Omit<BaseContract, 'connect'> & T & { connect(runner: ContractRunner | null): Typed<T> };

/** LockingPool's `Status` enum (ethers returns uint8 as bigint). */
export const SequencerStatus = { Unavailable: 0n, Active: 1n, Unlocking: 2n, Unlocked: 3n, Slashed: 4n } as const;

/** `ILockingPool.Sequencer` as ethers decodes it (a Result with these named fields). */
export type SequencerRecord = {
  amount: bigint;
  reward: bigint;
  owner: string;
  status: bigint;
  unlockClaimTime: bigint;
  signer: string;
  signerUpdatedAt: bigint;
  rewardRecipient: string;
};

/** `ILockingPool.ActiveSequencer`: one row of the validator set. */
export type ActiveSequencerRecord = { id: bigint; signer: string; owner: string; amount: bigint };

/** `BatchChain.Batch`: the header the MPC signs. */
export type BatchRecord = BatchHeader;

/** `SequencerSet.Epoch`. */
export type EpochRecord = { number: bigint; firstBlock: bigint; lastBlock: bigint; signer: string };

export type MetisTokenContract = Typed<{
  mint: Tx<[to: AddressLike, amount: BigNumberish]>;
  approve: Tx<[spender: AddressLike, amount: BigNumberish]>;
  transfer: Tx<[to: AddressLike, amount: BigNumberish]>;
  balanceOf: View<[account: AddressLike], bigint>;
  allowance: View<[owner: AddressLike, spender: AddressLike], bigint>;
  totalSupply: View<[], bigint>;
}>;

export type LockingPoolContract = Typed<{
  lockFor: Tx<[signer: AddressLike, amount: BigNumberish, signerPubkey: BytesLike]>;
  relock: Tx<[sequencerId: BigNumberish, amount: BigNumberish, lockReward: boolean]>;
  unlock: Tx<[sequencerId: BigNumberish]>;
  unlockClaim: Tx<[sequencerId: BigNumberish]>;
  withdraw: Tx<[sequencerId: BigNumberish, amount: BigNumberish]>;
  withdrawClaim: Tx<[sequencerId: BigNumberish]>;
  pendingWithdrawals: View<[sequencerId: BigNumberish], [bigint, bigint] & { amount: bigint; claimTime: bigint }>;
  updateSigner: Tx<[sequencerId: BigNumberish, signerPubkey: BytesLike]>;
  withdrawRewards: Tx<[sequencerId: BigNumberish]>;
  setSequencerRewardRecipient: Tx<[sequencerId: BigNumberish, recipient: AddressLike]>;
  setSequencerOwner: Tx<[sequencerId: BigNumberish, newOwner: AddressLike]>;
  fundRewards: Tx<[amount: BigNumberish]>;
  submitRewards: Tx<
    [rewardBatchId: BigNumberish, startEpoch: BigNumberish, endEpoch: BigNumberish, sequencerIds: BigNumberish[], blockCounts: BigNumberish[], signature: BytesLike]
  >;
  slash: Tx<[sequencerId: BigNumberish, evidenceHash: BytesLike, amount: BigNumberish, signature: BytesLike]>;
  updateMpc: Tx<[newMpc: AddressLike]>;
  updateMpcWithSig: Tx<[newMpc: AddressLike, signature: BytesLike]>;
  setRewardPerBlockWithSig: Tx<[rewardPerBlock: BigNumberish, nonce: BigNumberish, signature: BytesLike]>;
  paramsNonce: View<[], bigint>;
  setGenesisMpc: Tx<[mpc: AddressLike]>;
  setWhitelist: Tx<[account: AddressLike, allowed: boolean]>;
  setMinLock: Tx<[minLock: BigNumberish]>;
  setMaxLock: Tx<[maxLock: BigNumberish]>;
  updateWithdrawDelayTimeValue: Tx<[delay: BigNumberish]>;
  updateBlockReward: Tx<[rewardPerBlock: BigNumberish]>;
  setSignerUpdateThrottle: Tx<[throttle: BigNumberish]>;
  setSlashRecipient: Tx<[recipient: AddressLike]>;
  forceUnlock: Tx<[sequencerId: BigNumberish]>;
  setPause: Tx<[]>;
  setUnpause: Tx<[]>;
  transferOwnership: Tx<[newOwner: AddressLike]>;
  acceptOwnership: Tx<[]>;
  owner: View<[], string>;
  paused: View<[], boolean>;
  token: View<[], string>;
  mpcAddress: View<[], string>;
  mpcNonce: View<[], bigint>;
  getSequencer: View<[sequencerId: BigNumberish], SequencerRecord>;
  getSequencerBySigner: View<[signer: AddressLike], [bigint, SequencerRecord]>;
  getSequencerByOwner: View<[owner: AddressLike], [bigint, SequencerRecord]>;
  activeSequencers: View<[], ActiveSequencerRecord[]>;
  activeSequencerCount: View<[], bigint>;
  sequencerIdBySigner: View<[signer: AddressLike], bigint>;
  sequencerIdByOwner: View<[owner: AddressLike], bigint>;
  signerUsed: View<[signer: AddressLike], boolean>;
  whitelist: View<[account: AddressLike], boolean>;
  evidenceUsed: View<[evidenceHash: BytesLike], boolean>;
  minLock: View<[], bigint>;
  maxLock: View<[], bigint>;
  exitDelay: View<[], bigint>;
  minExitDelay: View<[], bigint>;
  rewardPerBlock: View<[], bigint>;
  signerUpdateThrottle: View<[], bigint>;
  slashRecipient: View<[], string>;
  sequencerCount: View<[], bigint>;
  totalLocked: View<[], bigint>;
  totalActiveStake: View<[], bigint>;
  totalSlashed: View<[], bigint>;
  rewardReserve: View<[], bigint>;
  totalRewardsOwed: View<[], bigint>;
  lastRewardBatchId: View<[], bigint>;
  nextRewardEpoch: View<[], bigint>;
  DOMAIN_SEPARATOR: View<[], string>;
}>;

export type BatchChainContract = Typed<{
  appendBatch: Tx<[batch: BatchRecord, signature: BytesLike, data: BytesLike]>;
  appendBatchBlobs: Tx<[batch: BatchRecord, signature: BytesLike]>;
  verifyTransaction: View<[batchIndex: BigNumberish, txHash: BytesLike, proof: BytesLike[]], boolean>;
  batchCount: View<[], bigint>;
  batches: View<[index: BigNumberish], BatchRecord>;
  lastL2Block: View<[], bigint>;
  nextFirstBlock: View<[], bigint>;
  batchOfBlock: View<[l2Block: BigNumberish], bigint>;
  firstL2Block: View<[], bigint>;
  lockingPool: View<[], string>;
  DOMAIN_SEPARATOR: View<[], string>;
}>;

export type SequencerSetContract = Typed<{
  commitEpoch: Tx<[newEpoch: BigNumberish, firstBlock: BigNumberish, lastBlock: BigNumberish, signer: AddressLike]>;
  recommitEpoch: Tx<
    [oldEpoch: BigNumberish, newEpoch: BigNumberish, firstBlock: BigNumberish, lastBlock: BigNumberish, signer: AddressLike]
  >;
  updateMpc: Tx<[newMpc: AddressLike]>;
  getSequencer: View<[l2Block: BigNumberish], string>;
  getEpochByBlock: View<[l2Block: BigNumberish], EpochRecord>;
  currentEpoch: View<[], EpochRecord>;
  latestEpoch: View<[], EpochRecord>;
  epochs: View<[number: BigNumberish], EpochRecord>;
  epochCount: View<[], bigint>;
  firstEpoch: View<[], bigint>;
  mpcAddress: View<[], string>;
}>;

/** Deploys contract `name` from its artifact and waits for the deployment to be mined. */
export async function deployContract<T>(name: string, runner: Signer, args: unknown[] = [], overrides: Overrides = {}): Promise<T> {
  const artifact = loadArtifact(name);
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, runner);
  const contract = await factory.deploy(...args, overrides);
  await contract.waitForDeployment();
  return contract as unknown as T;
}

/** Production defaults of the owner timelock and of the exit-delay floor. */
export const DEFAULT_OWNER_DELAY = 2n * 86_400n;
export const DEFAULT_MIN_EXIT_DELAY = 7n * 86_400n;

export type DeployL1Options = {
  /**
   * Deployer: applies the options below at once (before any stake exists), then hands the LockingPool to an
   * OwnerTimelock whose only proposer it is (governance). It stays the owner of a freshly deployed MetisToken.
   */
  runner: Signer;
  /** Seconds every later owner call waits in the timelock (default 2 days). */
  ownerDelay?: bigint;
  /** The floor under the exit delay, fixed for good (default 7 days; at most the exit delay). */
  minExitDelay?: bigint;
  /** An existing METIS token; by default a MetisToken is deployed. */
  token?: string;
  /** The genesis MPC address, set with setGenesisMpc; without it the MPC is set later (e.g. after the DKG). */
  mpc?: string;
  /** The first L2 block of batch 0 (default 1). */
  firstL2Block?: bigint;
  /** Sequencer owners to whitelist. */
  whitelist?: string[];
  /** Parameters that differ from the contract's defaults (20,000 / 100,000 METIS, 21 days, 0.000761 METIS). */
  minLock?: bigint;
  maxLock?: bigint;
  exitDelay?: bigint;
  rewardPerBlock?: bigint;
  signerUpdateThrottle?: bigint;
};

export type L1Deployment = {
  token: MetisTokenContract;
  lockingPool: LockingPoolContract;
  batchChain: BatchChainContract;
  /** The LockingPool's owner: owner calls go through it (node/l1/owner-timelock.ts). */
  timelock: OwnerTimelockContract;
  addresses: { token: string; lockingPool: string; batchChain: string; timelock: string };
  chainId: bigint;
  /** The block of the first deployment transaction: where log scans of these contracts start. */
  fromBlock: number;
};

/**
 * Deploys MetisToken (unless given), LockingPool and BatchChain, applies the options as governance, then puts the
 * LockingPool behind an OwnerTimelock.
 */
export async function deployL1(options: DeployL1Options): Promise<L1Deployment> {
  const { runner } = options;
  const provider = runner.provider;
  if (!provider) throw new Error('deployL1: the runner must be connected to a provider');
  const owner = await runner.getAddress();
  const fromBlock = (await provider.getBlockNumber()) + 1;
  const chainId = (await provider.getNetwork()).chainId;

  // Explicit nonces: the deployment is a burst of transactions from one account, and a provider may cache
  // eth_getTransactionCount for a moment (ethers' cacheTimeout), which would hand two of them the same nonce.
  let nonce = await provider.getTransactionCount(owner, 'pending');
  const next = (): Overrides => ({ nonce: nonce++ });

  const token = options.token
    ? contractAt<MetisTokenContract>('MetisToken', options.token, runner)
    : await deployContract<MetisTokenContract>('MetisToken', runner, [owner], next());
  const tokenAddress = await token.getAddress();
  const minExitDelay = options.minExitDelay ?? DEFAULT_MIN_EXIT_DELAY;
  const lockingPool = await deployContract<LockingPoolContract>('LockingPool', runner, [tokenAddress, owner, minExitDelay], next());
  const lockingPoolAddress = await lockingPool.getAddress();
  const batchChain = await deployContract<BatchChainContract>(
    'BatchChain',
    runner,
    [lockingPoolAddress, options.firstL2Block ?? 1n],
    next(),
  );

  // Keep minLock <= maxLock at every step: a minLock above the current maxLock needs the new maxLock first.
  const { minLock, maxLock } = options;
  const setMin = async () => minLock !== undefined && (await mined(lockingPool.setMinLock(minLock, next())));
  const setMax = async () => maxLock !== undefined && (await mined(lockingPool.setMaxLock(maxLock, next())));
  if ((minLock ?? 0n) > (await lockingPool.maxLock())) {
    await setMax();
    await setMin();
  } else {
    await setMin();
    await setMax();
  }
  if (options.exitDelay !== undefined) await mined(lockingPool.updateWithdrawDelayTimeValue(options.exitDelay, next()));
  if (options.rewardPerBlock !== undefined) await mined(lockingPool.updateBlockReward(options.rewardPerBlock, next()));
  if (options.signerUpdateThrottle !== undefined) {
    await mined(lockingPool.setSignerUpdateThrottle(options.signerUpdateThrottle, next()));
  }
  for (const account of options.whitelist ?? []) await mined(lockingPool.setWhitelist(account, true, next()));
  if (options.mpc) await mined(lockingPool.setGenesisMpc(options.mpc, next()));
  const timelock = await installOwnerTimelock(runner, [lockingPool], options.ownerDelay ?? DEFAULT_OWNER_DELAY, next);

  return {
    token,
    lockingPool,
    batchChain,
    timelock,
    addresses: { token: tokenAddress, lockingPool: lockingPoolAddress, batchChain: await batchChain.getAddress(), timelock: await timelock.getAddress() },
    chainId,
    fromBlock,
  };
}

/** A typed handle on an already deployed contract. */
export function contractAt<T>(name: string, address: string, runner: ContractRunner): T {
  const artifact = loadArtifact(name);
  return new Contract(address, artifact.abi as InterfaceAbi, runner) as unknown as T;
}

async function mined(sent: Promise<ContractTransactionResponse>): Promise<true> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
  return true;
}
