import type { Hex } from '../encoding/hex.ts';
import { recoverMessageSigner, type NodeKey } from '../identity/node-key.ts';

/**
 * Every message on the peer port: `{channel, from, seq, payload, sig}`. `sig` is the sender's node key over
 * keccak256 of `peer:<network>:<session>:<channel>:<from>:<seq>:<JSON.stringify(payload)>` (65 bytes r||s||v, low s),
 * the same construction as the native `mpcEnvelopeSign(secretKey, message)`. `session` is not on the wire: it is the
 * link's session id from the handshake (handshake.ts), so an envelope opens only on the link it was sealed for.
 * `seq` only grows per sender, so a replayed envelope is dropped; `network` (the L2 chain id) keeps messages of one
 * network out of another.
 */
export interface Envelope {
  channel: string;
  from: Hex;
  seq: number;
  payload: unknown;
  sig: Hex;
}

export function envelopeMessage(network: string, session: string, channel: string, from: Hex, seq: number, payloadJson: string): Uint8Array {
  return Buffer.from(`peer:${network}:${session}:${channel}:${from}:${seq}:${payloadJson}`, 'utf8');
}

export class EnvelopeSigner {
  private readonly key: NodeKey;
  private readonly network: string;
  /** Starts from the clock so a restarted host's sequence numbers still exceed the ones peers remember. */
  private seq = Date.now() * 1000;

  constructor(key: NodeKey, network: string) {
    this.key = key;
    this.network = network;
  }

  get address(): Hex {
    return this.key.address;
  }

  /** Serialised envelope for the link whose session id is `session`, ready for the wire. */
  seal(session: string, channel: string, payload: unknown): string {
    const seq = ++this.seq;
    const payloadJson = JSON.stringify(payload);
    const from = this.key.address;
    const sig = this.key.signMessage(envelopeMessage(this.network, session, channel, from, seq, payloadJson));
    return `{"channel":${JSON.stringify(channel)},"from":"${from}","seq":${seq},"payload":${payloadJson},"sig":"${sig}"}`;
  }
}

export type OpenResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Parses and authenticates a wire message of the link `session`; the signer must be the claimed `from`. */
export function openEnvelope(network: string, session: string, text: string): OpenResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not an envelope' };
  const e = value as Record<string, unknown>;
  if (typeof e.channel !== 'string' || e.channel.length === 0 || e.channel.length > 64) return { ok: false, reason: 'bad channel' };
  if (typeof e.from !== 'string' || !/^0x[0-9a-f]{40}$/.test(e.from)) return { ok: false, reason: 'bad from' };
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 0) return { ok: false, reason: 'bad seq' };
  if (typeof e.sig !== 'string' || !/^0x[0-9a-f]{130}$/i.test(e.sig)) return { ok: false, reason: 'bad sig' };
  if (!('payload' in e)) return { ok: false, reason: 'no payload' };
  const signer = recoverMessageSigner(envelopeMessage(network, session, e.channel, e.from as Hex, e.seq, JSON.stringify(e.payload)), e.sig.toLowerCase());
  if (signer !== e.from) return { ok: false, reason: 'signature does not match from' };
  return { ok: true, envelope: { channel: e.channel, from: e.from as Hex, seq: e.seq, payload: e.payload, sig: e.sig as Hex } };
}
