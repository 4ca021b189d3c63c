import { ed25519 } from '@noble/curves/ed25519.js';
import { BinaryWriter } from 'cosmjs-types/binary';
import { encodeFrame } from './framing.ts';

/**
 * The bytes CometBFT signs for a vote extension (types.VoteExtensionSignBytes): CanonicalVoteExtension
 * {extension = 1 (bytes), height = 2 (sfixed64), round = 3 (sfixed64), chain_id = 4 (string)}, length-delimited.
 * cosmjs-types ships no tendermint.types.CanonicalVoteExtension, so the message is written with its maintained
 * protobuf writer; proto3 omits zero/empty fields, as gogoproto does.
 */
export function voteExtensionSignBytes(chainId: string, height: bigint, round: number, extension: Uint8Array): Uint8Array {
  const writer = BinaryWriter.create();
  if (extension.length > 0) writer.uint32((1 << 3) | 2).bytes(extension);
  if (height !== 0n) writer.uint32((2 << 3) | 1).sfixed64(height);
  if (round !== 0) writer.uint32((3 << 3) | 1).sfixed64(BigInt(round));
  if (chainId.length > 0) writer.uint32((4 << 3) | 2).string(chainId);
  return encodeFrame(writer.finish());
}

export function verifyVoteExtensionSignature(options: {
  chainId: string;
  height: bigint;
  round: number;
  extension: Uint8Array;
  signature: Uint8Array;
  pubKey: Uint8Array;
}): boolean {
  try {
    return ed25519.verify(options.signature, voteExtensionSignBytes(options.chainId, options.height, options.round, options.extension), options.pubKey);
  } catch {
    return false;
  }
}
