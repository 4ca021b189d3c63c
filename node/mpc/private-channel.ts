import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { computeAddress } from 'ethers';
import type { Address } from './identity.ts';

/** A private box that cannot be opened: no channel with its sender, too short, or it fails authentication. */
export class PrivateChannelError extends Error {
  override readonly name = 'PrivateChannelError';
}

/**
 * Confidentiality for cait-sith's send-to-one messages (key-share evaluations, OT data), which the envelope only
 * authenticates. Each session's hello carries the sender's node public key (it must hash to the sender's
 * address); a pair of parties then shares AES-256-GCM key = HKDF-SHA256(ECDH(node keys), salt = sha256(session),
 * info = the two addresses), and every private message is sealed under it, bound to session, sender, recipient
 * and stage.
 */
export class PrivateChannels {
  private readonly keys = new Map<Address, Buffer>();
  private readonly session: string;
  private readonly me: Address;
  private readonly ecdh: (peerPublicKey: Buffer) => Buffer;

  constructor(session: string, me: Address, ecdh: (peerPublicKey: Buffer) => Buffer) {
    this.session = session;
    this.me = me;
    this.ecdh = ecdh;
  }

  /** Derives the key shared with `peer` from its announced public key; false if the key is not `peer`'s. */
  add(peer: Address, publicKeyHex: unknown): boolean {
    if (typeof publicKeyHex !== 'string' || !/^0x0[23][0-9a-f]{64}$/.test(publicKeyHex)) return false;
    try {
      if (computeAddress(publicKeyHex).toLowerCase() !== peer) return false;
      const shared = this.ecdh(Buffer.from(publicKeyHex.slice(2), 'hex'));
      const [a, b] = [this.me, peer].sort();
      const salt = createHash('sha256').update(this.session).digest();
      this.keys.set(peer, Buffer.from(hkdfSync('sha256', shared, salt, `seq-mpc/private/v1:${a}:${b}`, 32)));
      return true;
    } catch {
      return false;
    }
  }

  seal(to: Address, plaintext: Buffer, stage: string): string {
    const key = this.keys.get(to);
    if (!key) throw new Error(`no private channel to ${to}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${this.session}:${this.me}:${to}:${stage}`));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  /** Throws PrivateChannelError when the box was not sealed by `from` for us in this session and stage. */
  open(from: Address, boxed: string, stage: string): Buffer {
    const key = this.keys.get(from);
    if (!key) throw new PrivateChannelError(`no private channel from ${from}`);
    const bytes = Buffer.from(boxed, 'base64');
    if (bytes.length < 28) throw new PrivateChannelError('sealed message too short');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${this.session}:${from}:${this.me}:${stage}`));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
    } catch {
      throw new PrivateChannelError(`sealed message from ${from} failed authentication`);
    }
  }
}
