import type { TypedDataDomain } from 'ethers';
import type { Hex } from '../../encoding/hex.ts';
import { rewardsDigest, slashDigest, type RewardsMessage, type SlashMessage } from '../../l1/typed-data.ts';

/**
 * The LockingPool messages the app asks the MPC to sign, read strictly from a session's request (the app
 * computed them from committed state: rewards from the closed epochs' produced blocks, slashes from proven
 * misbehaviour). The digest is always computed here, in this host's own L1 domain.
 */

export type Parsed<T> = { ok: true; message: T; digest: Hex } | { ok: false; reason: string };

const isUint = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isDecimal = (value: unknown): value is string => typeof value === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(value);

export function rewardsRequest(request: Record<string, unknown>, domain: TypedDataDomain): Parsed<RewardsMessage> {
  const { rewardBatchId, startEpoch, endEpoch, sequencerIds, blockCounts } = request;
  if (!isUint(rewardBatchId) || rewardBatchId < 1) return { ok: false, reason: 'rewards request: rewardBatchId must be a positive integer' };
  if (!isUint(startEpoch) || !isUint(endEpoch) || endEpoch < startEpoch) return { ok: false, reason: 'rewards request: bad epoch range' };
  if (!Array.isArray(sequencerIds) || !Array.isArray(blockCounts) || sequencerIds.length !== blockCounts.length) {
    return { ok: false, reason: 'rewards request: sequencerIds and blockCounts must be lists of one length' };
  }
  if (!sequencerIds.every((id) => isUint(id) && id >= 1) || !blockCounts.every(isUint)) {
    return { ok: false, reason: 'rewards request: sequencer ids must be >= 1 and block counts non-negative integers' };
  }
  const message: RewardsMessage = {
    rewardBatchId: BigInt(rewardBatchId),
    startEpoch: BigInt(startEpoch),
    endEpoch: BigInt(endEpoch),
    sequencerIds: sequencerIds.map((id) => BigInt(id as number)),
    blockCounts: blockCounts.map((count) => BigInt(count as number)),
  };
  return { ok: true, message, digest: rewardsDigest(domain, message).toLowerCase() as Hex };
}

export function slashRequest(request: Record<string, unknown>, domain: TypedDataDomain): Parsed<SlashMessage> {
  const { sequencerId, evidenceHash, amount } = request;
  if (!isUint(sequencerId) || sequencerId < 1) return { ok: false, reason: 'slash request: the sequencer is unknown to the app (no sequencerId)' };
  if (typeof evidenceHash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(evidenceHash)) return { ok: false, reason: 'slash request: evidenceHash must be 32 bytes of hex' };
  if (!isDecimal(amount) || amount === '0') return { ok: false, reason: 'slash request: nothing to slash (amount 0)' };
  const message: SlashMessage = { sequencerId: BigInt(sequencerId), evidenceHash: evidenceHash.toLowerCase(), amount: BigInt(amount) };
  return { ok: true, message, digest: slashDigest(domain, message).toLowerCase() as Hex };
}
