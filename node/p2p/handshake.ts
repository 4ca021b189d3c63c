import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex, type Hex } from '../encoding/hex.ts';

/**
 * The peer port's mutual handshake (protocol version 2). The acceptor speaks first with a fresh nonce; the dialer
 * answers with a signed `hello` carrying the whole transcript; the acceptor checks it and signs the same transcript
 * back. Both signatures cover both nonces, both addresses (who the dialer expects to reach, who the acceptor learned
 * from the hello and found in its peer set), the network id and the version, so neither can be replayed on another
 * link or answered by anyone but the expected host. Every envelope after the hellos is signed over the session id
 * (keccak256 of the transcript): a relay in between can forward or drop frames, never inject or move them between
 * links.
 *
 *   acceptor -> dialer   {"challenge":"<32 hex>","version":2}                 unsigned
 *   dialer   -> acceptor envelope(channel "hello", session HELLO_SESSION, payload Transcript)
 *   acceptor -> dialer   envelope(channel "hello", session HELLO_SESSION, payload the same Transcript)
 */
export const PROTOCOL_VERSION = 2;
export const HELLO_CHANNEL = 'hello';
/** The session field of the hello envelopes themselves (the transcript inside carries the freshness). */
export const HELLO_SESSION = 'hello';

export interface Transcript {
  version: number;
  network: string;
  dialer: Hex;
  acceptor: Hex;
  dialerNonce: string;
  acceptorNonce: string;
}

const NONCE = /^[0-9a-f]{32}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

export function freshNonce(): string {
  return randomBytes(16).toString('hex');
}

export function challengeFrame(nonce: string): string {
  return JSON.stringify({ challenge: nonce, version: PROTOCOL_VERSION });
}

/** The acceptor's nonce from its challenge frame, or null when the frame is anything else (never throws). */
export function parseChallenge(text: string): string | null {
  try {
    const value = JSON.parse(text) as { challenge?: unknown; version?: unknown } | null;
    if (value?.version !== PROTOCOL_VERSION || typeof value.challenge !== 'string' || !NONCE.test(value.challenge)) return null;
    return value.challenge;
  } catch {
    return null;
  }
}

/** Canonical JSON of the transcript (fixed key order): what the session id hashes. */
function canonical(t: Transcript): string {
  return JSON.stringify({ version: t.version, network: t.network, dialer: t.dialer, acceptor: t.acceptor, dialerNonce: t.dialerNonce, acceptorNonce: t.acceptorNonce });
}

export function sessionId(t: Transcript): Hex {
  return toHex(keccak_256(Buffer.from(canonical(t), 'utf8')));
}

/** A hello payload read as a transcript, or null when any field is missing or malformed. */
export function readTranscript(payload: unknown): Transcript | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Record<string, unknown>;
  if (p.version !== PROTOCOL_VERSION || typeof p.network !== 'string') return null;
  if (typeof p.dialer !== 'string' || !ADDRESS.test(p.dialer) || typeof p.acceptor !== 'string' || !ADDRESS.test(p.acceptor)) return null;
  if (typeof p.dialerNonce !== 'string' || !NONCE.test(p.dialerNonce) || typeof p.acceptorNonce !== 'string' || !NONCE.test(p.acceptorNonce)) return null;
  return { version: p.version, network: p.network, dialer: p.dialer as Hex, acceptor: p.acceptor as Hex, dialerNonce: p.dialerNonce, acceptorNonce: p.acceptorNonce };
}

export function sameTranscript(a: Transcript, b: Transcript): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Why a dialer's hello is refused by the acceptor `self`, or null when it is acceptable. `from` is the hello's
 * verified signer; `isPeer` tells whether an address is in the acceptor's peer set.
 */
export function refuseDialerHello(t: Transcript | null, from: Hex, self: Hex, network: string, acceptorNonce: string, isPeer: (a: Hex) => boolean): string | null {
  if (!t) return 'malformed hello';
  if (t.network !== network) return 'wrong network';
  if (t.acceptor !== self) return 'hello addressed to another host';
  if (t.dialer !== from) return 'hello signed by someone else than its dialer';
  if (t.acceptorNonce !== acceptorNonce) return 'hello answers another challenge';
  if (!isPeer(from)) return 'dialer not in the peer set';
  return null;
}
