import WebSocket from 'ws';
import type { Hex } from '../../node/encoding/hex.ts';
import type { EnvelopeSigner } from '../../node/p2p/envelope.ts';
import { freshNonce, HELLO_CHANNEL, HELLO_SESSION, parseChallenge, PROTOCOL_VERSION, sessionId, type Transcript } from '../../node/p2p/handshake.ts';

export interface RawPeerLink {
  ws: WebSocket;
  session: Hex;
  transcript: Transcript;
  /** Seals `payload` for this link's session and sends it. */
  send(channel: string, payload: unknown): void;
}

/** Reads the acceptor's challenge frame from a fresh connection to `url`. */
export async function openRaw(url: string): Promise<{ ws: WebSocket; challenge: string }> {
  const ws = new WebSocket(url);
  const challenge = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => {
      const nonce = parseChallenge(data.toString());
      if (nonce) resolve(nonce);
      else reject(new Error(`not a challenge: ${data.toString()}`));
    });
    ws.once('error', reject);
  });
  return { ws, challenge };
}

/** Dials `url` as `signer` (expecting `acceptor` there) and completes the handshake like a PeerNetwork dialer. */
export async function dialAsPeer(url: string, signer: EnvelopeSigner, network: string, acceptor: Hex, timeoutMs = 5_000): Promise<RawPeerLink> {
  const { ws, challenge } = await openRaw(url);
  const transcript: Transcript = { version: PROTOCOL_VERSION, network, dialer: signer.address, acceptor, dialerNonce: freshNonce(), acceptorNonce: challenge };
  ws.send(signer.seal(HELLO_SESSION, HELLO_CHANNEL, transcript));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello from the acceptor')), timeoutMs);
    ws.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed during the handshake (${code})`));
    });
  });
  const session = sessionId(transcript);
  return { ws, session, transcript, send: (channel, payload) => ws.send(signer.seal(session, channel, payload)) };
}
