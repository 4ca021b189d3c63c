/**
 * LockingPool's owner is an OwnerTimelock (OpenZeppelin's TimelockController): every owner call is scheduled by
 * governance (the proposer) and runs only after the timelock's delay, executed by anyone. This module installs it
 * at deployment and runs owner calls through it.
 */
import { ZeroHash, type BaseContract, type BaseContractMethod, type BigNumberish, type BytesLike, type ContractTransactionResponse, type Overrides, type Signer } from 'ethers';
import { deployContract } from './deploy.ts';

type Tx<A extends unknown[]> = BaseContractMethod<A, void, ContractTransactionResponse>;
type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;

export type OwnerTimelockContract = Omit<BaseContract, 'connect'> & {
  schedule: Tx<[target: string, value: BigNumberish, data: BytesLike, predecessor: BytesLike, salt: BytesLike, delay: BigNumberish]>;
  scheduleBatch: Tx<[targets: string[], values: BigNumberish[], payloads: BytesLike[], predecessor: BytesLike, salt: BytesLike, delay: BigNumberish]>;
  execute: Tx<[target: string, value: BigNumberish, data: BytesLike, predecessor: BytesLike, salt: BytesLike]>;
  executeBatch: Tx<[targets: string[], values: BigNumberish[], payloads: BytesLike[], predecessor: BytesLike, salt: BytesLike]>;
  cancel: Tx<[id: BytesLike]>;
  hashOperation: View<[target: string, value: BigNumberish, data: BytesLike, predecessor: BytesLike, salt: BytesLike], string>;
  isOperationReady: View<[id: BytesLike], boolean>;
  isOperationDone: View<[id: BytesLike], boolean>;
  getTimestamp: View<[id: BytesLike], bigint>;
  getMinDelay: View<[], bigint>;
  updateDelay: Tx<[newDelay: BigNumberish]>;
  connect(runner: Signer | null): OwnerTimelockContract;
};

/** One owner call: the pool (or any contract the timelock owns) and the ABI-encoded call. */
export type OwnerCall = { target: string; data: string };

/** A scheduled owner call: its operation id, and the earliest L1 timestamp at which it may run. */
export type ScheduledCall = OwnerCall & { id: string; salt: string; readyAt: bigint };

let saltCounter = 0n;
const nextSalt = (): string => `0x${(BigInt(Date.now()) * 1_000_000n + saltCounter++).toString(16).padStart(64, '0')}`;

/**
 * Deploys an OwnerTimelock and makes it the owner of `owned` (Ownable2Step contracts). The timelock starts with
 * delay 0 so that, in one batch through itself, it accepts each ownership and then raises its own delay to
 * `minDelay`: no owner call can run before the delay from then on, including changes of the delay itself.
 * `proposer` (governance) schedules and cancels; executing a ready call is open to anyone.
 */
export async function installOwnerTimelock(
  runner: Signer,
  owned: { transferOwnership: BaseContractMethod<[newOwner: string], void, ContractTransactionResponse>; getAddress(): Promise<string>; interface: BaseContract['interface'] }[],
  minDelay: bigint,
  next: () => Overrides,
): Promise<OwnerTimelockContract> {
  const proposer = await runner.getAddress();
  const timelock = await deployContract<OwnerTimelockContract>('OwnerTimelock', runner, [0n, [proposer], [`0x${'00'.repeat(20)}`]], next());
  const timelockAddress = await timelock.getAddress();
  for (const contract of owned) await mined(contract.transferOwnership(timelockAddress, next()));
  const targets = [...(await Promise.all(owned.map((contract) => contract.getAddress()))), timelockAddress];
  const payloads = [...owned.map((contract) => contract.interface.encodeFunctionData('acceptOwnership', [])), timelock.interface.encodeFunctionData('updateDelay', [minDelay])];
  const values = targets.map(() => 0n);
  const salt = nextSalt();
  await mined(timelock.scheduleBatch(targets, values, payloads, ZeroHash, salt, 0n, next()));
  await mined(timelock.executeBatch(targets, values, payloads, ZeroHash, salt, next()));
  return timelock;
}

/** Schedules `call` through the timelock (the caller must be a proposer); it may run `getMinDelay()` from now. */
export async function scheduleOwnerCall(timelock: OwnerTimelockContract, call: OwnerCall): Promise<ScheduledCall> {
  const salt = nextSalt();
  const delay = await timelock.getMinDelay();
  await mined(timelock.schedule(call.target, 0n, call.data, ZeroHash, salt, delay));
  const id = await timelock.hashOperation(call.target, 0n, call.data, ZeroHash, salt);
  return { ...call, id, salt, readyAt: await timelock.getTimestamp(id) };
}

/** Runs a scheduled call once it is ready; reverts with the owned contract's own error when the call fails. */
export function executeOwnerCall(timelock: OwnerTimelockContract, scheduled: ScheduledCall): Promise<ContractTransactionResponse> {
  return timelock.execute(scheduled.target, 0n, scheduled.data, ZeroHash, scheduled.salt);
}

/**
 * Schedules `call`, waits until the timelock reports it ready (`waitReady` lets a test move an L1 clock instead of
 * polling a real one), and executes it.
 */
export async function runOwnerCall(timelock: OwnerTimelockContract, call: OwnerCall, waitReady: (scheduled: ScheduledCall) => Promise<void>): Promise<ContractTransactionResponse> {
  const scheduled = await scheduleOwnerCall(timelock, call);
  await waitReady(scheduled);
  return executeOwnerCall(timelock, scheduled);
}

/**
 * Executes `scheduled` on a live L1 (whose clock moves with the wall clock, from its own origin): simulates the
 * execution on the pending block until the timelock stops answering "not ready yet"
 * (TimelockUnexpectedOperationState), then sends it once. Only simulations are retried, so a nonce-managing
 * signer never hands out a nonce for a transaction that is not sent.
 */
export async function executeWhenReady(timelock: OwnerTimelockContract, scheduled: ScheduledCall, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const args = [scheduled.target, 0n, scheduled.data, ZeroHash, scheduled.salt] as const;
  for (;;) {
    try {
      await timelock.execute.staticCall(...args, { blockTag: 'pending' });
      break;
    } catch (error) {
      const data = (error as { data?: string }).data;
      const notReady = typeof data === 'string' && timelock.interface.parseError(data)?.name === 'TimelockUnexpectedOperationState';
      if (!notReady || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  return mined(executeOwnerCall(timelock, scheduled));
}

/** Schedules and then executes an owner call on a live L1: resolves once it ran, a full timelock delay later. */
export async function ownerCallOnLiveL1(timelock: OwnerTimelockContract, call: OwnerCall): Promise<string> {
  return executeWhenReady(timelock, await scheduleOwnerCall(timelock, call));
}

async function mined(sent: Promise<ContractTransactionResponse>): Promise<string> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
  return tx.hash;
}
