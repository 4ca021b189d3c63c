/**
 * MPC duties of a sequencer node: the glue between the consensus layer's MPC decisions and the MPC party.
 *
 *   const duties = startDuties({ address, nodeKey, mpc, consensus, submitTx?, replica: host.engine, l1, log });
 *   startHost(config, { batchSigner: duties.batchSigner, ... });   // the batcher's BatchSigner, backed by the MPC
 *   ...
 *   await duties.stop();                                           // before mpc.close()
 *
 * API notes for the integrator (differences from the first sketch of this interface):
 * - `replica` is `{ sealedBlock(n), latestNumber(), safeNumber() }` — `replicaOf(host.engine, host.heads)`. Transaction hashes
 *   are keccak256 of the sealed block's raw transactions, so no separate hash list is needed.
 * - `submitTx` is optional: without it the duties sign their own app txs with `nodeKey` (appTxSender: the
 *   consensus layer's AppTxSender, nonce from the account route, which also copes with other txs sent with the
 *   same key).
 * - `queryUrl` is optional (the ConsensusClient's base URL is used).
 * - `Duties` also exposes `reports` (this host's recent mpc-session-result reports) for metrics and tests.
 * - Helpers: `registerGenesisMpc(l1, ownerKey, address)` (governance/devnet, after keygen), `awaitMpcAddress`.
 */
import type { BatchSigner } from '../../host/batcher/batch-signer.ts';
import { batchChainDomain } from '../../l1/typed-data.ts';
import type { Address } from '../../../protocol/consensus/types.ts';
import type { ConsensusClient } from '../../consensus/client/client.ts';
import { DEFAULT_TIMING, type DutyContext } from './context.ts';
import { LockingPoolRelay } from './locking-pool-relay.ts';
import { MpcBatchSigner } from './mpc-batch-signer.ts';
import { DutyRunner, type DutyReport } from './runner.ts';
import { SequencerSetWriter } from './sequencer-set-writer.ts';
import { SessionFeed } from './session-feed.ts';
import { appTxSender } from './tx-sender.ts';

export type { ConsensusSafeHead, DutyContext, DutyL1, DutyTiming, ReplicaView, SubmitTx, TxVerdict } from './context.ts';
export type { DutyReport } from './runner.ts';
export type { L2Writes } from './sequencer-set-writer.ts';
export { DEFAULT_TIMING, replicaOf } from './context.ts';
export { appTxSender } from './tx-sender.ts';
export { registerGenesisMpc } from './locking-pool-relay.ts';
export { batchRef, checkBatch, parseBatchRef } from './batch-check.ts';
export { BatchRefusedError, BatchRequestError, BatchSignFailedError, DutyTxRefusedError, L1RelayError, MpcAlreadySetError } from './errors.ts';

export interface Duties {
  /** For the batcher (startHost deps.batchSigner): requests the batch's MPC signature and waits for it. */
  batchSigner: BatchSigner;
  /** This host's recent reports on MPC sessions (newest last, at most 200). */
  readonly reports: readonly DutyReport[];
  /** Stops polling and relaying; running MPC sessions end when the caller closes the MpcParty. */
  stop(): Promise<void>;
}

export function startDuties(ctx: DutyContext): Duties {
  const address = ctx.address.toLowerCase() as Address;
  if (ctx.mpc.address !== address) throw new Error(`startDuties: the MPC party's address ${ctx.mpc.address} must be this host's signer address ${address}`);
  const submitTx = ctx.submitTx ?? (ctx.nodeKey ? appTxSender({ consensus: ctx.consensus, key: ctx.nodeKey }) : null);
  if (!submitTx) throw new Error('startDuties: pass submitTx, or nodeKey to sign app txs here');
  const timing = { ...DEFAULT_TIMING, ...ctx.timing };
  const consensus = ctx.consensus;
  const relay = new LockingPoolRelay(ctx.l1, { deadlineMs: timing.relayDeadlineMs, log: ctx.log });
  const feed = new SessionFeed(consensus, timing.pollMs, ctx.log);
  const batchDomain = async () => batchChainDomain(await relay.chainId(), ctx.l1.batchChain);
  const runner = new DutyRunner({ address, mpc: ctx.mpc, submitTx, replica: ctx.replica, relay, batchDomain, latest: () => feed.latest, timing, log: ctx.log });
  feed.onSnapshot((snapshot) => runner.handle(snapshot));
  let l2ChainId: number | null = null;
  if (ctx.l2) {
    const writer = new SequencerSetWriter({ l2: ctx.l2, l2ChainId: () => l2ChainId, resendMs: timing.resendMs, log: ctx.log });
    feed.onSnapshot((snapshot) => writer.handle(snapshot));
  }

  let stopped = false;
  // MPC session ids carry the consensus chain id; learn it before the first session is taken.
  const starting = (async () => {
    for (let failures = 0; !stopped; failures++) {
      try {
        const status = await consensus.status();
        runner.setChainId(status.chainId, status.l2ChainId);
        l2ChainId = status.l2ChainId;
        feed.start();
        return;
      } catch (error) {
        if (failures === 0) ctx.log(`duties: waiting for the consensus query API at ${consensus.baseUrl}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, timing.pollMs * 4));
      }
    }
  })();

  const batchSigner = new MpcBatchSigner({ feed, submitTx, batchChain: ctx.l1.batchChain, l1ChainId: () => relay.chainId(), timeoutMs: timing.batchSignTimeoutMs, resendMs: timing.resendMs, log: ctx.log });
  return {
    batchSigner,
    reports: runner.reports,
    stop: async () => {
      stopped = true;
      await starting;
      await feed.stop();
      await runner.stop();
      relay.close();
    },
  };
}

/** Waits until the consensus layer records an MPC address (keygen completed); for the devnet's registration step. */
export async function awaitMpcAddress(consensus: ConsensusClient, timeoutMs: number): Promise<Address> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { mpc } = await consensus.status();
      if (mpc.address) return mpc.address;
    } catch {
      // not up yet
    }
    if (Date.now() >= deadline) throw new Error(`no MPC address in the consensus state after ${timeoutMs} ms (keygen not completed)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
