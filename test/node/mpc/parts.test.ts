import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../node/mpc/clock.ts';
import { openEnvelope, sealEnvelope } from '../../../node/mpc/envelope.ts';
import { MpcConfigError, ShareDecryptionError } from '../../../node/mpc/errors.ts';
import { NodeSigner, PartySet, participantId, type Address } from '../../../node/mpc/identity.ts';
import { PrivateChannels } from '../../../node/mpc/private-channel.ts';
import { EarlyBuffer } from '../../../node/mpc/early-buffer.ts';
import { AttemptFailed, Session } from '../../../node/mpc/session.ts';
import { ShareStore, shareKeyFromEnv } from '../../../node/mpc/share-store.ts';
import { addressOf, nodeKey } from './cluster.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('ShareStore', () => {
  it('round-trips, refuses a wrong key or another node\'s file with a clear error, and reports absence as null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-store-'));
    dirs.push(dir);
    const a = addressOf(nodeKey('A'));
    const b = addressOf(nodeKey('B'));
    const key = Buffer.alloc(32, 1);
    const store = new ShareStore(dir, a, key);
    expect(await store.load()).toBeNull();
    await store.save(Buffer.from('{"secret":"abc"}'));
    expect((await store.load())?.toString()).toBe('{"secret":"abc"}');
    await expect(new ShareStore(dir, a, Buffer.alloc(32, 2)).load()).rejects.toThrow(ShareDecryptionError);
    await expect(new ShareStore(dir, a, Buffer.alloc(32, 2)).load()).rejects.toThrow(/wrong MPC_SHARE_KEY/);
    // A's file renamed to B's: the address is bound into the ciphertext.
    const other = new ShareStore(dir, b, key);
    await writeFile(other.path, await readFile(store.path));
    await expect(other.load()).rejects.toThrow(ShareDecryptionError);
    await writeFile(store.path, 'not a sealed share');
    await expect(store.load()).rejects.toThrow(/not a sealed share/);
  });

  it('a save replaces the share through a temporary file that never stays behind, also when the save fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-store-'));
    dirs.push(dir);
    const store = new ShareStore(dir, addressOf(nodeKey('A')), Buffer.alloc(32, 1));
    await store.save(Buffer.from('first'));
    await store.save(Buffer.from('second'));
    expect(await readdir(dir)).toEqual([basename(store.path)]);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await new ShareStore(dir, addressOf(nodeKey('A')), Buffer.alloc(32, 1)).load())?.toString()).toBe('second');
    // The rename cannot replace a directory: the save fails, and its temporary file is gone with it.
    const blocked = new ShareStore(join(dir, 'blocked'), addressOf(nodeKey('B')), Buffer.alloc(32, 1));
    await mkdir(blocked.path, { recursive: true });
    await expect(blocked.save(Buffer.from('third'))).rejects.toThrow();
    expect(await readdir(join(dir, 'blocked'))).toEqual([basename(blocked.path)]);
    await store.remove();
    expect(await readdir(dir)).toEqual(['blocked']);
  });

  it('reads MPC_SHARE_KEY from the environment and refuses a missing or short one', () => {
    expect(shareKeyFromEnv({ MPC_SHARE_KEY: `0x${'ab'.repeat(32)}` }).length).toBe(32);
    expect(() => shareKeyFromEnv({})).toThrow(MpcConfigError);
    expect(() => shareKeyFromEnv({ MPC_SHARE_KEY: 'abcd' })).toThrow(/at least 32 bytes/);
  });
});

describe('envelopes', () => {
  const signer = new NodeSigner(nodeKey('A'));
  const sealed = sealEnvelope(signer, '7', { session: 'sign:s:0:x', seq: 3, payload: { t: 'p', stage: 'sig', m: ['AQID'] } });

  it('open what was sealed, from the signer', () => {
    const opened = openEnvelope('7', sealed);
    expect(opened.ok && opened.envelope.from).toBe(signer.address);
  });

  it('bind every field: changing any one breaks the signature', () => {
    const e = JSON.parse(sealed) as Record<string, unknown>;
    for (const change of [{ session: 'sign:s:1:x' }, { seq: 4 }, { to: addressOf(nodeKey('B')) }, { payload: { t: 'p', stage: 'sig', m: ['AQIE'] } }]) {
      const r = openEnvelope('7', JSON.stringify({ ...e, ...change }));
      expect(r.ok ? 'accepted' : r.reason).toBe('bad-signature');
    }
    const wrongNetwork = openEnvelope('8', sealed);
    expect(wrongNetwork.ok ? 'accepted' : wrongNetwork.reason).toBe('bad-signature');
  });
});

describe('identity', () => {
  it('numbers parties by address prefix and refuses duplicates', () => {
    const a = addressOf(nodeKey('A'));
    expect(participantId(a)).toBe(Number.parseInt(a.slice(2, 10), 16));
    expect(() => new PartySet([a, a.toUpperCase().replace('0X', '0x')])).toThrow(/duplicates/);
    expect(new PartySet([addressOf(nodeKey('B')), a]).addresses[0]).toBe([a, addressOf(nodeKey('B'))].sort()[0]);
  });
});

describe('Session timeouts come from the injected clock', () => {
  it('fails an attempt when the clock says so, naming the parties never heard from', async () => {
    const timers: Array<() => void> = [];
    const clock: Clock = { now: () => 0, setTimeout: (f) => timers.push(f), clearTimeout: () => undefined };
    const [a, b, c] = ['A', 'B', 'C'].map((l) => addressOf(nodeKey(l))) as [Address, Address, Address];
    const sent: unknown[] = [];
    const signerA = new NodeSigner(nodeKey('A'));
    const io = { me: a, publicKey: signerA.publicKey, ecdh: (pk: Buffer) => signerA.sharedSecret(pk), clock, send: (...args: unknown[]) => void sent.push(args), reject: () => undefined, pendingLimit: { messages: 10, bytes: 1_000 } };
    const session = new Session('sign:t:0:x', new PartySet([a, b, c]), io);
    const hellos = session.exchangeHellos({ digest: '00' }, 1_000);
    session.deliver({ channel: 'mpc', session: 'sign:t:0:x', from: b, seq: 1, payload: { t: 'h', hello: { digest: '00' } }, sig: '' });
    expect(sent).toHaveLength(1);
    expect(timers).toHaveLength(1);
    timers[0]?.();
    const error = await hellos.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptFailed);
    expect((error as AttemptFailed).faults).toEqual([{ party: c, reason: 'timeout' }]);
  });
});

describe('private channels', () => {
  it('seal send-to-one messages so only the recipient, in that session and stage, opens them', () => {
    const [sa, sb, sc] = ['A', 'B', 'C'].map((l) => new NodeSigner(nodeKey(l))) as [NodeSigner, NodeSigner, NodeSigner];
    const a = new PrivateChannels('keygen:k', sa.address, (pk) => sa.sharedSecret(pk));
    const b = new PrivateChannels('keygen:k', sb.address, (pk) => sb.sharedSecret(pk));
    expect(a.add(sb.address, sb.publicKey)).toBe(true);
    expect(b.add(sa.address, sa.publicKey)).toBe(true);
    // A public key that is not the claimed sender's is refused.
    expect(a.add(sb.address, sc.publicKey)).toBe(false);
    expect(a.add(sb.address, 'nonsense')).toBe(false);
    expect(a.add(sb.address, sb.publicKey)).toBe(true);
    const box = a.seal(sb.address, Buffer.from('share of f(b)'), 'kg');
    expect(box).not.toContain(Buffer.from('share of f(b)').toString('base64'));
    expect(b.open(sa.address, box, 'kg').toString()).toBe('share of f(b)');
    expect(() => b.open(sa.address, box, 'rs')).toThrow();
    const otherSession = new PrivateChannels('keygen:other', sb.address, (pk) => sb.sharedSecret(pk));
    otherSession.add(sa.address, sa.publicKey);
    expect(() => otherSession.open(sa.address, box, 'kg')).toThrow();
  });
});

describe('EarlyBuffer bounds', () => {
  const bounds = { ttlMs: 1_000, maxMessages: 6, maxBytes: 10_000, perPeerMessages: 3, perPeerBytes: 250, perSessionMessages: 2 };
  const [a, b, c] = ['A', 'B', 'C'].map((l) => addressOf(nodeKey(l))) as [Address, Address, Address];
  const envelope = (from: Address, session: string) => ({ channel: 'mpc' as const, session, from, seq: 1, payload: { t: 'h' as const, hello: {} }, sig: '' });

  it('gives each peer its own share, so one that floods leaves room for the others', () => {
    const buffer = new EarlyBuffer(bounds);
    const expired: unknown[] = [];
    const add = (from: Address, session: string, bytes = 10, now = 0) => buffer.add(envelope(from, session), bytes, now, (e) => expired.push(e));
    expect([add(a, 's1'), add(a, 's2'), add(a, 's3'), add(a, 's4')]).toEqual([null, null, null, 'peer-limit']);
    expect(add(b, 's1', 300)).toBe('peer-limit'); // over its byte share
    expect([add(b, 'x'), add(b, 'x'), add(b, 'x')]).toEqual([null, null, 'peer-limit']); // per-session limit
    expect([add(c, 'y'), add(c, 'z')]).toEqual([null, 'full']); // six kept in all
    expect(buffer.stats()).toMatchObject({ messages: 6, bytes: 60 });
    // Taking a session returns its share to its senders; expiry does too, and reports what expired.
    expect(buffer.take('x')).toHaveLength(2);
    expect(add(b, 'w')).toBeNull();
    expect(add(c, 'v', 10, 2_000)).toBeNull();
    expect(expired).toHaveLength(5);
    expect(buffer.stats()).toEqual({ messages: 1, bytes: 10, sessions: 1, peers: 1 });
  });
});
