import { describe, expect, it } from 'vitest';
import {
  Transaction,
  Wallet,
  decodeRlp,
  encodeRlp,
  getBytes,
  hexlify,
  keccak256,
  toBeArray,
  toBeHex,
  type TransactionLike,
} from 'ethers';
import { decodeTransactions, type DecodedTx, type RejectedTx } from '../../native/index.js';

// The native decoder checked against ethers v6: every raw here is produced by ethers' Wallet.signTransaction.
const CHAIN_ID = 59_902;
const MAX_SIZE = 128 * 1024;
const wallet = new Wallet('0x' + '42'.repeat(32));
const recipient = '0x000000000000000000000000000000000000dEaD';

const base = { chainId: CHAIN_ID, nonce: 3, gasLimit: 21_000n, to: recipient, value: 10n ** 18n + 7n };
const legacy: TransactionLike = { ...base, type: 0, gasPrice: 2_000_000_000n };
const accessList: TransactionLike = {
  ...base,
  type: 1,
  gasPrice: 3_000_000_000n,
  data: '0xa9059cbb' + '00'.repeat(64),
  accessList: [{ address: recipient, storageKeys: [toBeHex(1, 32), toBeHex(2, 32)] }],
};
const dynamicFee: TransactionLike = {
  ...base,
  type: 2,
  maxFeePerGas: 50_000_000_000n,
  maxPriorityFeePerGas: 1_500_000_000n,
};
const creation: TransactionLike = { ...dynamicFee, to: null, data: '0x6080604052', gasLimit: 100_000n };

const sign = (tx: TransactionLike, by: Wallet = wallet) => by.signTransaction(tx);
const bytes = (hex: string) => Buffer.from(getBytes(hex));
const decode = (raws: string[], chainId = CHAIN_ID, maxSize = MAX_SIZE) =>
  decodeTransactions(raws.map(bytes), chainId, maxSize);

function accepted(result: DecodedTx | RejectedTx): DecodedTx {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result;
}

function rejected(result: DecodedTx | RejectedTx): RejectedTx {
  if (result.ok) throw new Error(`expected a rejection, got ${result.hash}`);
  return result;
}

function expectSameAsEthers(decoded: DecodedTx, raw: string) {
  const tx = Transaction.from(raw);
  expect(decoded.hash).toBe(tx.hash);
  expect(decoded.from).toBe(tx.from);
  expect(decoded.type).toBe(tx.type);
  expect(decoded.chainId).toBe(Number(tx.chainId));
  expect(decoded.nonce).toBe(tx.nonce);
  expect(decoded.to).toBe(tx.to);
  expect(decoded.value).toBe(tx.value);
  expect(decoded.gasLimit).toBe(tx.gasLimit);
  expect(decoded.gasPrice).toBe(tx.type === 2 ? null : tx.gasPrice);
  expect(decoded.maxFeePerGas).toBe(tx.maxFeePerGas);
  expect(decoded.maxPriorityFeePerGas).toBe(tx.maxPriorityFeePerGas);
  expect(decoded.inputLength).toBe(getBytes(tx.data).length);
  expect(decoded.size).toBe(getBytes(raw).length);
}

describe('decodeTransactions against ethers v6', () => {
  it.each([
    ['legacy EIP-155', legacy],
    ['EIP-2930', accessList],
    ['EIP-1559', dynamicFee],
    ['EIP-1559 contract creation', creation],
  ])('decodes %s like ethers', async (_name, tx) => {
    const raw = await sign(tx);
    const [result] = decode([raw]);
    const decoded = accepted(result!);
    expectSameAsEthers(decoded, raw);
    expect(decoded.from).toBe(wallet.address);
    expect(decoded.hash).toBe(keccak256(raw));
  });

  it('recovers many senders in one parallel batch, in input order', async () => {
    const wallets = Array.from({ length: 16 }, (_, i) => new Wallet(toBeHex(1000n + BigInt(i), 32)));
    const raws = await Promise.all(
      Array.from({ length: 256 }, (_, i) =>
        sign({ ...[legacy, accessList, dynamicFee][i % 3]!, nonce: i, value: BigInt(i) }, wallets[i % 16]!),
      ),
    );
    const results = decode(raws);
    expect(results).toHaveLength(256);
    results.forEach((result, i) => {
      const decoded = accepted(result);
      expect(decoded.nonce).toBe(i);
      expect(decoded.from).toBe(wallets[i % 16]!.address);
      expectSameAsEthers(decoded, raws[i]!);
    });
  });

  it('carries values above 2^64 exactly as bigint', async () => {
    const raw = await sign({ ...dynamicFee, value: 2n ** 200n + 12_345n });
    expect(accepted(decode([raw])[0]!).value).toBe(2n ** 200n + 12_345n);
  });
});

describe('decodeTransactions rejects bad input with stable codes, without touching neighbours', () => {
  it('gives each bad entry its code while the good ones around it decode', async () => {
    const good = await sign(dynamicFee);
    const goodLegacy = await sign(legacy);
    const truncated = good.slice(0, good.length - 20);
    const wrongChain = await sign({ ...dynamicFee, chainId: CHAIN_ID + 1 });
    const oversize = await sign({ ...dynamicFee, data: '0x' + 'ab'.repeat(2048), gasLimit: 1_000_000n });
    const preEip155 = await sign({ ...legacy, chainId: 0 });
    const blob = await sign({
      ...dynamicFee,
      type: 3,
      maxFeePerBlobGas: 1n,
      blobVersionedHashes: ['0x01' + '11'.repeat(31)],
    });
    const highS = withHighS(good);
    const zeroR = withZeroR(good);

    const batch = [good, truncated, goodLegacy, wrongChain, good, blob, oversize, '0x', preEip155, highS, zeroR, goodLegacy];
    const results = decodeTransactions(batch.map(bytes), CHAIN_ID, 1024);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual([
      'ok',
      'MalformedRlp',
      'ok',
      'WrongChainId',
      'ok',
      'UnsupportedType',
      'Oversize',
      'Empty',
      'UnprotectedLegacy',
      'BadSignature',
      'BadSignature',
      'ok',
    ]);
    for (const i of [0, 2, 4, 11]) expectSameAsEthers(accepted(results[i]!), batch[i]!);
    expect(rejected(results[3]!).message).toBe(`wrong chain id: expected ${CHAIN_ID}, got ${CHAIN_ID + 1}`);
    expect(rejected(results[5]!).message).toBe('unsupported transaction type 0x03');
    expect(rejected(results[6]!).message).toBe(`transaction is ${getBytes(oversize).length} bytes, more than the 1024-byte limit`);
  });

  it('rejects an EIP-7702 transaction without authorizations, and unknown types as UnsupportedType', async () => {
    const setCode = await sign({ ...dynamicFee, type: 4, authorizationList: [] });
    const unknown = '0x05' + (await sign(dynamicFee)).slice(4);
    const results = decode([setCode, unknown]);
    expect(results.map((r) => rejected(r).code)).toEqual(['EmptyAuthorizationList', 'UnsupportedType']);
    expect(rejected(results[1]!).message).toBe('unsupported transaction type 0x05');
  });

  it('decodes an ethers-signed EIP-7702 transaction and names its authorities, refusing other chains and long lists', async () => {
    const authority = new Wallet('0x' + '43'.repeat(32));
    const auth = (chainId: number, nonce = 0) => authority.authorize({ address: recipient, nonce, chainId });
    const setCode = (authorizationList: Awaited<ReturnType<typeof auth>>[]) => sign({ ...dynamicFee, type: 4, gasLimit: 100_000n, authorizationList });
    const [ours, anyChain, otherChain] = await Promise.all([auth(CHAIN_ID), auth(0, 1), auth(CHAIN_ID + 1)]);
    const many = Array.from({ length: 65 }, () => ours);
    const results = decode([await setCode([ours, anyChain]), await setCode([otherChain]), await setCode(many)]);
    const decoded = accepted(results[0]!);
    expect(decoded.type).toBe(4);
    expect(decoded.from).toBe(wallet.address);
    expect(decoded.authorizationCount).toBe(2);
    expect(decoded.authorities).toEqual([authority.address, authority.address]);
    expect(results.slice(1).map((r) => rejected(r).code)).toEqual(['AuthorizationWrongChain', 'TooManyAuthorizations']);
  });

  it('rejects trailing bytes and an RLP string as MalformedRlp', async () => {
    const good = await sign(legacy);
    expect(decode([good + '00', '0x83010203']).map((r) => rejected(r).code)).toEqual(['MalformedRlp', 'MalformedRlp']);
  });

  it('never recovers the original sender from a flipped signature byte', async () => {
    const raw = getBytes(await sign(dynamicFee));
    const variants = Array.from({ length: 24 }, (_, k) => {
      const copy = Buffer.from(raw);
      copy[copy.length - 2 - k]! ^= 0x10; // bytes inside s and r (the last 64 bytes hold r and s)
      return copy;
    });
    for (const result of decodeTransactions(variants, CHAIN_ID, MAX_SIZE)) {
      if (result.ok) expect(result.from).not.toBe(wallet.address);
      else expect(result.code).toBe('BadSignature');
    }
  });

  it('answers random garbage with a code per entry and never throws', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed & 0xff;
    };
    const garbage = Array.from({ length: 500 }, (_, i) => Buffer.from(Array.from({ length: i % 200 }, next)));
    const results = decodeTransactions(garbage, CHAIN_ID, MAX_SIZE);
    expect(results).toHaveLength(500);
    for (const r of results) expect(r.ok).toBe(false);
  });

  it('throws InvalidArg for a chain id that is not a positive safe integer', () => {
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      expect(() => decodeTransactions([], bad, MAX_SIZE)).toThrow(/chainId must be a positive safe integer/);
    }
  });
});

// s' = n - s with the parity flipped recovers the same key: EIP-2 forbids it, so it must be BadSignature.
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function withHighS(raw: string): string {
  const sig = Transaction.from(raw).signature!;
  return withSignature(raw, sig.yParity === 0 ? 1n : 0n, BigInt(sig.r), SECP256K1_N - BigInt(sig.s));
}

function withZeroR(raw: string): string {
  return withSignature(raw, 0n, 0n, 1n);
}

/** A typed envelope with its (yParity, r, s) replaced: ethers will not sign such signatures itself. */
function withSignature(raw: string, yParity: bigint, r: bigint, s: bigint): string {
  const type = raw.slice(0, 4);
  const fields = decodeRlp('0x' + raw.slice(4)) as string[];
  const int = (n: bigint) => hexlify(toBeArray(n));
  return type + encodeRlp([...fields.slice(0, -3), int(yParity), int(r), int(s)]).slice(2);
}
