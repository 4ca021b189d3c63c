import { mpcEnvelopeRecover } from '@l2-sequencer/native';
import type { Address } from './identity.ts';
import type { NodeKey } from '../identity/node-key.ts';

/**
 * The wire form of every MPC message, designed to ride on the host's peer port as its own channel:
 * `{channel:'mpc', session, from, to?, seq, payload, sig}`. `sig` is the sender's node key over
 * keccak256(`mpc:<network>:<session>:<from>:<to|*>:<seq>:` ‖ JSON(payload)) — 65 bytes r‖s‖v, low s — so a
 * message is bound to its network, session, sender, recipient and position; `seq` grows per sender and session.
 */
export interface MpcEnvelope {
  channel: 'mpc';
  session: string;
  from: Address;
  to?: Address;
  seq: number;
  payload: MpcPayload;
  sig: string;
}

/** Protocol bytes for one stage (batched: every message of one poke), a hello, or a presign invitation. */
export type MpcPayload =
  | { t: 'p'; stage: string; m: string[] }
  | { t: 'h'; hello: Record<string, unknown> }
  | { t: 'i'; keyId: string; signers: string[] };

const SESSION = /^[A-Za-z0-9:/#._-]{1,160}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION.test(value);
}

function signedBytes(network: string, session: string, from: string, to: string | undefined, seq: number, payloadJson: string): Buffer {
  return Buffer.from(`mpc:${network}:${session}:${from}:${to ?? '*'}:${seq}:${payloadJson}`, 'utf8');
}

export function sealEnvelope(
  signer: NodeKey,
  network: string,
  fields: { session: string; to?: Address; seq: number; payload: MpcPayload },
): string {
  const payloadJson = JSON.stringify(fields.payload);
  const sig = signer.signMessage(signedBytes(network, fields.session, signer.address, fields.to, fields.seq, payloadJson));
  const to = fields.to ? `,"to":"${fields.to}"` : '';
  return `{"channel":"mpc","session":${JSON.stringify(fields.session)},"from":"${signer.address}"${to},"seq":${fields.seq},"payload":${payloadJson},"sig":"${sig}"}`;
}

export type OpenedEnvelope = { ok: true; envelope: MpcEnvelope } | { ok: false; reason: DropReason; detail: string };

export type DropReason =
  | 'malformed'
  | 'bad-signature'
  | 'unknown-party'
  | 'wrong-session'
  | 'replay'
  | 'misaddressed'
  | 'bad-payload'
  /** A buffer or session limit of this host as a whole was reached. */
  | 'overflow'
  /** The sender used up its own share (sessions it invited us into, early or queued messages and bytes). */
  | 'peer-limit';

function isPayload(p: unknown): p is MpcPayload {
  if (typeof p !== 'object' || p === null) return false;
  const v = p as Record<string, unknown>;
  if (v.t === 'p') return typeof v.stage === 'string' && Array.isArray(v.m) && v.m.every((x) => typeof x === 'string');
  if (v.t === 'h') return typeof v.hello === 'object' && v.hello !== null && !Array.isArray(v.hello);
  if (v.t === 'i') return typeof v.keyId === 'string' && Array.isArray(v.signers) && v.signers.every((x) => typeof x === 'string');
  return false;
}

/** Parses and authenticates one wire message; never throws. */
export function openEnvelope(network: string, raw: string | Buffer): OpenedEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'malformed', detail: 'not an object' };
  const e = value as Record<string, unknown>;
  if (e.channel !== 'mpc') return { ok: false, reason: 'malformed', detail: 'not the mpc channel' };
  if (!isSessionId(e.session)) return { ok: false, reason: 'malformed', detail: 'bad session id' };
  if (typeof e.from !== 'string' || !ADDRESS.test(e.from)) return { ok: false, reason: 'malformed', detail: 'bad from' };
  if (e.to !== undefined && (typeof e.to !== 'string' || !ADDRESS.test(e.to))) return { ok: false, reason: 'malformed', detail: 'bad to' };
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1) return { ok: false, reason: 'malformed', detail: 'bad seq' };
  if (typeof e.sig !== 'string' || !/^0x[0-9a-f]{130}$/.test(e.sig)) return { ok: false, reason: 'bad-signature', detail: 'missing or malformed sig' };
  if (!isPayload(e.payload)) return { ok: false, reason: 'bad-payload', detail: 'payload is not an MPC payload' };
  const bytes = signedBytes(network, e.session, e.from, e.to as string | undefined, e.seq, JSON.stringify(e.payload));
  const signer = mpcEnvelopeRecover(bytes, Buffer.from(e.sig.slice(2), 'hex'));
  if (signer !== e.from) return { ok: false, reason: 'bad-signature', detail: 'signature does not match from' };
  return { ok: true, envelope: value as MpcEnvelope };
}
