import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { registerCometKeyMessage } from '../app/transactions.ts';
import { UsageError } from '../../tools/cli/errors.ts';

/**
 * The validator's CometBFT consensus key, read from its home (`config/priv_validator_key.json`), and the proof
 * of possession the register-comet-key tx carries: an ed25519 signature by that key over
 * "register-comet-key:<chainId>:<signer address>", so no one can bind someone else's validator key.
 */

export interface CometKey {
  /** base64 ed25519 public key */
  pubKey: string;
  /** uppercase hex CometBFT validator address */
  address: string;
  file: string;
  sign(message: Uint8Array): Uint8Array;
}

interface PrivValidatorKey {
  address?: string;
  pub_key?: { type?: string; value?: string };
  priv_key?: { type?: string; value?: string };
}

/** `home` is a CometBFT home (with config/priv_validator_key.json) or the key file's directory. */
export function readCometKey(home: string): CometKey {
  const file = [join(home, 'config', 'priv_validator_key.json'), join(home, 'priv_validator_key.json')].find((candidate) => existsSync(candidate));
  if (!file) throw new UsageError(`--comet-home ${home} has no config/priv_validator_key.json`, { showUsage: false });
  let key: PrivValidatorKey;
  try {
    key = JSON.parse(readFileSync(file, 'utf8')) as PrivValidatorKey;
  } catch {
    throw new UsageError(`${file} is not valid JSON`, { showUsage: false });
  }
  if (key.priv_key?.type !== 'tendermint/PrivKeyEd25519' || typeof key.priv_key.value !== 'string') {
    throw new UsageError(`${file} does not hold an ed25519 key (tendermint/PrivKeyEd25519)`, { showUsage: false });
  }
  // CometBFT stores the 64-byte Go form: seed || public key.
  const secret = Buffer.from(key.priv_key.value, 'base64');
  if (secret.length !== 64) throw new UsageError(`${file}: priv_key is ${secret.length} bytes, expected 64`, { showUsage: false });
  const seed = new Uint8Array(secret.subarray(0, 32));
  const pubKey = Buffer.from(ed25519.getPublicKey(seed)).toString('base64');
  if (key.pub_key?.value !== undefined && key.pub_key.value !== pubKey) throw new UsageError(`${file}: pub_key does not match priv_key`, { showUsage: false });
  return { pubKey, address: (key.address ?? '').toUpperCase(), file, sign: (message) => ed25519.sign(message, seed) };
}

/** The register-comet-key payload's proof: base64 signature over "register-comet-key:<chainId>:<from>". */
export function cometKeyProof(key: CometKey, chainId: string, from: string): string {
  const message = new TextEncoder().encode(registerCometKeyMessage(chainId, from.toLowerCase() as `0x${string}`));
  return Buffer.from(key.sign(message)).toString('base64');
}
