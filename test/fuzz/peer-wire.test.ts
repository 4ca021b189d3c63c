import { MpcKeygen, mpcEnvelopeRecover, mpcShareInfo } from '@l2-sequencer/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeKey } from '../../node/identity/node-key.ts';
import { openEnvelope as openMpcEnvelope, sealEnvelope, type MpcPayload } from '../../node/mpc/envelope.ts';
import { NodeSigner } from '../../node/mpc/identity.ts';
import { PrivateChannelError, PrivateChannels } from '../../node/mpc/private-channel.ts';
import { EnvelopeSigner, openEnvelope } from '../../node/p2p/envelope.ts';
import { fromWire, isHash, isQuantity, isSeal, toWire, type WireBlock } from '../../node/host/sync/wire.ts';
import { anyJson, fuzzParams, hexOf, hostileText } from './support.ts';

const NETWORK = '901';
const KEY_A = `0x${'11'.repeat(32)}` as const;
const KEY_B = `0x${'22'.repeat(32)}` as const;

const quantityHex = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => `0x${n.toString(16)}` as `0x${string}`);
const rawTx = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`);

const wireBlock: fc.Arbitrary<WireBlock> = fc.record(
  {
    number: quantityHex,
    timestamp: quantityHex,
    beneficiary: hexOf(20),
    gasLimit: quantityHex,
    parentHash: hexOf(32),
    hash: hexOf(32),
    stateRoot: hexOf(32),
    transactionsRoot: hexOf(32),
    receiptsRoot: hexOf(32),
    transactions: fc.array(rawTx, { maxLength: 4 }),
    baseFeePerGas: quantityHex,
    prevrandao: hexOf(32),
    extraData: fc.uint8Array({ minLength: 1, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`),
  },
  { requiredKeys: ['number', 'timestamp', 'beneficiary', 'gasLimit', 'parentHash', 'hash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'transactions'] },
);

/** A valid block with one field replaced by any JSON value (or removed). */
const damagedBlock = fc.tuple(wireBlock, fc.constantFrom<keyof WireBlock>('number', 'timestamp', 'beneficiary', 'gasLimit', 'parentHash', 'hash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'transactions', 'baseFeePerGas', 'prevrandao', 'extraData'), fc.option(anyJson(), { nil: undefined }))
  .map(([block, field, value]) => ({ ...block, [field]: value }) as Record<string, unknown>);

describe('fuzz: replication wire (fromWire, isSeal, isQuantity, isHash)', () => {
  it('any JSON value decodes to a block or null, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson(), damagedBlock), (value) => {
        const block = fromWire(value);
        if (block !== null) expect(toWire(block)).toEqual(Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== undefined)));
      }),
      fuzzParams(1000),
    );
  });

  it('every valid wire block round-trips through fromWire and toWire', () => {
    fc.assert(
      fc.property(wireBlock, (block) => {
        const decoded = fromWire(JSON.parse(JSON.stringify(block)));
        expect(decoded).not.toBeNull();
        expect(toWire(decoded!)).toEqual(block);
      }),
      fuzzParams(500),
    );
  });

  it('the field guards answer a boolean for any value', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson(), fc.string({ unit: 'binary' })), (value) => {
        for (const guard of [isSeal, isQuantity, isHash]) expect(typeof guard(value)).toBe('boolean');
      }),
      fuzzParams(1000),
    );
  });
});

describe('fuzz: replication envelopes (openEnvelope)', () => {
  // Envelopes are signed over the link's session id (the handshake transcript's hash).
  const SESSION = `0x${'ab'.repeat(32)}`;
  const OTHER_SESSION = `0x${'cd'.repeat(32)}`;
  const ENVELOPE_REFUSALS = ['not JSON', 'not an envelope', 'bad channel', 'bad from', 'bad seq', 'bad sig', 'no payload', 'signature does not match from'];
  const signer = new EnvelopeSigner(new NodeKey(KEY_A), NETWORK);

  it('any text opens or is refused with a reason, never throws', () => {
    const envelopeLike = fc.record({ channel: fc.string({ maxLength: 70 }), from: fc.oneof(hexOf(20), fc.string()), seq: fc.oneof(fc.integer(), fc.double()), payload: anyJson(), sig: fc.oneof(hexOf(65), fc.string()) }, { requiredKeys: [] });
    fc.assert(
      fc.property(hostileText(fc.oneof(anyJson(), envelopeLike)), (text) => {
        const opened = openEnvelope(NETWORK, SESSION, text);
        if (!opened.ok) expect(ENVELOPE_REFUSALS).toContain(opened.reason);
      }),
      fuzzParams(1000),
    );
  });

  it('a sealed envelope opens to what was sealed; any one-character change is refused or opens to the same content', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), anyJson(), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (channel, payload, at, replacement) => {
        const text = signer.seal(SESSION, channel, payload);
        const opened = openEnvelope(NETWORK, SESSION, text);
        // What arrives is the payload's JSON (-0 travels as 0), so compare with that.
        expect(opened).toMatchObject({ ok: true, envelope: { channel, from: signer.address, payload: JSON.parse(JSON.stringify(payload)) } });
        expect(openEnvelope('another-network', SESSION, text).ok).toBe(false);
        expect(openEnvelope(NETWORK, OTHER_SESSION, text).ok).toBe(false);
        const index = at % text.length;
        const changed = text.slice(0, index) + replacement + text.slice(index + 1);
        const reopened = openEnvelope(NETWORK, SESSION, changed);
        if (reopened.ok) expect(JSON.stringify(reopened.envelope.payload)).toBe(JSON.stringify(JSON.parse(text).payload));
      }),
      fuzzParams(150),
    );
  });
});

describe('fuzz: MPC envelopes and private channels', () => {
  const a = new NodeSigner(KEY_A);
  const b = new NodeSigner(KEY_B);
  const payload: fc.Arbitrary<MpcPayload> = fc.oneof(
    fc.record({ t: fc.constant('p' as const), stage: fc.string({ maxLength: 20 }), m: fc.array(fc.base64String({ maxLength: 40 }), { maxLength: 4 }) }),
    fc.record({ t: fc.constant('h' as const), hello: fc.dictionary(fc.string({ maxLength: 8 }), anyJson(), { maxKeys: 4 }) }),
    fc.record({ t: fc.constant('i' as const), keyId: fc.string({ maxLength: 66 }), signers: fc.array(fc.string({ maxLength: 42 }), { maxLength: 4 }) }),
  );
  const session = fc.stringMatching(/^[A-Za-z0-9:/#._-]{1,160}$/);
  const REASONS = ['malformed', 'bad-signature', 'unknown-party', 'wrong-session', 'replay', 'misaddressed', 'bad-payload', 'overflow'];

  it('any text or buffer opens or is dropped with a named reason, never throws', () => {
    const envelopeLike = fc.record({ channel: fc.constantFrom('mpc', 'blocks', ''), session: fc.oneof(session, fc.string()), from: fc.oneof(hexOf(20), fc.string()), to: fc.oneof(hexOf(20), anyJson()), seq: fc.oneof(fc.integer(), fc.double()), payload: fc.oneof(payload, anyJson()), sig: fc.oneof(hexOf(65), fc.string()) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(hostileText(fc.oneof(anyJson(), envelopeLike)), fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))), (raw) => {
        const opened = openMpcEnvelope(NETWORK, raw);
        if (!opened.ok) {
          expect(REASONS).toContain(opened.reason);
          expect(opened.detail.length).toBeGreaterThan(0);
        }
      }),
      fuzzParams(1000),
    );
  });

  it('a sealed MPC envelope round-trips and is bound to its network', () => {
    fc.assert(
      fc.property(session, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), payload, fc.boolean(), (id, seq, body, addressed) => {
        const text = sealEnvelope(a, NETWORK, { session: id, seq, payload: body, ...(addressed ? { to: b.address } : {}) });
        const opened = openMpcEnvelope(NETWORK, text);
        expect(opened).toMatchObject({ ok: true, envelope: { session: id, seq, from: a.address, payload: JSON.parse(JSON.stringify(body)) } });
        expect(openMpcEnvelope('another-network', text)).toMatchObject({ ok: false, reason: 'bad-signature' });
      }),
      fuzzParams(150),
    );
  });

  it('a private box opens only for its pair, session and stage; any other bytes throw PrivateChannelError', () => {
    const alice = new PrivateChannels('session-1', a.address, (pk) => a.sharedSecret(pk));
    const bob = new PrivateChannels('session-1', b.address, (pk) => b.sharedSecret(pk));
    expect(alice.add(b.address, b.publicKey)).toBe(true);
    expect(bob.add(a.address, a.publicKey)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.string({ maxLength: 10 }), fc.oneof(fc.base64String({ maxLength: 120 }), fc.string({ maxLength: 120 })), (plaintext, stage, junk) => {
        const boxed = alice.seal(b.address, Buffer.from(plaintext), stage);
        expect([...bob.open(a.address, boxed, stage)]).toEqual([...plaintext]);
        expect(() => bob.open(a.address, boxed, `${stage}x`)).toThrow(PrivateChannelError);
        expect(() => bob.open(a.address, junk, stage)).toThrow(PrivateChannelError);
        expect(() => bob.open(b.address, boxed, stage)).toThrow(PrivateChannelError);
      }),
      fuzzParams(300),
    );
  });

  it('a hello with any public key is accepted only when it is the sender\'s', () => {
    const alice = new PrivateChannels('session-2', a.address, (pk) => a.sharedSecret(pk));
    fc.assert(
      fc.property(fc.oneof(anyJson(), hexOf(33), hexOf(33).map((h) => `0x02${h.slice(4)}`)), (publicKey) => {
        expect(alice.add(b.address, publicKey)).toBe(publicKey === b.publicKey);
      }),
      fuzzParams(300),
    );
  });
});

describe('fuzz: native MPC decoding (mpcEnvelopeRecover, mpcShareInfo)', () => {
  it('any signature bytes recover to an address or null, never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 65, maxLength: 65 })), (message, signature) => {
        const signer = mpcEnvelopeRecover(Buffer.from(message), Buffer.from(signature));
        if (signer !== null) expect(signer).toMatch(/^0x[0-9a-f]{40}$/);
      }),
      fuzzParams(1000),
    );
  });

  it('any bytes as a key share are refused with a coded error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), anyJson().map((value) => new TextEncoder().encode(JSON.stringify(value)))), (bytes) => {
        try {
          mpcShareInfo(Buffer.from(bytes));
        } catch (error) {
          expect((error as { code?: unknown }).code).toEqual(expect.any(String));
          return;
        }
        expect.unreachable('random bytes parsed as a key share');
      }),
      fuzzParams(500),
    );
  });

  it('a keygen fed arbitrary or mutated peer bytes refuses them with a coded error and never aborts the process', () => {
    const honest = new MpcKeygen([1, 2, 3], 2, 2).poke();
    const genuine = honest.map((action) => Buffer.from(action.data));
    expect(genuine.length).toBeGreaterThan(0);
    const mutated = fc.tuple(fc.constantFrom(...genuine), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([message, at, byte]) => {
      const copy = Buffer.from(message);
      copy[at % copy.length] = byte;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), mutated), fc.constantFrom(2, 3, 4), (data, from) => {
        const keygen = new MpcKeygen([1, 2, 3], 1, 2);
        for (const step of [() => keygen.message(from, data), () => keygen.poke()]) {
          try {
            step();
          } catch (error) {
            expect((error as { code?: unknown }).code).toEqual(expect.any(String));
          }
        }
      }),
      fuzzParams(200),
    );
  });
});
