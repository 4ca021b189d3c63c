import { type CommitInfo, ExtendedCommitInfo } from 'cosmjs-types/tendermint/abci/types';
import { BlockIDFlag } from 'cosmjs-types/tendermint/types/validator';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeVoteExtension, type VoteExtension } from '../app/extension.ts';
import { verifyVoteExtensionSignature } from './vote-extension-signature.ts';

/**
 * Vote extensions reach FinalizeBlock only through the block: the proposer puts the ExtendedCommitInfo it got in
 * PrepareProposal into the block as tx 0, prefixed with a zero byte (app txs are JSON and start with "{").
 * ProcessProposal re-verifies every extension signature and checks the list against the block's own LastCommit,
 * so a proposer can neither forge nor drop observations.
 */
export const INJECTED_PREFIX = 0x00;

export function isInjectedTx(tx: Uint8Array): boolean {
  return tx.length > 0 && tx[0] === INJECTED_PREFIX;
}

export function encodeInjectedCommit(commit: ExtendedCommitInfo): Uint8Array {
  const body = ExtendedCommitInfo.encode(commit).finish();
  const tx = new Uint8Array(body.length + 1);
  tx[0] = INJECTED_PREFIX;
  tx.set(body, 1);
  return tx;
}

export function decodeInjectedCommit(tx: Uint8Array): ExtendedCommitInfo {
  if (!isInjectedTx(tx)) throw new Error('not an injected commit');
  return ExtendedCommitInfo.decode(tx.subarray(1));
}

/** Whether block `height` must carry the previous height's extensions. */
export function carriesExtensions(height: number, enableHeight: number): boolean {
  return enableHeight > 0 && height - 1 >= enableHeight;
}

export function cometAddressHex(address: Uint8Array): string {
  return bytesToHex(address).toUpperCase();
}

/** Why an injected commit is unacceptable, or undefined when it is sound. */
export function injectedCommitProblem(options: {
  chainId: string;
  height: number;
  injected: ExtendedCommitInfo;
  lastCommit: CommitInfo;
  pubKeyOf: (cometAddress: string) => string | undefined;
}): string | undefined {
  const { injected, lastCommit } = options;
  if (injected.round !== lastCommit.round) return `injected round ${injected.round} differs from the last commit's ${lastCommit.round}`;
  if (injected.votes.length !== lastCommit.votes.length) return 'injected votes do not match the last commit';
  for (let index = 0; index < injected.votes.length; index++) {
    const vote = injected.votes[index]!;
    const expected = lastCommit.votes[index]!;
    const address = cometAddressHex(vote.validator.address);
    if (address !== cometAddressHex(expected.validator.address) || vote.validator.power !== expected.validator.power || vote.blockIdFlag !== expected.blockIdFlag) {
      return `injected vote ${index} (${address}) does not match the last commit`;
    }
    if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) {
      if (vote.voteExtension.length > 0 || vote.extensionSignature.length > 0) return `vote ${index} is not a commit vote but carries an extension`;
      continue;
    }
    const pubKey = options.pubKeyOf(address);
    if (!pubKey) return `no CometBFT key known for validator ${address}`;
    const signed = verifyVoteExtensionSignature({
      chainId: options.chainId,
      height: BigInt(options.height - 1),
      round: injected.round,
      extension: vote.voteExtension,
      signature: vote.extensionSignature,
      pubKey: Buffer.from(pubKey, 'base64'),
    });
    if (!signed) return `extension signature of ${address} does not verify`;
    try {
      decodeVoteExtension(vote.voteExtension);
    } catch (error) {
      return `extension of ${address}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/** The authenticated extensions of an injected commit (commit votes whose extension decodes). */
export function extensionsOf(injected: ExtendedCommitInfo): { cometAddress: string; extension: VoteExtension }[] {
  const votes: { cometAddress: string; extension: VoteExtension }[] = [];
  for (const vote of injected.votes) {
    if (vote.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) continue;
    try {
      votes.push({ cometAddress: cometAddressHex(vote.validator.address), extension: decodeVoteExtension(vote.voteExtension) });
    } catch {
      // Unreachable for blocks that passed ProcessProposal on an honest supermajority; ignored deterministically.
    }
  }
  return votes;
}
