import { HDNodeWallet, Mnemonic, SigningKey, type Wallet } from 'ethers';

/** The mnemonic of Hardhat's and Anvil's development accounts: any wallet or script works on the devnet at once. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** The dev account at BIP-44 index `index` (m/44'/60'/0'/0/index). */
export function devAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

/**
 * The devnet's roles. Owners (indexes 1..) hold and lock METIS on L1; signers (indexes 100..) are the sequencer
 * hosts' node keys: they sign L2 blocks, peer messages and consensus transactions. A real operator brings both keys.
 */
export const DEVNET_ROLES = {
  deployer: 0,
  ownerBase: 1,
  signerBase: 100,
  scheduler: 200,
} as const;

export type SequencerKeys = { owner: HDNodeWallet; signer: HDNodeWallet };

export function sequencerKeys(index: number): SequencerKeys {
  return { owner: devAccount(DEVNET_ROLES.ownerBase + index), signer: devAccount(DEVNET_ROLES.signerBase + index) };
}

/** The 64-byte uncompressed public key (without the 0x04 prefix) that LockingPool.lockFor takes for a signer. */
export function signerPubkey(wallet: Wallet | HDNodeWallet): string {
  return `0x${SigningKey.computePublicKey(wallet.signingKey.publicKey, false).slice(4)}`;
}
