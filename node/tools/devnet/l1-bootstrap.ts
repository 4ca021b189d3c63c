import { JsonRpcProvider, NonceManager, parseEther, type Signer } from 'ethers';
import { contractAt, deployL1, type LockingPoolContract, type MetisTokenContract } from '../../l1/deploy.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys, signerPubkey } from './accounts.ts';

/** Where the devnet's L1 contracts live; written to `.devnet/l1.json`. */
export type L1Addresses = {
  chainId: number;
  token: string;
  lockingPool: string;
  batchChain: string;
  fromBlock: number;
};

export type BootstrapL1Options = {
  url: string;
  /** METIS each sequencer locks, in whole tokens; differing stakes make the stake-weighted election visible. */
  stakes: readonly number[];
  /** Exit delay in seconds (the contract's default is 21 days; a devnet wants minutes). */
  exitDelaySeconds: number;
};

/**
 * Deploys MetisToken, LockingPool and BatchChain, whitelists the sequencers' owners, and has each owner lock its
 * stake for its signer. The MPC address is left unset: the sequencers' distributed key generation sets it.
 */
export async function bootstrapL1(options: BootstrapL1Options): Promise<L1Addresses> {
  const provider = new JsonRpcProvider(options.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    const sequencers = options.stakes.map((_, index) => sequencerKeys(index));
    const deployment = await deployL1({
      runner: deployer,
      exitDelay: BigInt(options.exitDelaySeconds),
      whitelist: sequencers.map((keys) => keys.owner.address),
    });
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

async function lock(token: MetisTokenContract, pool: LockingPoolContract, amount: bigint, signer: string, pubkey: string): Promise<void> {
  await mined(token.approve(await pool.getAddress(), amount));
  await mined(pool.lockFor(signer, amount, pubkey));
}

/** Handles on the devnet's contracts for a runner (the operator CLI and tests use these). */
export function l1Contracts(addresses: L1Addresses, runner: Signer | JsonRpcProvider) {
  return {
    token: contractAt<MetisTokenContract>('MetisToken', addresses.token, runner),
    lockingPool: contractAt<LockingPoolContract>('LockingPool', addresses.lockingPool, runner),
  };
}

async function mined(sent: Promise<{ wait(): Promise<{ status: number | null } | null>; hash: string }>): Promise<void> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`L1 transaction ${tx.hash} failed`);
}
