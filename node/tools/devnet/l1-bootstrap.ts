import { JsonRpcProvider, NonceManager, parseEther, Wallet, type Signer } from 'ethers';
import { contractAt, deployL1, type LockingPoolContract, type MetisTokenContract } from '../../l1/deploy.ts';
import type { OwnerTimelockContract } from '../../l1/owner-timelock.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys, signerPubkey } from './accounts.ts';
import { l1RelayerKeys, relayersPrefunded } from './hosts.ts';

/** Where the devnet's L1 contracts live; written to `.devnet/l1.json`. */
export type L1Addresses = {
  chainId: number;
  token: string;
  lockingPool: string;
  batchChain: string;
  /** LockingPool's owner: owner calls are scheduled here and run a delay later (node/l1/owner-timelock.ts). */
  timelock: string;
  fromBlock: number;
};

export type BootstrapL1Options = {
  url: string;
  /** METIS each sequencer locks, in whole tokens; differing stakes make the stake-weighted election visible. */
  stakes: readonly number[];
  /** Exit delay in seconds (the contract's default is 21 days; a devnet wants minutes); also its floor. */
  exitDelaySeconds: number;
  /** Seconds every owner call waits in the timelock (production: days; a devnet: seconds). Default 3. */
  ownerDelaySeconds?: number;
};

export const DEVNET_OWNER_DELAY_SECONDS = 3;

/**
 * Deploys MetisToken, LockingPool and BatchChain, whitelists the sequencers' owners, and has each owner lock its
 * stake for its signer; the pool then belongs to the owner timelock. The MPC address is left unset: the sequencers'
 * distributed key generation sets it (through the timelock, so a devnet start waits one owner delay for it).
 */
export async function bootstrapL1(options: BootstrapL1Options): Promise<L1Addresses> {
  const provider = new JsonRpcProvider(options.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    const sequencers = options.stakes.map((_, index) => sequencerKeys(index));
    const deployment = await deployL1({
      runner: deployer,
      exitDelay: BigInt(options.exitDelaySeconds),
      minExitDelay: BigInt(options.exitDelaySeconds),
      ownerDelay: BigInt(options.ownerDelaySeconds ?? DEVNET_OWNER_DELAY_SECONDS),
      whitelist: sequencers.map((keys) => keys.owner.address),
    });
    await fundL1Relayers(deployer, options.stakes.map((_, index) => index));
    for (const [index, stake] of options.stakes.entries()) {
      const keys = sequencers[index]!;
      const amount = parseEther(String(stake));
      await mined(deployment.token.mint(keys.owner.address, amount));
      const owner = new NonceManager(keys.owner.connect(provider));
      await lock(deployment.token.connect(owner), deployment.lockingPool.connect(owner), amount, keys.signer.address, signerPubkey(keys.signer));
    }
    return {
      chainId: Number(deployment.chainId),
      ...deployment.addresses,
      fromBlock: deployment.fromBlock,
    };
  } finally {
    provider.destroy();
  }
}

/** Pays the L1 relayers of the sequencers `indexes` that Hardhat's genesis does not fund (hosts.ts l1RelayerKeys). */
export async function fundL1Relayers(deployer: Signer, indexes: readonly number[]): Promise<void> {
  for (const index of indexes.filter((candidate) => !relayersPrefunded(candidate))) {
    const relayers = l1RelayerKeys(index);
    for (const key of [relayers.batcher, relayers.duties]) await mined(deployer.sendTransaction({ to: new Wallet(key).address, value: RELAYER_FUNDING }));
  }
}

/** Ample for a devnet's batches and MPC-signed L1 calls (a Hardhat account starts with 10,000). */
const RELAYER_FUNDING = parseEther('100');

async function lock(token: MetisTokenContract, pool: LockingPoolContract, amount: bigint, signer: string, pubkey: string): Promise<void> {
  await mined(token.approve(await pool.getAddress(), amount));
  await mined(pool.lockFor(signer, amount, pubkey));
}

/** Handles on the devnet's contracts for a runner (the operator CLI and tests use these). */
export function l1Contracts(addresses: L1Addresses, runner: Signer | JsonRpcProvider) {
  return {
    token: contractAt<MetisTokenContract>('MetisToken', addresses.token, runner),
    lockingPool: contractAt<LockingPoolContract>('LockingPool', addresses.lockingPool, runner),
    timelock: contractAt<OwnerTimelockContract>('OwnerTimelock', addresses.timelock, runner),
  };
}

async function mined(sent: Promise<{ wait(): Promise<{ status: number | null } | null>; hash: string }>): Promise<void> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`L1 transaction ${tx.hash} failed`);
}
