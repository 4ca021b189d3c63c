import { digestOf } from '../../../protocol/consensus/canonical.ts';
import { TxCode, TxRejectedError } from '../../../protocol/consensus/errors.ts';
import type { Address, ConsensusState, MpcSession, MpcSessionStatus } from '../../../protocol/consensus/types.ts';
import { isBlockingMinority, isSupermajority } from './tally.ts';
import { activeValidators, powerOf, totalPower } from './validators.ts';
import { recordAccusation } from './faults.ts';

/**
 * MPC orchestration: the app decides WHAT the MPC parties must do (keygen, reshare, sign) and records what they
 * report; hosts run the sessions (node/mpc) and submit results as mpc-session-result txs.
 */

/** Sessions kept in state; older ones are dropped (their outcomes were emitted as events). */
const MAX_SESSIONS = 256;

/** t = floor(2n/3) + 1: more than two thirds of the parties take part in every signature. */
export function thresholdFor(parties: number): number {
  return parties === 0 ? 0 : Math.floor((2 * parties) / 3) + 1;
}

function desiredParties(state: ConsensusState): Address[] {
  return activeValidators(state)
    .map((validator) => validator.address)
    .sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function pendingOfKind(state: ConsensusState, kind: 'keygen' | 'reshare'): MpcSession | undefined {
  return state.mpc.sessions.find((session) => session.kind === kind && session.status === 'pending');
}

export function openSession(state: ConsensusState, kind: MpcSession['kind'], purpose: string, participants: Address[], request: Record<string, unknown>): MpcSession {
  const session: MpcSession = {
    id: state.mpc.nextSessionId++,
    kind,
    purpose,
    status: 'pending',
    participants: [...participants].sort(),
    request,
    result: null,
    height: state.height,
    reports: {},
  };
  state.mpc.sessions.push(session);
  // Forget the oldest settled sessions first; pending ones stay until settled (their number is bounded by the
  // per-requester limit on batch requests and by one rewards/slash/schedule request per event).
  let excess = state.mpc.sessions.length - MAX_SESSIONS;
  if (excess > 0) {
    state.mpc.sessions = state.mpc.sessions.filter((candidate) => {
      if (excess > 0 && candidate.status !== 'pending') {
        excess -= 1;
        return false;
      }
      return true;
    });
  }
  return session;
}

export function openKeygenIfNeeded(state: ConsensusState): void {
  if (state.mpc.address !== null) return;
  const parties = desiredParties(state);
  const pending = pendingOfKind(state, 'keygen');
  if (pending && sameSet(pending.participants, parties)) return;
  if (pending) closeSession(pending, 'failed', { reason: 'superseded: the party set changed' });
  if (parties.length === 0) return;
  openSession(state, 'keygen', 'keygen', parties, { parties, threshold: thresholdFor(parties.length) });
}

/** Keeps the key-holding party set equal to the active validator set: keygen when there is no key, else reshare. */
export function syncMpcParties(state: ConsensusState): void {
  if (state.mpc.address === null) return openKeygenIfNeeded(state);
  const parties = desiredParties(state);
  const pending = pendingOfKind(state, 'reshare');
  if (sameSet(parties, state.mpc.parties)) {
    if (pending) closeSession(pending, 'failed', { reason: 'superseded: the party set is back to the current one' });
    return;
  }
  if (pending && sameSet(pending.request.newParties as string[], parties)) return;
  if (pending) closeSession(pending, 'failed', { reason: 'superseded: the party set changed again' });
  if (parties.length === 0) return;
  const participants = [...new Set([...state.mpc.parties, ...parties])];
  openSession(state, 'reshare', 'reshare', participants, {
    oldParties: state.mpc.parties,
    oldThreshold: state.mpc.threshold,
    newParties: parties,
    newThreshold: thresholdFor(parties.length),
  });
}

/** A signing request for the current key holders (batch, rewards report, slashing, L2 SequencerSet update). */
export function openSignSession(state: ConsensusState, purpose: string, request: Record<string, unknown>): MpcSession {
  const attempt = typeof request.attempt === 'number' ? request.attempt : 1;
  return openSession(state, 'sign', purpose, signersFor(state, attempt), { mpcAddress: state.mpc.address, ...request });
}

/**
 * Who signs a request: every key holder at first. A request that failed before is retried by a subset that leaves
 * one holder out, a different one each attempt (when the threshold allows): the parties would each drop the ones
 * they cannot hear from, and with one link broken the two ends drop each other and never agree on a set — the app
 * choosing the set for everyone ends that, as it does a holder that keeps failing.
 */
export function signersFor(state: ConsensusState, attempt: number): Address[] {
  const holders = state.mpc.parties;
  if (attempt <= 1 || holders.length <= state.mpc.threshold) return holders;
  // Only a holder whose absence still leaves more than 2/3 of the stake is left out (else nobody is).
  for (let step = 0; step < holders.length; step++) {
    const left = holders[(attempt - 2 + step) % holders.length];
    const rest = holders.filter((party) => party !== left);
    if (isSupermajority(powerOfSet(state, rest), totalPower(state))) return rest;
  }
  return holders;
}

function powerOfSet(state: ConsensusState, parties: readonly string[]): number {
  return parties.reduce((sum, party) => sum + powerOf(state, party), 0);
}

function closeSession(session: MpcSession, status: MpcSessionStatus, result: Record<string, unknown> | null): void {
  session.status = status;
  session.result = result;
  // A decided session takes no more reports, so they would only weigh down the state every block hashes; a refused
  // batch request keeps them, because late refusals still count against its requester.
  if (status !== 'refused') session.reports = {};
}

export interface SessionReport {
  sessionId: number;
  status: 'completed' | 'failed' | 'refused';
  result?: Record<string, unknown>;
  reason?: string;
}

/** Validates a party's report without changing state (CheckTx and FinalizeBlock share it). */
export function checkSessionReport(state: ConsensusState, from: Address, report: SessionReport): MpcSession {
  const session = state.mpc.sessions.find((candidate) => candidate.id === report.sessionId);
  if (!session) throw new TxRejectedError(TxCode.invalid, `unknown MPC session ${report.sessionId}`);
  if (!session.participants.includes(from)) throw new TxRejectedError(TxCode.unauthorized, `${from} is not a participant of MPC session ${session.id}`);
  // Refusals keep counting after a request is refused: they are the evidence against the requester.
  const lateRefusal = session.status === 'refused' && report.status === 'refused';
  if (session.status !== 'pending' && !lateRefusal) throw new TxRejectedError(TxCode.invalid, `MPC session ${session.id} is already ${session.status}`);
  if (session.reports[from]) throw new TxRejectedError(TxCode.duplicate, `${from} already reported on MPC session ${session.id}`);
  if (report.status === 'completed') {
    if (!report.result) throw new TxRejectedError(TxCode.invalid, 'a completed report needs a result');
    if (session.kind !== 'sign' && typeof report.result.address !== 'string') throw new TxRejectedError(TxCode.invalid, `a ${session.kind} result needs the MPC address`);
    if (typeof report.result.address === 'string' && !/^0x[0-9a-fA-F]{40}$/.test(report.result.address)) {
      throw new TxRejectedError(TxCode.invalid, 'result.address is not an address');
    }
    if (session.kind === 'reshare' && String(report.result.address).toLowerCase() !== state.mpc.address) {
      throw new TxRejectedError(TxCode.invalid, 'a reshare must keep the MPC address');
    }
    if (session.kind === 'sign' && typeof report.result.signature !== 'string') throw new TxRejectedError(TxCode.invalid, 'a sign result needs the signature');
  }
  if (report.status === 'refused' && session.kind !== 'sign') throw new TxRejectedError(TxCode.invalid, 'only signing requests can be refused');
  return session;
}

/** Records a party's report and settles the session once the reports decide it, by the parties' stake. */
export function applySessionReport(state: ConsensusState, from: Address, report: SessionReport): MpcSession {
  const session = checkSessionReport(state, from, report);
  const result = report.result
    ? Object.fromEntries(Object.entries(report.result).map(([key, value]) => [key, typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value]))
    : null;
  session.reports[from] = { status: report.status, digest: digestOf({ status: report.status, result }), result, reason: report.reason ?? '' };
  if (report.status === 'refused' && session.purpose === 'batch' && typeof session.request.requester === 'string') {
    recordAccusation(state, from, session.request.requester as Address, `batch:${String(session.request.ref)}`);
  }
  if (session.status === 'pending') settleSession(state, session);
  return session;
}

/**
 * A keygen or reshare is decided by its participants' stake. A signature needs more: the parties that report it
 * must hold more than 2/3 of ALL active stake (safety counts stake; cait-sith's t-of-n counts parties, so t
 * parties holding a minority could otherwise get a signature accepted). A session whose parties all reported
 * without such a result fails (a set named for less than that stake could otherwise stay pending for ever).
 */
function settleSession(state: ConsensusState, session: MpcSession): void {
  const signing = session.kind === 'sign';
  const total = signing ? totalPower(state) : powerOfSet(state, session.participants);
  const byDigest = new Map<string, number>();
  let refused = 0;
  let failed = 0;
  for (const [party, report] of Object.entries(session.reports)) {
    const power = powerOf(state, party);
    if (report.status === 'completed') byDigest.set(report.digest, (byDigest.get(report.digest) ?? 0) + power);
    else if (report.status === 'refused') refused += power;
    else failed += power;
  }
  for (const [digest, power] of byDigest) {
    if (!isSupermajority(power, total)) continue;
    const winner = Object.values(session.reports).find((report) => report.digest === digest);
    closeSession(session, 'completed', winner?.result ?? null);
    onCompleted(state, session);
    return;
  }
  const everyoneReported = session.participants.every((party) => session.reports[party]);
  if (isBlockingMinority(refused, total)) closeSession(session, 'refused', { reason: 'parties holding more than 1/3 of stake refused' });
  else if (isBlockingMinority(refused + failed, total)) closeSession(session, 'failed', { reason: 'parties holding more than 1/3 of stake failed or refused' });
  else if (everyoneReported) closeSession(session, 'failed', { reason: 'every party reported, and no result holds more than 2/3 of the stake' });
  if (session.status === 'failed' && session.kind !== 'sign') syncMpcParties(state);
  reopenIfRequired(state, session);
}

/**
 * Requests the app itself made must complete: a rewards report that never lands blocks every later report id on
 * L1, a lost L2 SequencerSet write blocks every later nonce, an unsigned slash lets misbehaviour go unpunished.
 * A failed one (a timeout, a party down: transient) is opened again for the current key holders after a backoff
 * that doubles with each attempt, up to 256 consensus blocks (~1 min), so a failure that lasts costs a session a
 * minute, not one a block. A refused one is not: the parties found the request itself wrong. (Batch requests come
 * from the batcher, which asks again itself.)
 */
const MUST_COMPLETE = new Set(['rewards', 'slash', 'sequencer-set']);
const MAX_RETRY_DELAY_BLOCKS = 256;

function reopenIfRequired(state: ConsensusState, session: MpcSession): void {
  if (session.kind !== 'sign' || session.status !== 'failed' || !MUST_COMPLETE.has(session.purpose)) return;
  const { mpcAddress: _previous, ...request } = session.request;
  const attempt = typeof request.attempt === 'number' ? request.attempt : 1;
  const delay = Math.min(2 ** (attempt - 1), MAX_RETRY_DELAY_BLOCKS);
  queueRequest(state, state.height + delay, session.purpose, { ...request, attempt: attempt + 1 });
}

function queueRequest(state: ConsensusState, due: number, purpose: string, request: Record<string, unknown>): void {
  (state.mpc.retries ??= []).push({ due, purpose, request });
}

/**
 * An app-made signing request (rewards report, slash): opened now, or — while there is no MPC key yet, so nobody
 * could sign it and it would stay pending forever (blocking every later rewards id) — queued until the key exists.
 * Returns the session, or null when queued.
 */
export function requestSignature(state: ConsensusState, purpose: string, request: Record<string, unknown>): MpcSession | null {
  if (state.mpc.address !== null) return openSignSession(state, purpose, request);
  queueRequest(state, state.height, purpose, request);
  return null;
}

/** Opens the queued requests that are due (every block, in the order they were queued). */
export function openDueRetries(state: ConsensusState): void {
  const retries = state.mpc.retries;
  if (!retries?.length || state.mpc.address === null) return;
  const due = retries.filter((retry) => retry.due <= state.height);
  if (due.length === 0) return;
  state.mpc.retries = retries.filter((retry) => retry.due > state.height);
  for (const retry of due) openSignSession(state, retry.purpose, retry.request);
}

function onCompleted(state: ConsensusState, session: MpcSession): void {
  if (session.kind === 'keygen') {
    state.mpc.address = String(session.result?.address).toLowerCase() as Address;
    state.mpc.parties = [...session.participants];
    state.mpc.threshold = thresholdFor(state.mpc.parties.length);
  } else if (session.kind === 'reshare') {
    state.mpc.parties = [...(session.request.newParties as Address[])];
    state.mpc.threshold = thresholdFor(state.mpc.parties.length);
  }
}
