import type { Address, Epoch } from '../../../protocol/consensus/types.ts';
import type { ConsensusStatus, ValidatorView } from '../../../protocol/consensus/query.ts';
import { L2_CHAIN_ID } from './seed.ts';

// Answers of the consensus query API in the shapes of the README's contract.

export function epoch(overrides: Partial<Epoch> = {}): Epoch {
  return {
    number: 1,
    firstBlock: 1,
    lastBlock: 1000,
    sequencer: '0x00000000000000000000000000000000000000a1',
    seed: `0x${'11'.repeat(32)}`,
    reason: 'genesis',
    startedAtHeight: 1,
    ...overrides,
  };
}

export function status(overrides: Partial<ConsensusStatus> = {}): ConsensusStatus {
  const current = overrides.epoch ?? epoch();
  return {
    chainId: 'l2-consensus-test',
    height: 42,
    appHash: `0x${'22'.repeat(32)}`,
    l2ChainId: L2_CHAIN_ID,
    epoch: current,
    nextEpoch: null,
    activeSequencer: current.sequencer,
    l2: { latest: 100, safe: 90, finalized: 50 },
    mpc: { address: '0x00000000000000000000000000000000000000cc', threshold: 3, parties: ['0x00000000000000000000000000000000000000a1'] },
    sequencerSet: { address: '0x00000000000000000000000000000000000000dd', writes: 3 },
    params: { epochLength: 1000, blockTimeMs: 1000, minLock: '20000', maxLock: '100000', rewardPerBlock: '1', livenessTimeoutMs: 10_000 },
    ...overrides,
  };
}

export function validator(address: Address, rpcUrl: string, overrides: Partial<ValidatorView> = {}): ValidatorView {
  return {
    address,
    sequencerId: Number.parseInt(address.slice(-2), 16),
    owner: `0x${'0'.repeat(38)}ff`,
    stake: '20000000000000000000000',
    power: 20000,
    status: 'active',
    cometPubKey: 'AAAA',
    rpcUrl,
    peerUrl: rpcUrl.replace('http', 'ws'),
    coolDownUntilEpoch: 0,
    ...overrides,
  };
}
