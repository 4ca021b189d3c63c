import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../../../protocol/consensus/canonical.ts';
import { address, describeIssues, uint, weiAmount } from './schemas.ts';
import { selectWeighted } from './selection.ts';
import type { ConsensusState, Params } from '../../../protocol/consensus/types.ts';
import { activeValidators, cometAddressOf, refreshValidators } from './validators.ts';
import { openKeygenIfNeeded, thresholdFor } from './mpc.ts';

const METIS = 10n ** 18n;

/** Production defaults; a genesis file overrides any of them, governance changes some of them later. */
export const DEFAULT_PARAMS: Params = {
  epochLength: 1000,
  blockTimeMs: 1000,
  minLock: (20_000n * METIS).toString(),
  maxLock: (100_000n * METIS).toString(),
  rewardPerBlock: '761000000000000',
  livenessTimeoutMs: 3000,
  l1Confirmations: 6,
  electionLeadBlocks: 0,
  coolDownEpochs: 2,
  govVotingPeriod: 20_000,
  govExecutionDelay: 100,
  govQuorumBps: 5000,
  govThresholdBps: 6667,
  slashBps: 1000,
  schedulers: [],
  whitelist: [],
};

const pubKey = z.string().refine((value) => Buffer.from(value, 'base64').length === 32, 'expected a base64 32-byte ed25519 public key');

export const genesisSchema = z
  .object({
    l2ChainId: uint,
    l2StartBlock: uint.min(1).default(1),
    /** L1 block from which validators report LockingPool events (the block the genesis set was read at). */
    l1StartBlock: uint.default(0),
    params: z
      .object({
        epochLength: uint.min(2),
        blockTimeMs: uint.min(1),
        minLock: weiAmount,
        maxLock: weiAmount,
        rewardPerBlock: weiAmount,
        livenessTimeoutMs: uint.min(1),
        l1Confirmations: uint,
        electionLeadBlocks: uint,
        coolDownEpochs: uint,
        govVotingPeriod: uint.min(1),
        govExecutionDelay: uint,
        govQuorumBps: uint.max(10_000),
        govThresholdBps: uint.max(10_000),
        slashBps: uint.max(10_000),
        schedulers: z.array(address),
        whitelist: z.array(address),
      })
      .partial()
      .strict()
      .default({}),
    validators: z
      .array(
        z
          .object({
            address,
            sequencerId: uint,
            owner: address,
            stake: weiAmount,
            cometPubKey: pubKey,
            rpcUrl: z.string().default(''),
            peerUrl: z.string().default(''),
          })
          .strict(),
      )
      .min(1),
    mpc: z.object({ address: address.nullable(), parties: z.array(address).default([]) }).strict().default({ address: null, parties: [] }),
  })
  .strict();

export type GenesisInput = z.input<typeof genesisSchema>;

export class InvalidGenesisError extends Error {
  override name = 'InvalidGenesisError';
}

/** Builds the state at InitChain from CometBFT's genesis app_state. Deterministic: same genesis, same state. */
export function createGenesisState(chainId: string, initialHeight: number, appState: unknown, voteExtensionsEnableHeight = 0): ConsensusState {
  const parsed = genesisSchema.safeParse(appState);
  if (!parsed.success) throw new InvalidGenesisError(`invalid genesis app_state: ${describeIssues(parsed.error)}`);
  const genesis = parsed.data;
  const params: Params = { ...DEFAULT_PARAMS, ...genesis.params };
  if (BigInt(params.minLock) > BigInt(params.maxLock)) throw new InvalidGenesisError('genesis minLock exceeds maxLock');
  const seed = sha256Hex(`genesis:${chainId}:${canonicalJson(genesis)}`);
  const state: ConsensusState = {
    chainId,
    l2ChainId: genesis.l2ChainId,
    height: initialHeight - 1,
    params,
    validators: genesis.validators.map((validator) => ({
      ...validator,
      power: 0,
      status: 'pending',
      lockState: 'locked',
      cometAddress: cometAddressOf(validator.cometPubKey),
      coolDownUntilEpoch: 0,
    })),
    nonces: {},
    epochs: [],
    nextEpoch: null,
    rotations: [],
    pendingElection: null,
    randao: { round: 1, commitments: {}, lastSeed: seed },
    l2: { latest: genesis.l2StartBlock - 1, safe: genesis.l2StartBlock - 1, safeHash: null, finalized: 0 },
    l1: { processedBlock: genesis.l1StartBlock, appliedEvents: 0 },
    proposals: [],
    mpc: { address: genesis.mpc.address, threshold: 0, parties: genesis.mpc.address ? [...genesis.mpc.parties].sort() : [], nextSessionId: 1, sessions: [] },
    accusations: [],
    slashes: [],
    triggers: [],
    nextRewardsBatchId: 1,
    punished: [],
    voteExtensionsEnableHeight,
    cometKeys: {},
    sequencerSet: null,
  };
  const keys = new Set(state.validators.map((validator) => validator.cometPubKey));
  if (keys.size !== state.validators.length) throw new InvalidGenesisError('two genesis validators share a CometBFT key');
  if (new Set(state.validators.map((validator) => validator.address)).size !== state.validators.length) {
    throw new InvalidGenesisError('two genesis validators share a signer address');
  }
  for (const validator of state.validators) state.cometKeys[validator.cometAddress!] = validator.cometPubKey!;
  refreshValidators(state);
  const active = activeValidators(state);
  if (active.length === 0) throw new InvalidGenesisError('no genesis validator has stake >= minLock: CometBFT needs at least one');
  const sequencer = selectWeighted(seed, active);
  // Epoch 0 is the genesis epoch, as in the L2 SequencerSet and LockingPool's reward epochs.
  state.epochs.push({
    number: 0,
    firstBlock: genesis.l2StartBlock,
    lastBlock: genesis.l2StartBlock + params.epochLength - 1,
    sequencer,
    seed,
    reason: 'genesis',
    startedAtHeight: initialHeight,
  });
  state.rotations.push({ epoch: 0, from: null, to: sequencer, reason: 'genesis', l2StartBlock: genesis.l2StartBlock, height: initialHeight });
  state.mpc.threshold = thresholdFor(state.mpc.parties.length);
  openKeygenIfNeeded(state);
  return state;
}

