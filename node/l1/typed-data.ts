/**
 * The EIP-712 messages the MPC address signs for the L1 contracts (contracts/src), in one place so the batcher, the
 * MPC signer, the tests and the Rust core agree byte for byte. Each `*_TYPES` matches the contract's type string.
 */
import { TypedDataEncoder, type TypedDataDomain, type TypedDataField } from 'ethers';

/** `Batch(uint64 index,uint64 firstBlock,uint64 lastBlock,bytes32 txRoot,bytes32 stateRoot,bytes32 dataHash)` */
export const BATCH_TYPES: Record<string, TypedDataField[]> = {
  Batch: [
    { name: 'index', type: 'uint64' },
    { name: 'firstBlock', type: 'uint64' },
    { name: 'lastBlock', type: 'uint64' },
    { name: 'txRoot', type: 'bytes32' },
    { name: 'stateRoot', type: 'bytes32' },
    { name: 'dataHash', type: 'bytes32' },
  ],
};

/** `SubmitRewards(uint256 rewardBatchId,uint256 startEpoch,uint256 endEpoch,uint256[] sequencerIds,uint256[] blockCounts)` */
export const SUBMIT_REWARDS_TYPES: Record<string, TypedDataField[]> = {
  SubmitRewards: [
    { name: 'rewardBatchId', type: 'uint256' },
    { name: 'startEpoch', type: 'uint256' },
    { name: 'endEpoch', type: 'uint256' },
    { name: 'sequencerIds', type: 'uint256[]' },
    { name: 'blockCounts', type: 'uint256[]' },
  ],
};

/** `Slash(uint256 sequencerId,bytes32 evidenceHash,uint256 amount)` */
export const SLASH_TYPES: Record<string, TypedDataField[]> = {
  Slash: [
    { name: 'sequencerId', type: 'uint256' },
    { name: 'evidenceHash', type: 'bytes32' },
    { name: 'amount', type: 'uint256' },
  ],
};

/** `UpdateMpc(address newMpc,uint256 nonce)`; nonce is the pool's current `mpcNonce()`. */
export const UPDATE_MPC_TYPES: Record<string, TypedDataField[]> = {
  UpdateMpc: [
    { name: 'newMpc', type: 'address' },
    { name: 'nonce', type: 'uint256' },
  ],
};

/** `SetRewardPerBlock(uint256 rewardPerBlock,uint256 nonce)`; nonce is the pool's current `paramsNonce()`. */
export const SET_REWARD_PER_BLOCK_TYPES: Record<string, TypedDataField[]> = {
  SetRewardPerBlock: [
    { name: 'rewardPerBlock', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
  ],
};

/** A BatchChain batch header, as `appendBatch` takes it and the MPC signs it. */
export type BatchHeader = {
  index: bigint;
  firstBlock: bigint;
  lastBlock: bigint;
  txRoot: string;
  stateRoot: string;
  dataHash: string;
};

export type RewardsMessage = {
  rewardBatchId: bigint;
  startEpoch: bigint;
  endEpoch: bigint;
  sequencerIds: bigint[];
  blockCounts: bigint[];
};

export type SlashMessage = {
  sequencerId: bigint;
  evidenceHash: string;
  amount: bigint;
};

export type UpdateMpcMessage = {
  newMpc: string;
  nonce: bigint;
};

/** A reward rate voted on the consensus layer, numbered by the app in the order the votes activated. */
export type RewardRateMessage = {
  rewardPerBlock: bigint;
  nonce: bigint;
};

/** Domain {name: "BatchChain", version: "1", chainId, verifyingContract}. */
export function batchChainDomain(chainId: bigint, batchChain: string): TypedDataDomain {
  return { name: 'BatchChain', version: '1', chainId, verifyingContract: batchChain };
}

/** Domain {name: "LockingPool", version: "1", chainId, verifyingContract}. */
export function lockingPoolDomain(chainId: bigint, lockingPool: string): TypedDataDomain {
  return { name: 'LockingPool', version: '1', chainId, verifyingContract: lockingPool };
}

/** The 32-byte digest the MPC signs for a batch (what a threshold signer feeds to ECDSA). */
export function batchDigest(domain: TypedDataDomain, batch: BatchHeader): string {
  return TypedDataEncoder.hash(domain, BATCH_TYPES, batch);
}

export function rewardsDigest(domain: TypedDataDomain, message: RewardsMessage): string {
  return TypedDataEncoder.hash(domain, SUBMIT_REWARDS_TYPES, message);
}

export function slashDigest(domain: TypedDataDomain, message: SlashMessage): string {
  return TypedDataEncoder.hash(domain, SLASH_TYPES, message);
}

export function updateMpcDigest(domain: TypedDataDomain, message: UpdateMpcMessage): string {
  return TypedDataEncoder.hash(domain, UPDATE_MPC_TYPES, message);
}

export function rewardRateDigest(domain: TypedDataDomain, message: RewardRateMessage): string {
  return TypedDataEncoder.hash(domain, SET_REWARD_PER_BLOCK_TYPES, message);
}
