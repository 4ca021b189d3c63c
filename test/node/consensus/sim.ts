import { History } from '../../../node/consensus/store/history-archive.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConsensusApplication } from '../../../node/consensus/abci/application.ts';
import { buildVoteExtension } from '../../../node/consensus/abci/extend-vote.ts';
import { applyBlock, appHashOf, type BlockResult } from '../../../node/consensus/app/block.ts';
import { createGenesisState } from '../../../node/consensus/app/genesis.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';
import { cometAddressOf } from '../../../node/consensus/app/validators.ts';
import { MemoryObserver } from '../../../node/consensus/abci/observer.ts';
import type { StateStore } from '../../../node/consensus/store/store.ts';
import { blockHash, METIS, signer } from './support.ts';

/** A CometBFT key for test validator i (deterministic). */
const cometKeys = new Map<number, { secret: Uint8Array; pubKey: string; address: string }>();
export function cometKey(index: number): { secret: Uint8Array; pubKey: string; address: string } {
  const cached = cometKeys.get(index);
  if (cached) return cached;
  const secret = sha256(new TextEncoder().encode(`comet key ${index}`));
  const pubKey = Buffer.from(ed25519.getPublicKey(secret)).toString('base64');
  const key = { secret, pubKey, address: cometAddressOf(pubKey) };
  cometKeys.set(index, key);
  return key;
}

export function genesisAppState(stakes: number[], params: Record<string, unknown> = {}): unknown {
  return {
    l2ChainId: 59902,
    params: { epochLength: 10, livenessTimeoutMs: 1000, l1Confirmations: 0, govVotingPeriod: 5, govExecutionDelay: 2, coolDownEpochs: 1, ...params },
    validators: stakes.map((stake, index) => ({
      address: signer(index).address.toLowerCase(),
      sequencerId: index + 1,
      owner: signer(index).address.toLowerCase(),
      stake: (BigInt(stake) * METIS).toString(),
      cometPubKey: cometKey(index).pubKey,
    })),
  };
}

/** The ABCI application after InitChain with `genesisAppState(stakes)`, vote extensions from height 1. */
export function initializedApplication(chainId: string, stakes: number[], store: StateStore | null = null, retainBlocks: number | null = null): ConsensusApplication {
  const application = new ConsensusApplication({ store, retainBlocks });
  application.initChain({
    time: { seconds: 0n, nanos: 0 },
    chainId,
    validators: [],
    appStateBytes: new TextEncoder().encode(JSON.stringify(genesisAppState(stakes))),
    initialHeight: 1n,
    consensusParams: { abci: { voteExtensionsEnableHeight: 1n } },
  });
  return application;
}

/**
 * The consensus app without CometBFT: every block, each online validator builds its extension from the
 * committed state and its observer (exactly as ExtendVote does) and the block applies them with the txs.
 * Deterministic: no clock, fixed randomness keys.
 */
export class SimNet {
  state: ConsensusState;
  readonly observers: MemoryObserver[];
  readonly online: boolean[];
  readonly randaoKeys: Uint8Array[];
  readonly hashes: string[] = [];
  lastResult: BlockResult | null = null;
  /** What the state archived (app/history.ts), kept as a node would. */
  readonly history = new History(null);
  l2Head = 0;

  constructor(stakes: number[], params: Record<string, unknown> = {}, chainId = 'sim-chain') {
    this.state = createGenesisState(chainId, 1, genesisAppState(stakes, params), 1);
    this.observers = stakes.map(() => new MemoryObserver());
    this.online = stakes.map(() => true);
    this.randaoKeys = stakes.map((_, index) => sha256(new TextEncoder().encode(`randao ${index}`)));
  }

  /** Every online observer sees the L2 chain up to `number`. */
  produceL2(upTo: number, fork = 0): void {
    for (let number = this.l2Head + 1; number <= upTo; number++) {
      this.observers.forEach((observer, index) => {
        if (this.online[index]) observer.setHead(number, blockHash(number, fork));
      });
    }
    this.l2Head = Math.max(this.l2Head, upTo);
  }

  block(txs: Uint8Array[] = [], misbehaviour: { cometAddress: string; height: number }[] = []): BlockResult {
    const votes = this.observers.flatMap((observer, index) =>
      this.online[index]
        ? [{ cometAddress: cometKey(index).address, extension: buildVoteExtension(this.state, { cometAddress: cometKey(index).address, randaoKey: this.randaoKeys[index]!, observer }) }]
        : [],
    );
    const next = structuredClone(this.state);
    const result = applyBlock(next, { height: this.state.height + 1, votes, txs, misbehaviour });
    this.state = next;
    this.history.append(result.archived, next.archived);
    this.hashes.push(result.appHash);
    this.lastResult = result;
    return result;
  }

  blocks(count: number): void {
    for (let index = 0; index < count; index++) this.block();
  }

  /** Runs blocks until `done` holds, at most `limit`. Returns how many blocks it took. */
  until(done: (state: ConsensusState) => boolean, limit = 50): number {
    for (let count = 0; count < limit; count++) {
      if (done(this.state)) return count;
      this.block();
    }
    throw new Error(`condition not reached within ${limit} blocks`);
  }

  get appHash(): string {
    return appHashOf(this.state);
  }
}
