import { Contract, JsonRpcProvider, type InterfaceAbi } from 'ethers';
import { loadArtifact } from '../../../contracts/artifacts.ts';
import type { Address } from '../../../protocol/consensus/types.ts';

export interface GenesisValidator {
  address: Address;
  sequencerId: number;
  owner: Address;
  stake: string;
  cometPubKey: string;
  rpcUrl?: string;
  peerUrl?: string;
}

/**
 * The genesis validator set read from LockingPool.activeSequencers() at one L1 block. CometBFT keys are not on
 * L1: `cometKeyOf(signer)` supplies them (the devnet's node i <-> sequencer i mapping); sequencers without one
 * are left out and join later with a register-comet-key tx. Returns the block to put in genesis l1StartBlock,
 * so validators report events from the next block on.
 */
export async function genesisFromLockingPool(options: {
  url: string;
  lockingPool: string;
  cometKeyOf: (signer: Address) => { cometPubKey: string; rpcUrl?: string; peerUrl?: string } | undefined;
}): Promise<{ l1StartBlock: number; validators: GenesisValidator[] }> {
  const provider = new JsonRpcProvider(options.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const blockTag = await provider.getBlockNumber();
    const pool = new Contract(options.lockingPool, loadArtifact('LockingPool').abi as InterfaceAbi, provider);
    const rows = (await pool.getFunction('activeSequencers').staticCall({ blockTag })) as { id: bigint; signer: string; owner: string; amount: bigint }[];
    const validators: GenesisValidator[] = [];
    for (const row of rows) {
      const signer = row.signer.toLowerCase() as Address;
      const key = options.cometKeyOf(signer);
      if (!key) continue;
      validators.push({ address: signer, sequencerId: Number(row.id), owner: row.owner.toLowerCase() as Address, stake: row.amount.toString(), ...key });
    }
    return { l1StartBlock: blockTag, validators };
  } finally {
    provider.destroy();
  }
}
