import { decodeTransactions } from '@l2-sequencer/native';
import { getBytes, hexlify, keccak256, Transaction, Wallet } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NativeTxDecoder } from '../../node/host/engine/native-decoder.ts';
import { fuzzParams, hexOf } from './support.ts';

const CHAIN_ID = 901;
const MAX_SIZE = 4096;
const CODES = ['Empty', 'Oversize', 'MalformedRlp', 'UnsupportedType', 'UnprotectedLegacy', 'WrongChainId', 'BadSignature', 'EmptyAuthorizationList', 'TooManyAuthorizations', 'AuthorizationWrongChain'];
const wallet = new Wallet(`0x${'42'.repeat(32)}`);

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
interface TxFields {
  type: number;
  nonce: number;
  gasLimit: bigint;
  price: bigint;
  tip: bigint;
  to: `0x${string}` | null;
  value: bigint;
  data: Uint8Array;
}

const txFields: fc.Arbitrary<TxFields> = fc.record({
  type: fc.constantFrom(0, 1, 2),
  nonce: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  gasLimit: u64,
  price: u128,
  tip: u128,
  to: fc.option(hexOf(20), { nil: null }),
  value: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  data: fc.uint8Array({ maxLength: 200 }),
});

/** A transaction signed by `wallet` for CHAIN_ID, as eth_sendRawTransaction would carry it. */
function signed(fields: TxFields): Uint8Array {
  const tx = Transaction.from({
    type: fields.type,
    chainId: CHAIN_ID,
    nonce: fields.nonce,
    gasLimit: fields.gasLimit,
    to: fields.to,
    value: fields.value,
    data: hexlify(fields.data),
    ...(fields.type === 2 ? { maxFeePerGas: fields.price, maxPriorityFeePerGas: fields.tip % (fields.price + 1n) } : { gasPrice: fields.price }),
  });
  tx.signature = wallet.signingKey.sign(tx.unsignedHash);
  return getBytes(tx.serialized);
}

/** Every entry is a decoded tx whose hash is keccak of its bytes, or a refusal with a published code. */
function expectAnswers(raws: Uint8Array[]): void {
  const results = decodeTransactions(raws, CHAIN_ID, MAX_SIZE);
  expect(results).toHaveLength(raws.length);
  results.forEach((result, index) => {
    if (result.ok) {
      expect(result.hash).toBe(keccak256(raws[index]!));
      expect(result.size).toBe(raws[index]!.length);
    } else {
      expect(CODES).toContain(result.code);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(raw: Uint8Array, edits: { kind: 'set' | 'cut' | 'insert'; at: number; byte: number }[]): Uint8Array {
  let bytes = [...raw];
  for (const { kind, at, byte } of edits) {
    const index = at % (bytes.length + 1);
    if (kind === 'set' && bytes.length > 0) bytes[index % bytes.length] = byte;
    if (kind === 'cut') bytes = bytes.slice(0, index);
    if (kind === 'insert') bytes.splice(index, 0, byte);
  }
  return Uint8Array.from(bytes);
}

describe('fuzz: native transaction decoding (decodeTransactions over napi)', () => {
  it('arbitrary bytes, alone or behind a type byte, get one answer each', () => {
    const raw = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.tuple(fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0xc0, 0xf8, 0xff), fc.uint8Array({ maxLength: 300 })).map(([type, rest]) => Uint8Array.of(type, ...rest)));
    fc.assert(fc.property(fc.array(raw, { maxLength: 8 }), expectAnswers), fuzzParams(500));
  });

  it('every signed legacy, EIP-2930 and EIP-1559 transaction decodes to its fields and signer', () => {
    const decoder = new NativeTxDecoder(BigInt(CHAIN_ID), MAX_SIZE);
    fc.assert(
      fc.property(txFields, (fields) => {
        const raw = signed(fields);
        const [decoded] = decoder.decode([raw]);
        expect(decoded).toMatchObject({ hash: keccak256(raw), sender: wallet.address.toLowerCase(), nonce: BigInt(fields.nonce), gasLimit: fields.gasLimit, value: fields.value });
      }),
      fuzzParams(200),
    );
  });

  it('a signed transaction with bytes edited, cut or inserted is refused with a code or decodes to exactly those bytes', () => {
    fc.assert(
      fc.property(txFields, fc.array(mutation, { minLength: 1, maxLength: 3 }), (fields, edits) => expectAnswers([mutate(signed(fields), edits)])),
      fuzzParams(300),
    );
  });

  it('bad arguments (not the bytes) are the only throw: an invalid chain id or size limit', () => {
    expect(() => decodeTransactions([], -1, MAX_SIZE)).toThrow();
    expect(decodeTransactions([new Uint8Array()], CHAIN_ID, MAX_SIZE)).toMatchObject([{ ok: false, code: 'Empty' }]);
  });
});
