import { recoverAddress } from 'ethers';
import type { BatchSignRequest, BatchSigner } from '../../host/batcher/batch-signer.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { MpcSessionView } from '../../../protocol/consensus/query.ts';
import { batchChainDomain, batchDigest } from '../../l1/typed-data.ts';
import { batchRef } from './batch-check.ts';
import type { SubmitTx } from './context.ts';
import { BatchRefusedError, BatchRequestError, BatchSignFailedError, DutyTxRefusedError } from './errors.ts';
import type { MpcSnapshot, SessionFeed } from './session-feed.ts';

export interface MpcBatchSignerDeps {
  feed: SessionFeed;
  submitTx: SubmitTx;
  batchChain: Hex;
  l1ChainId(): Promise<bigint>;
  timeoutMs: number;
  resendMs: number;
  log(line: string): void;
}

/**
 * The batcher's BatchSigner backed by the sequencers' MPC: it asks the consensus layer for a batch signature
 * (an `mpc-sign-request` tx), then waits for the session to settle. The signature comes from the key holders'
 * duty loops, each of which first re-derives the batch from its own replica (batch-check.ts). The request's ref
 * is `<index>:<digest>`, so asking again for the same batch (a batcher retry, a restart) joins the existing
 * session instead of opening another; a new request is made only after a session for it failed.
 */
export class MpcBatchSigner implements BatchSigner {
  readonly kind = 'mpc' as const;
  private readonly deps: MpcBatchSignerDeps;

  constructor(deps: MpcBatchSignerDeps) {
    this.deps = deps;
  }

  async sign(request: BatchSignRequest): Promise<Hex> {
    const { header } = request;
    if (request.batchChain.toLowerCase() !== this.deps.batchChain.toLowerCase()) {
      throw new BatchRequestError(`batch for BatchChain ${request.batchChain}; this host's is ${this.deps.batchChain}`);
    }
    const chainId = await this.deps.l1ChainId();
    if (request.l1ChainId !== chainId) throw new BatchRequestError(`batch for L1 chain ${request.l1ChainId}; this host's L1 is chain ${chainId}`);
    const digest = batchDigest(batchChainDomain(chainId, this.deps.batchChain), header).toLowerCase() as Hex;
    if (digest !== request.digest.toLowerCase()) throw new BatchRequestError(`digest ${request.digest} is not the EIP-712 digest of batch ${header.index} (${digest})`);
    const ref = batchRef(header.index, digest);
    const ofRef = (snapshot: MpcSnapshot) => snapshot.sessions.filter((session) => session.purpose === 'batch' && session.request.ref === ref);

    await this.deps.feed.poll();
    const known = this.deps.feed.latest ? ofRef(this.deps.feed.latest) : [];
    // At most one session per ref is not 'failed' (the app refuses duplicates): join it, or open a new one.
    const after = Math.max(-1, ...known.filter((session) => session.status === 'failed').map((session) => session.id));
    const payload = { purpose: 'batch', ref, fromBlock: Number(header.firstBlock), toBlock: Number(header.lastBlock), digest };
    const ask = async () => {
      const verdict = await this.deps.submitTx('mpc-sign-request', payload);
      if (verdict.code !== 0 && verdict.code !== 7) throw new DutyTxRefusedError(`batch ${header.index} signing request`, verdict.code, verdict.log);
    };
    if (!known.some((session) => session.status !== 'failed')) {
      await ask();
      this.deps.log(`duties: batch ${header.index} (blocks ${header.firstBlock}..${header.lastBlock}) sent for MPC signing`);
    }
    const settledOf = (snapshot: MpcSnapshot) => ofRef(snapshot).find((session) => session.id > after && session.status !== 'pending');
    const deadline = Date.now() + this.deps.timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.deps.feed.stopped) throw new BatchSignFailedError(null, ref, this.deps.feed.stopped ? 'duties stopped' : `no outcome within ${this.deps.timeoutMs} ms`);
      const settled = await this.deps.feed.waitFor((snapshot) => settledOf(snapshot) !== undefined, Math.min(remaining, this.deps.resendMs));
      const session = settled && settledOf(settled);
      if (settled && session) return this.outcome(session, digest, ref, settled.address);
      // Still no session for it: the request was dropped from the mempool (see DutyTiming.resendMs); ask again.
      const latest = this.deps.feed.latest;
      if (latest && !ofRef(latest).some((candidate) => candidate.id > after)) await ask();
    }
  }

  private outcome(session: MpcSessionView, digest: Hex, ref: string, mpcAddress: string | null): Hex {
    const reason = typeof session.result?.reason === 'string' ? session.result.reason : session.status;
    if (session.status === 'refused') throw new BatchRefusedError(session.id, ref, reason);
    if (session.status !== 'completed') throw new BatchSignFailedError(session.id, ref, reason);
    const signature = session.result?.signature;
    if (typeof signature !== 'string') throw new BatchSignFailedError(session.id, ref, 'the completed session carries no signature');
    const signer = recoverAddress(digest, signature).toLowerCase();
    if (signer !== mpcAddress) throw new BatchSignFailedError(session.id, ref, `the signature recovers to ${signer}, not the MPC address ${mpcAddress}`);
    return signature as Hex;
  }
}
