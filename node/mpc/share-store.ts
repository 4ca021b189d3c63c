import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MpcConfigError, ShareDecryptionError } from './errors.ts';
import type { Address } from './identity.ts';

/** scrypt cost: ~100 ms per load or save (off the event loop), a one-off per key change. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function deriveKey(secret: Buffer, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** fsync of a directory: makes a rename or unlink in it durable (POSIX; the hosts run on Linux). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads the operator's share-encryption secret (hex, at least 32 bytes) from the environment. */
export function shareKeyFromEnv(env: NodeJS.ProcessEnv = process.env, name = 'MPC_SHARE_KEY'): Buffer {
  const value = env[name];
  if (!value) throw new MpcConfigError(`${name} is not set: the MPC key share cannot be stored or loaded`);
  const body = value.startsWith('0x') ? value.slice(2) : value;
  if (!/^([0-9a-fA-F]{2}){32,}$/.test(body)) throw new MpcConfigError(`${name} must be at least 32 bytes of hex`);
  return Buffer.from(body, 'hex');
}

interface SealedFile {
  v: 1;
  kdf: 'scrypt';
  n: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  ct: string;
}

/**
 * The node's key share at rest: AES-256-GCM under a scrypt-derived key, bound (as associated data) to the node's
 * address so one node's file cannot be passed off as another's; written 0600 via a temporary file (fsynced) and a
 * rename (the directory fsynced after it), so a crash leaves either the old share or the new one, never half of
 * one, and a completed save survives power loss. A failed save removes its temporary file.
 */
export class ShareStore {
  readonly path: string;

  private readonly owner: Address;
  private readonly secret: Buffer;

  constructor(dir: string, owner: Address, secret: Buffer) {
    this.owner = owner;
    this.secret = secret;
    this.path = join(dir, `mpc-share-${owner}.json`);
  }

  private aad(): Buffer {
    return Buffer.from(`seq-mpc-share/v1:${this.owner}`, 'utf8');
  }

  async save(share: Buffer): Promise<void> {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const key = await deriveKey(this.secret, salt, SCRYPT);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(this.aad());
    const ct = Buffer.concat([cipher.update(share), cipher.final()]);
    const sealed: SealedFile = {
      v: 1,
      kdf: 'scrypt',
      n: SCRYPT.N,
      r: SCRYPT.r,
      p: SCRYPT.p,
      salt: salt.toString('hex'),
      iv: iv.toString('hex'),
      tag: cipher.getAuthTag().toString('hex'),
      ct: ct.toString('base64'),
    };
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(sealed));
        // The bytes reach the disk before the name points at them: a crash never leaves an empty share file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    // The rename itself lives in the directory: until the directory is synced, a crash can bring the old share back.
    await syncDirectory(dirname(this.path));
  }

  /** The stored share, or null when none was ever saved. Throws ShareDecryptionError for a wrong key. */
  async load(): Promise<Buffer | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let sealed: SealedFile;
    try {
      sealed = JSON.parse(text) as SealedFile;
    } catch {
      throw new ShareDecryptionError(`share file ${this.path} is not a sealed share`);
    }
    if (sealed.v !== 1 || sealed.kdf !== 'scrypt') throw new ShareDecryptionError(`share file ${this.path} has an unknown format`);
    try {
      const key = await deriveKey(this.secret, Buffer.from(sealed.salt, 'hex'), { N: sealed.n, r: sealed.r, p: sealed.p, maxmem: SCRYPT.maxmem });
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'hex'));
      decipher.setAAD(this.aad());
      decipher.setAuthTag(Buffer.from(sealed.tag, 'hex'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    } catch {
      throw new ShareDecryptionError(
        `cannot decrypt the MPC key share at ${this.path}: wrong MPC_SHARE_KEY, a file of another node, or a corrupted file`,
      );
    }
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
    await syncDirectory(dirname(this.path));
  }
}
