import { recoverAddress, type TypedDataDomain } from 'ethers';
import type { Hex } from '../../encoding/hex.ts';
import type { Address } from '../../../protocol/consensus/types.ts';
import type { MpcSessionView } from '../../../protocol/consensus/query.ts';
import type { MpcParty, SignPurpose } from '../../mpc/party.ts';
import { parseSequencerSetCall, SequencerSetRequestError, sequencerSetTx } from '../../consensus/app/sequencer-set-tx.ts';
import { checkBatch, type BatchSignRequestFields } from './batch-check.ts';
import type { DutyTiming, ReplicaView, SubmitTx, TxVerdict } from './context.ts';
import { FaultLog } from './fault-log.ts';
import { KeyLock } from './key-lock.ts';
import type { LockingPoolRelay } from './locking-pool-relay.ts';
import type { MpcSnapshot } from './session-feed.ts';
import { rewardsRequest, slashRequest } from './sign-requests.ts';
import { stakeOf, stakeQuorum } from './stake-quorum.ts';

export type ReportStatus = 'completed' | 'failed' | 'refused';

/** What this host reported on one session, and what CheckTx said about the report. */
export interface DutyReport {
  sessionId: number;
  kind: MpcSessionView['kind'];
  purpose: string;
  status: ReportStatus;
  reason: string;
  /** CheckTx code of the mpc-session-result tx (0 = accepted; -1 = could not be sent). */
  code: number;
  /** CometBFT hash of the report tx, when it was sent. */
  hash: string | null;
}

export interface RunnerDeps {
  address: Address;
  mpc: MpcParty;
  submitTx: SubmitTx;
  replica: ReplicaView;
  relay: LockingPoolRelay;
  /** BatchChain's EIP-712 domain on this host's L1. */
  batchDomain(): Promise<TypedDataDomain>;
  /** The latest committed MPC state (to skip sessions that settled while a task waited its turn). */
  latest(): MpcSnapshot | null;
  timing: DutyTiming;
  log(line: string): void;
}

/** A signing message this host derived itself: the digest, and how to relay the signed call to L1 if any. */
type Derived = { digest: Hex; purpose: SignPurpose; relay?: (signature: Hex, delayMs: number) => Promise<'sent' | 'already'> };
type Verdict = { ok: false; status: 'failed' | 'refused'; reason: string };

const MAX_REPORTS = 200;
const REPORT_ATTEMPTS = 5;
const CONFIRM_ATTEMPTS = 20;
const PRESIGN_BACKOFF_MS = 10_000;
/**
 * Sessions this host still acts on: pending ones, and batch requests already refused by others (the app keeps
 * counting late refusals as evidence against the requester, so every honest signer checks and says so).
 */
const isOpen = (session: MpcSessionView) => session.status === 'pending' || (session.status === 'refused' && session.purpose === 'batch');
const SIGNED_PURPOSES = new Set(['batch', 'rewards', 'slash', 'sequencer-set']);
const clip = (text: string, max = 256) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Turns the consensus layer's MPC decisions into MPC sessions: each pending session this host takes part in is
 * run once (keygen and reshare alone, signing sessions side by side), checked first where there is something to
 * check, and answered with an mpc-session-result tx. Rewards and slashes are then relayed to LockingPool by the
 * first signer (by address), the others following only after a delay and only if L1 still lacks them.
 */
export class DutyRunner {
  readonly reports: DutyReport[] = [];
  private readonly deps: RunnerDeps;
  private readonly lock = new KeyLock();
  private readonly faults: FaultLog;
  private readonly seen = new Set<number>();
  private readonly skipped = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private presigning: Promise<unknown> | null = null;
  private presignRetryAt = 0;
  private retiring = false;
  private sessionPrefix = '';
  private l2ChainId: bigint | null = null;
  private stopped = false;

  constructor(deps: RunnerDeps) {
    this.deps = deps;
    this.faults = new FaultLog(deps.mpc, deps.log);
  }

  /** Session ids inside the MPC are `<consensus chain id>.<session id>`, so two networks never share one. */
  setChainId(chainId: string, l2ChainId: number): void {
    this.sessionPrefix = chainId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
    this.l2ChainId = BigInt(l2ChainId);
  }

  /** Dispatches every new pending session this host is a participant of, in session-id order. */
  handle(snapshot: MpcSnapshot): void {
    if (this.stopped) return;
    const sessions = [...snapshot.sessions].sort((a, b) => a.id - b.id);
    const oldest = sessions[0]?.id ?? 0;
    for (const id of this.seen) if (id < oldest) this.seen.delete(id);
    for (const session of sessions) {
      if (!isOpen(session) || this.seen.has(session.id) || !session.participants.includes(this.deps.address)) continue;
      this.seen.add(session.id);
      const run = this.dutyFor(session);
      if (!run) continue;
      const exclusive = session.kind !== 'sign';
      const task = (exclusive ? this.lock.withExclusive(run) : this.lock.withShared(run)).catch((error: unknown) => {
        this.deps.log(`duties: session ${session.id} (${session.purpose}): ${(error as Error).stack ?? error}`);
      });
      this.tasks.add(task);
      void task.finally(() => this.tasks.delete(task));
    }
    this.retireIfRemoved(snapshot);
    this.refillPresignatures();
  }

  /**
   * A party that leaves the key set keeps its share through the reshare (so a failed reshare loses nothing) and
   * deletes it once the consensus layer records holders of the same key without this host and no reshare that
   * involves this host is pending (a joiner that just got its share is in the pending reshare until it lands).
   */
  private retireIfRemoved(snapshot: MpcSnapshot): void {
    const key = this.deps.mpc.key;
    const me = this.deps.address;
    if (this.retiring || !key || snapshot.address !== key.address || snapshot.parties.length === 0 || snapshot.parties.includes(me)) return;
    if (snapshot.sessions.some((session) => session.kind === 'reshare' && session.status === 'pending' && session.participants.includes(me))) return;
    this.retiring = true;
    this.track(
      this.lock
        .withExclusive(async () => {
          if (this.deps.mpc.key?.keyId !== key.keyId) return;
          await this.deps.mpc.retire();
          this.deps.log(`duties: left the MPC key set (the app's holders are now ${snapshot.parties.length} others): share deleted`);
        })
        .finally(() => (this.retiring = false)),
    );
  }

  /** Stops taking new sessions; waits up to `graceMs` for running ones (MPC sessions end when the party closes). */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.tasks]), sleep(graceMs)]);
  }

  private dutyFor(session: MpcSessionView): (() => Promise<void>) | null {
    const guarded = (body: () => Promise<void>) => async () => {
      // The session may have settled (or been superseded) while this task waited for its turn.
      const now = this.deps.latest()?.sessions.find((candidate) => candidate.id === session.id);
      if (this.stopped || (now && !isOpen(now))) return;
      await body();
    };
    if (session.kind === 'keygen') return guarded(() => this.keygen(session));
    if (session.kind === 'reshare') return guarded(() => this.reshare(session));
    if (SIGNED_PURPOSES.has(session.purpose)) return guarded(() => this.sign(session));
    if (!this.skipped.has(session.purpose)) {
      this.skipped.add(session.purpose);
      this.deps.log(`duties: no duty for MPC signing purpose '${session.purpose}' (session ${session.id} and later ones are left to others)`);
    }
    return null;
  }

  private mpcSessionId(session: MpcSessionView): string {
    return `${this.sessionPrefix}.${session.id}`;
  }

  // ---- keygen and reshare ----------------------------------------------------------------------------------

  private async keygen(session: MpcSessionView): Promise<void> {
    const threshold = session.request.threshold;
    if (typeof threshold !== 'number') return this.report(session, 'failed', undefined, 'keygen request without a threshold');
    try {
      const key = await this.deps.mpc.keygen(this.mpcSessionId(session), session.participants, threshold);
      this.deps.log(`duties: keygen ${session.id}: MPC address ${key.address} (${key.threshold} of ${key.parties.length})`);
      await this.report(session, 'completed', { address: key.address });
    } catch (error) {
      await this.report(session, 'failed', undefined, (error as Error).message);
    }
  }

  private async reshare(session: MpcSessionView): Promise<void> {
    const { oldParties, newParties, newThreshold } = session.request as { oldParties?: string[]; newParties?: string[]; newThreshold?: number };
    const address = this.deps.latest()?.address ?? this.deps.mpc.key?.address ?? null;
    if (!Array.isArray(oldParties) || !Array.isArray(newParties) || typeof newThreshold !== 'number' || !address) {
      return this.report(session, 'failed', undefined, 'reshare request without old/new parties, threshold or a current MPC address');
    }
    try {
      const key = await this.deps.mpc.reshare(this.mpcSessionId(session), oldParties, newParties, newThreshold);
      if (key && key.address !== address) return this.report(session, 'failed', undefined, `reshare produced ${key.address}, not ${address}`);
      this.deps.log(`duties: reshare ${session.id}: ${key ? `now ${key.threshold} of ${key.parties.length}` : 'leaving the key set (the share is deleted once the app records the new holders)'}, address ${address}`);
      await this.report(session, 'completed', { address });
    } catch (error) {
      await this.report(session, 'failed', undefined, (error as Error).message);
    }
  }

  // ---- signing ---------------------------------------------------------------------------------------------

  private async sign(session: MpcSessionView): Promise<void> {
    let derived: Derived | Verdict;
    try {
      derived = await this.derive(session);
    } catch (error) {
      derived = { ok: false, status: 'failed', reason: `cannot derive the message: ${(error as Error).message}` };
    }
    // A request already refused by others is only checked, never signed: a late refusal still counts as evidence.
    const now = this.deps.latest()?.sessions.find((candidate) => candidate.id === session.id) ?? session;
    if ('ok' in derived) return now.status === 'pending' || derived.status === 'refused' ? this.report(session, derived.status, undefined, derived.reason) : undefined;
    if (now.status !== 'pending') return;

    const key = this.deps.mpc.key;
    const expected = typeof session.request.mpcAddress === 'string' ? session.request.mpcAddress.toLowerCase() : null;
    if (!key) return this.report(session, 'failed', undefined, 'this host holds no MPC key share');
    if (expected && key.address !== expected) return this.report(session, 'failed', undefined, `the share held here is for ${key.address}, the request for ${expected}`);
    // Signing sessions opened before a reshare name the old holders; the current holders among them can sign.
    const signers = session.participants.filter((party) => key.parties.includes(party));
    if (signers.length < key.threshold) return this.report(session, 'failed', undefined, `${signers.length} of the named parties hold the current key; ${key.threshold} are needed`);
    const power = this.deps.latest()?.power ?? {};
    const quorum = stakeQuorum(power);
    if (!quorum(signers)) {
      const { held, total } = stakeOf(signers, power);
      return this.report(session, 'failed', undefined, `the signers hold ${held} of ${total} stake; more than 2/3 is needed`);
    }

    let signature: Hex;
    let rank: number;
    try {
      const signed = await this.deps.mpc.sign(this.mpcSessionId(session), derived.digest, derived.purpose, signers, quorum);
      if (recoverAddress(derived.digest, signed.signature).toLowerCase() !== key.address) throw new Error('the signature does not recover to the MPC address');
      signature = signed.signature.toLowerCase() as Hex;
      rank = signed.signers.indexOf(this.deps.address);
    } catch (error) {
      return this.report(session, 'failed', undefined, (error as Error).message);
    }
    await this.report(session, 'completed', { signature, address: key.address });
    this.refillPresignatures();
    if (derived.relay && rank >= 0) {
      derived.relay(signature, rank * this.deps.timing.relayFallbackMs).then(
        (outcome) => outcome === 'already' && rank === 0 && this.deps.log(`duties: session ${session.id} (${session.purpose}) was already on L1`),
        (error: unknown) => this.deps.log(`duties: session ${session.id}: ${(error as Error).message}`),
      );
    }
  }

  /** Derives the digest to sign from this host's own data, or says why it will not sign. */
  private async derive(session: MpcSessionView): Promise<Derived | Verdict> {
    const request = session.request;
    if (session.purpose === 'batch') {
      const fields = request as unknown as BatchSignRequestFields;
      if (typeof fields.ref !== 'string' || typeof fields.digest !== 'string') return { ok: false, status: 'refused', reason: 'batch request without ref or digest' };
      const domain = await this.deps.batchDomain();
      const deadline = Date.now() + this.deps.timing.replicaWaitMs;
      for (;;) {
        const check = await checkBatch(this.deps.replica, fields, domain, this.deps.latest()?.l2Safe ?? null);
        if (check.ok) return { digest: check.digest, purpose: 'batch' };
        if (check.verdict === 'refuse') {
          this.deps.log(`duties: refusing batch ${fields.ref.split(':')[0]} (session ${session.id}, requester ${String(request.requester)}): ${check.reason}`);
          return { ok: false, status: 'refused', reason: check.reason };
        }
        // Not held yet: replication may be a moment behind the sequencer. Missing data is no evidence.
        if (Date.now() >= deadline || this.stopped) return { ok: false, status: 'failed', reason: check.reason };
        await sleep(Math.min(250, this.deps.timing.pollMs));
      }
    }
    if (session.purpose === 'sequencer-set') {
      // Built here from the request (the app's decision) and the L2 chain id the consensus layer names; the
      // active sequencer includes the signed transaction (sequencer-set-writer.ts).
      if (this.l2ChainId === null) return { ok: false, status: 'failed', reason: 'the L2 chain id is not known yet' };
      let call: ReturnType<typeof parseSequencerSetCall>;
      try {
        call = parseSequencerSetCall(request);
      } catch (error) {
        // The request itself is wrong (every honest party says so): refused, so the app does not retry it.
        if (error instanceof SequencerSetRequestError) return { ok: false, status: 'refused', reason: error.message };
        throw error;
      }
      return { digest: sequencerSetTx(call, this.l2ChainId).unsignedHash as Hex, purpose: 'epoch' };
    }
    const domain = await this.deps.relay.domain();
    if (session.purpose === 'rewards') {
      const parsed = rewardsRequest(request, domain);
      if (!parsed.ok) return { ok: false, status: 'refused', reason: parsed.reason };
      return { digest: parsed.digest, purpose: 'rewards', relay: (signature, delay) => this.deps.relay.submitRewards(parsed.message, signature, delay) };
    }
    const parsed = slashRequest(request, domain);
    if (!parsed.ok) return { ok: false, status: 'refused', reason: parsed.reason };
    return { digest: parsed.digest, purpose: 'slash', relay: (signature, delay) => this.deps.relay.slash(parsed.message, signature, delay) };
  }

  /** The lowest address of the key set keeps a few presignatures pooled, so the next signature takes one round. */
  private refillPresignatures(): void {
    const key = this.deps.mpc.key;
    const target = this.deps.timing.presignatures;
    if (this.stopped || this.presigning || !key || target <= 0 || key.parties[0] !== this.deps.address || Date.now() < this.presignRetryAt) return;
    const missing = target - this.deps.mpc.pooled(key.parties);
    if (missing <= 0) return;
    this.presigning = this.deps.mpc
      .preparePresignatures(key.parties, missing)
      .then((made) => {
        // A party that does not answer (offline, still resharing) ends the round; try again later, not at once.
        if (made < missing) this.presignRetryAt = Date.now() + PRESIGN_BACKOFF_MS;
      })
      .catch((error: unknown) => {
        this.presignRetryAt = Date.now() + PRESIGN_BACKOFF_MS;
        this.deps.log(`duties: presignatures: ${(error as Error).message}`);
      })
      .finally(() => (this.presigning = null));
  }

  // ---- reports ---------------------------------------------------------------------------------------------

  private async report(session: MpcSessionView, status: ReportStatus, result?: Record<string, string>, reason = ''): Promise<void> {
    const faults = this.faults.take(this.mpcSessionId(session));
    const text = clip([reason, faults].filter(Boolean).join('; '));
    const payload = { sessionId: session.id, status, ...(result ? { result } : {}), ...(text ? { reason: text } : {}) };
    const verdict = await this.submit(session, payload);
    this.deps.log(`duties: session ${session.id} (${session.purpose}) ${status}${text ? `: ${text}` : ''} (report code ${verdict?.code ?? 'unsent'})`);
    this.reports.push({ sessionId: session.id, kind: session.kind, purpose: session.purpose, status, reason: text, code: verdict?.code ?? -1, hash: verdict?.hash ?? null });
    if (this.reports.length > MAX_REPORTS) this.reports.splice(0, this.reports.length - MAX_REPORTS);
    if (verdict?.code === 0) this.track(this.confirm(session, payload));
  }

  /** Sends a report, retrying while the local consensus node cannot be reached. */
  private async submit(session: MpcSessionView, payload: object): Promise<TxVerdict | null> {
    for (let attempt = 1; attempt <= REPORT_ATTEMPTS; attempt++) {
      try {
        const verdict = await this.deps.submitTx('mpc-session-result', payload);
        // 6/7: the session settled, or this host's report is already recorded (e.g. before a restart).
        if (verdict.code !== 0 && verdict.code !== 6 && verdict.code !== 7) this.deps.log(`duties: report on session ${session.id} refused (code ${verdict.code}): ${verdict.log}`);
        return verdict;
      } catch (error) {
        this.deps.log(`duties: cannot report on session ${session.id} (attempt ${attempt}): ${(error as Error).message}`);
        if (attempt < REPORT_ATTEMPTS && !this.stopped) await sleep(500 * attempt);
      }
    }
    return null;
  }

  /**
   * Makes sure an accepted report reaches the state. While the session is still pending after `resendMs`, the
   * report is sent again: CheckTx answers 7 once the first one is recorded (and nothing new enters the mempool),
   * 6 once the session settled; 0 means the first one was dropped and this one replaces it.
   */
  private async confirm(session: MpcSessionView, payload: object): Promise<void> {
    for (let attempt = 0; attempt < CONFIRM_ATTEMPTS; attempt++) {
      await sleep(this.deps.timing.resendMs);
      const now = this.deps.latest()?.sessions.find((candidate) => candidate.id === session.id);
      if (this.stopped || !now || !isOpen(now)) return;
      const verdict = await this.submit(session, payload);
      if (!verdict || verdict.code !== 0) return;
      this.deps.log(`duties: report on session ${session.id} was not recorded; sent again`);
    }
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => this.deps.log(`duties: ${(error as Error).message}`));
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }
}
