import { MisbehaviorType, type Request, Response, type Misbehavior, ResponseProcessProposal_ProposalStatus, ResponseVerifyVoteExtension_VerifyStatus, CheckTxType, type Event } from 'cosmjs-types/tendermint/abci/types';
import { applyBlock, appHashOf, type BlockResult } from '../app/block.ts';
import { TxRejectedError } from '../../../protocol/consensus/errors.ts';
import type { AppEvent } from '../app/events.ts';
import { decodeVoteExtension, encodeVoteExtension } from '../app/extension.ts';
import { createGenesisState } from '../app/genesis.ts';
import { checkTx } from '../app/transactions.ts';
import type { ConsensusState, Hex } from '../../../protocol/consensus/types.ts';
import { cometValidatorSet } from '../app/validators.ts';
import { answerQueryTarget, type CommittedView } from '../query/routes.ts';
import { History } from '../store/history-archive.ts';
import type { StateStore } from '../store/store.ts';
import { decodeTx } from '../app/txs.ts';
import { buildVoteExtension, type LocalValidator } from './extend-vote.ts';
import { retainHeightOf } from './retain.ts';
import { carriesExtensions, cometAddressHex, decodeInjectedCommit, encodeInjectedCommit, extensionsOf, injectedCommitProblem, isInjectedTx } from './injected-commit.ts';

export const APP_VERSION = 1n;

function toAbciEvents(events: AppEvent[]): Event[] {
  return events.map((appEvent) => ({
    type: appEvent.type,
    attributes: Object.entries(appEvent.attributes).map(([key, value]) => ({ key, value, index: true })),
  }));
}

function hexBytes(hex: Hex): Uint8Array {
  return Buffer.from(hex.slice(2), 'hex');
}

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * The ABCI 2.0 application: protobuf in, protobuf out, around the pure state machine in app/. Holds the committed
 * state (what queries read), the block being finalized (until Commit) and the mempool's nonce view.
 */
export class ConsensusApplication {
  private committed: CommittedView | null = null;
  private pending: { state: ConsensusState; result: BlockResult } | null = null;
  /** The block being precommitted, executed by ExtendVote (see there); FinalizeBlock takes it if it is the one decided. */
  private speculative: { hash: string; height: number; state: ConsensusState; result: BlockResult } | null = null;
  /** Mempool view of nonces: committed nonces advanced by txs CheckTx accepted since the last Commit. */
  private checkNonces = new Map<string, number>();
  private readonly store: StateStore | null;
  /** Epochs and rotations that left the state (app/history.ts), for queries. */
  private readonly history: History;
  private readonly local: LocalValidator | null;
  private readonly commitListeners = new Set<(view: CommittedView) => void>();
  /** Consensus heights CometBFT keeps (retain_height in Commit); null keeps every block. */
  private readonly retainBlocks: number | null;

  constructor(options: { store?: StateStore | null; local?: LocalValidator | null; retainBlocks?: number | null }) {
    this.store = options.store ?? null;
    this.retainBlocks = options.retainBlocks ?? null;
    this.local = options.local ?? null;
    const stored = this.store?.load();
    this.history = new History(this.store?.dir ?? null);
    if (stored) this.committed = { state: stored.state, appHash: stored.appHash, history: this.history };
  }

  /** The last committed state (null before InitChain). Read-only by contract. */
  get view(): CommittedView | null {
    return this.committed;
  }

  onCommit(listener: (view: CommittedView) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  handle = (request: Request): Response => {
    if (request.info) return Response.fromPartial({ info: this.info() });
    if (request.initChain) return Response.fromPartial({ initChain: this.initChain(request.initChain) });
    if (request.checkTx) return Response.fromPartial({ checkTx: this.checkTx(request.checkTx.tx, request.checkTx.type) });
    if (request.query) return Response.fromPartial({ query: this.query(request.query.path, request.query.data) });
    if (request.prepareProposal) return Response.fromPartial({ prepareProposal: this.prepareProposal(request.prepareProposal) });
    if (request.processProposal) return Response.fromPartial({ processProposal: this.processProposal(request.processProposal) });
    if (request.extendVote) return Response.fromPartial({ extendVote: this.extendVote(request.extendVote) });
    if (request.verifyVoteExtension) return Response.fromPartial({ verifyVoteExtension: this.verifyVoteExtension(request.verifyVoteExtension.voteExtension) });
    if (request.finalizeBlock) return Response.fromPartial({ finalizeBlock: this.finalizeBlock(request.finalizeBlock) });
    if (request.commit) return Response.fromPartial({ commit: this.commit() });
    if (request.listSnapshots) return Response.fromPartial({ listSnapshots: { snapshots: [] } });
    if (request.offerSnapshot) return Response.fromPartial({ offerSnapshot: { result: 4 /* REJECT: state sync is not offered */ } });
    if (request.loadSnapshotChunk) return Response.fromPartial({ loadSnapshotChunk: { chunk: new Uint8Array() } });
    if (request.applySnapshotChunk) return Response.fromPartial({ applySnapshotChunk: { result: 5 /* REJECT_SNAPSHOT */ } });
    return Response.fromPartial({ exception: { error: 'unsupported ABCI request' } });
  };

  private requireState(): ConsensusState {
    if (!this.committed) throw new Error('no state: InitChain has not run');
    return this.committed.state;
  }

  info() {
    return {
      data: 'l2-sequencer-consensus',
      version: '1.0.0',
      appVersion: APP_VERSION,
      lastBlockHeight: BigInt(this.committed && this.committed.state.height > 0 ? this.committed.state.height : 0),
      lastBlockAppHash: this.committed && this.committed.state.height > 0 ? hexBytes(this.committed.appHash) : new Uint8Array(),
    };
  }

  initChain(request: NonNullable<Request['initChain']>) {
    const appState: unknown = request.appStateBytes.length ? JSON.parse(new TextDecoder().decode(request.appStateBytes)) : {};
    const enableHeight = Number(request.consensusParams?.abci?.voteExtensionsEnableHeight ?? 0n);
    const state = createGenesisState(request.chainId, Number(request.initialHeight), appState, enableHeight);
    const appHash = appHashOf(state);
    this.committed = { state, appHash, history: this.history };
    return {
      validators: [...cometValidatorSet(state)].map(([pubKey, power]) => ({ pubKey: { ed25519: Buffer.from(pubKey, 'base64') }, power: BigInt(power) })),
      appHash: hexBytes(appHash),
    };
  }

  checkTx(bytes: Uint8Array, type: CheckTxType) {
    try {
      if (isInjectedTx(bytes)) throw new TxRejectedError(1, 'vote extensions are put into blocks by proposers, not sent as txs');
      const state = this.requireState();
      const tx = decodeTx(bytes);
      const from = tx.body.from;
      const expected = this.checkNonces.get(from) ?? state.nonces[from] ?? 0;
      checkTx(state, tx, expected);
      this.checkNonces.set(from, expected + 1);
      return { code: 0, log: type === CheckTxType.RECHECK ? 'rechecked' : 'accepted', gasWanted: 1n };
    } catch (error) {
      if (error instanceof TxRejectedError) return { code: error.code, log: error.message, codespace: 'consensus' };
      return { code: 1, log: (error as Error).message, codespace: 'consensus' };
    }
  }

  query(path: string, data: Uint8Array) {
    const result = answerQueryTarget(this.committed, path, new TextDecoder().decode(data));
    return {
      code: result.status === 200 ? 0 : result.status,
      value: new TextEncoder().encode(JSON.stringify(result.body)),
      log: result.status === 200 ? '' : ((result.body as { error: { message: string } }).error?.message ?? ''),
      height: BigInt(this.committed?.state.height ?? 0),
    };
  }

  prepareProposal(request: NonNullable<Request['prepareProposal']>) {
    const state = this.requireState();
    const height = Number(request.height);
    const txs: Uint8Array[] = [];
    let size = 0;
    const maxBytes = Number(request.maxTxBytes);
    if (carriesExtensions(height, state.voteExtensionsEnableHeight)) {
      const injected = encodeInjectedCommit(request.localLastCommit);
      txs.push(injected);
      size += injected.length;
    }
    for (const tx of request.txs) {
      if (isInjectedTx(tx)) continue;
      // The framing overhead CometBFT counts per tx is at most a few bytes; keep a margin.
      if (size + tx.length + 8 > maxBytes) break;
      txs.push(tx);
      size += tx.length + 8;
    }
    return { txs };
  }

  processProposal(request: NonNullable<Request['processProposal']>) {
    const reject = { status: ResponseProcessProposal_ProposalStatus.REJECT };
    const state = this.requireState();
    const height = Number(request.height);
    const [first, ...rest] = request.txs;
    if (rest.some(isInjectedTx)) return reject;
    if (!carriesExtensions(height, state.voteExtensionsEnableHeight)) {
      return first && isInjectedTx(first) ? reject : { status: ResponseProcessProposal_ProposalStatus.ACCEPT };
    }
    if (!first || !isInjectedTx(first)) return reject;
    let problem: string | undefined;
    try {
      problem = injectedCommitProblem({
        chainId: state.chainId,
        height,
        injected: decodeInjectedCommit(first),
        lastCommit: request.proposedLastCommit,
        pubKeyOf: (address) => state.cometKeys[address],
      });
    } catch (error) {
      problem = (error as Error).message;
    }
    return problem ? reject : { status: ResponseProcessProposal_ProposalStatus.ACCEPT };
  }

  /**
   * The extension of height H is applied in FinalizeBlock(H+1), against the state after H: so it is built from that
   * state, by executing the block being precommitted now (deterministic, the same inputs FinalizeBlock will get).
   * Building it from the state after H-1 would answer one block late — e.g. a reveal for an election that block H
   * opens would wait for H+1's extensions, a whole consensus block more of failover. FinalizeBlock reuses the
   * execution when it decides the same block. Should the block not commit, its extensions are discarded with it.
   */
  extendVote(request: NonNullable<Request['extendVote']>) {
    let state = this.requireState();
    try {
      const height = Number(request.height);
      const executed = this.execute(height, request.txs, request.misbehavior);
      this.speculative = { hash: hexOf(request.hash), height, ...executed };
      state = executed.state;
    } catch {
      // FinalizeBlock will execute (and report) the block itself; the extension falls back to the committed state.
      this.speculative = null;
    }
    const extension = this.local ? buildVoteExtension(state, this.local) : buildVoteExtension(state, { cometAddress: '', randaoKey: new Uint8Array(32), observer: null });
    return { voteExtension: encodeVoteExtension(extension) };
  }

  verifyVoteExtension(bytes: Uint8Array) {
    try {
      decodeVoteExtension(bytes);
      return { status: ResponseVerifyVoteExtension_VerifyStatus.ACCEPT };
    } catch {
      return { status: ResponseVerifyVoteExtension_VerifyStatus.REJECT };
    }
  }

  /** Applies a block to a copy of the committed state (FinalizeBlock, and ExtendVote ahead of it). */
  private execute(height: number, txs: Uint8Array[], misbehavior: Misbehavior[]): { state: ConsensusState; result: BlockResult } {
    const state = structuredClone(this.requireState());
    const [first] = txs;
    const injected = first && isInjectedTx(first) ? first : null;
    let votes: ReturnType<typeof extensionsOf> = [];
    if (injected) {
      try {
        votes = extensionsOf(decodeInjectedCommit(injected));
      } catch {
        votes = [];
      }
    }
    const appTxs = injected ? txs.slice(1) : txs;
    const misbehaviour = misbehavior
      .filter((offence) => offence.type === MisbehaviorType.DUPLICATE_VOTE)
      .map((offence) => ({ cometAddress: cometAddressHex(offence.validator.address), height: Number(offence.height) }));
    const result = applyBlock(state, { height, votes, txs: appTxs, misbehaviour });
    return { state, result };
  }

  finalizeBlock(request: NonNullable<Request['finalizeBlock']>) {
    const height = Number(request.height);
    const speculative = this.speculative;
    this.speculative = null;
    const reuse = speculative !== null && speculative.height === height && speculative.hash === hexOf(request.hash);
    const { state, result } = reuse ? speculative : this.execute(height, request.txs, request.misbehavior);
    const [first] = request.txs;
    const injected = first && isInjectedTx(first) ? first : null;
    this.pending = { state, result };
    const txResults = result.txResults.map((txResult) => ({ code: txResult.code, log: txResult.log, events: toAbciEvents(txResult.events), codespace: txResult.code ? 'consensus' : '' }));
    return {
      events: toAbciEvents(result.events),
      txResults: injected ? [{ code: 0, log: 'vote extensions of the previous height' }, ...txResults] : txResults,
      validatorUpdates: result.validatorUpdates.map((update) => ({ pubKey: { ed25519: Buffer.from(update.pubKey, 'base64') }, power: BigInt(update.power) })),
      appHash: hexBytes(result.appHash),
    };
  }

  commit() {
    if (!this.pending) throw new Error('Commit without FinalizeBlock');
    // The archive first: a crash before the state save leaves lines the stored state does not count yet (history.ts).
    this.history.append(this.pending.result.archived, this.pending.state.archived);
    this.committed = { state: this.pending.state, appHash: this.pending.result.appHash, history: this.history };
    this.pending = null;
    this.store?.save(this.committed.state, this.committed.appHash);
    this.checkNonces = new Map();
    for (const listener of this.commitListeners) listener(this.committed);
    return { retainHeight: retainHeightOf(this.committed.state.height, this.retainBlocks) };
  }
}
