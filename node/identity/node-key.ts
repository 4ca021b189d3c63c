import { mpcEnvelopeRecover, mpcEnvelopeSign } from '@l2-sequencer/native';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex, type Hex } from '../encoding/hex.ts';

/**
 * A host's secp256k1 key: it signs blocks (over the block hash) and peer messages. Signatures are Ethereum-style
 * 65 bytes r || s || v (v = 27 + recovery id), so ethers, viem and Solidity's ecrecover read them as they are.
 */
export class NodeKey {
  readonly address: Hex;
  private readonly secret: Uint8Array;
  private readonly secretBuffer: Buffer;

  constructor(privateKey: Hex) {
    this.secret = fromHex(privateKey);
    if (this.secret.length !== 32) throw new Error('node key: expected a 32-byte private key');
    this.secretBuffer = Buffer.from(this.secret);
    this.address = addressOfPublicKey(secp256k1.getPublicKey(this.secret, false));
  }

  /** Signs keccak256(message) with the native k256 signer (an order of magnitude faster than JavaScript). */
  signMessage(message: Uint8Array): Hex {
    return toHex(mpcEnvelopeSign(this.secretBuffer, Buffer.from(message.buffer, message.byteOffset, message.byteLength)));
  }

  sign(digest: Uint8Array): Hex {
    const recovered = secp256k1.sign(digest, this.secret, { prehash: false, format: 'recovered' });
    const out = new Uint8Array(65);
    out.set(recovered.subarray(1), 0);
    out[64] = 27 + (recovered[0] as number);
    return toHex(out);
  }
}

/** The address that produced `signature` over `digest`, or null when the signature is malformed. */
export function recoverSigner(digest: Uint8Array, signature: string): Hex | null {
  try {
    const bytes = fromHex(signature);
    if (bytes.length !== 65) return null;
    const v = bytes[64] as number;
    const recovery = v >= 27 ? v - 27 : v;
    if (recovery !== 0 && recovery !== 1) return null;
    const compact = new Uint8Array(65);
    compact[0] = recovery;
    compact.set(bytes.subarray(0, 64), 1);
    // Low-s only (EIP-2): a second valid encoding of the same signature must not count as a different message.
    const sig = secp256k1.Signature.fromBytes(compact, 'recovered');
    if (sig.hasHighS()) return null;
    return addressOfPublicKey(secp256k1.recoverPublicKey(compact, digest, { prehash: false }));
  } catch {
    return null;
  }
}

/** The address that signed keccak256(message) (native k256; low s, v 27/28 only), or null. */
export function recoverMessageSigner(message: Uint8Array, signature: string): Hex | null {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return null;
  return mpcEnvelopeRecover(Buffer.from(message.buffer, message.byteOffset, message.byteLength), Buffer.from(signature.slice(2), 'hex')) as Hex | null;
}

export function addressOfPublicKey(publicKey: Uint8Array): Hex {
  const uncompressed = publicKey.length === 65 ? publicKey : secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return toHex(keccak_256(uncompressed.subarray(1)).subarray(12));
}

export function keccak(bytes: Uint8Array): Uint8Array {
  return keccak_256(bytes);
}
