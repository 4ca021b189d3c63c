import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRlp, getBytes, type HDNodeWallet, keccak256, SigningKey, toBeArray, Wallet, type TransactionRequest } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, type Hex } from '../../../../node/encoding/hex.ts';
import { NativeTxDecoder } from '../../../../node/host/engine/native-decoder.ts';
import { RecordLog } from '../../../../node/storage/record-log.ts';
import { Admission } from '../../../../node/host/txpool/admission.ts';
import { Mempool } from '../../../../node/host/txpool/pool.ts';

const CHAIN_ID = 901n;
const GWEI = 10n ** 9n;
const alice = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const bob = new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const to = '0x' + '42'.repeat(20);
const sign = (wallet: Wallet | HDNodeWallet, tx: TransactionRequest) =>
  wallet.signTransaction({ chainId: CHAIN_ID, type: 2, to, gasLimit: 21_000n, maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI, value: 1n, ...tx });

let dir: string;
const balances = new Map<string, bigint>([[alice.address.toLowerCase(), 10n ** 18n], [bob.address.toLowerCase(), 10n ** 18n]]);
async function setup(pool = new Mempool()) {
  const { log, entries } = await RecordLog.open(join(dir, 'journal.log'));
  const admission = new Admission({
    decoder: new NativeTxDecoder(CHAIN_ID, 128 * 1024),
    pool,
    journal: log,
    account: (sender: Hex) => ({ nonce: 0, balance: balances.get(sender) ?? 0n }),
    blockGasLimit: () => 30_000_000n,
    maxTxSize: 128 * 1024,
    assertAccepting: () => undefined,
    now: () => Date.now(),
  });
  return { admission, pool, log, entries };
}
const send = (admission: Admission, raw: string) => admission.submit(fromHex(raw));
const settle = (p: Promise<string>) => p.then((hash) => ({ hash }), (error: Error) => ({ error }));

/** A type-2 transaction with a tip above its fee cap, which ethers and viem refuse to build: RLP by hand. */
function tipAboveCap(key: string): string {
  const q = (n: bigint) => (n === 0n ? new Uint8Array() : toBeArray(n));
  const fields = [q(CHAIN_ID), q(1n), q(3n * GWEI), q(2n * GWEI), q(21_000n), to, q(1n), '0x', []];
  const unsigned = getBytes(encodeRlp(fields));
  const sig = new SigningKey(key).sign(keccak256(new Uint8Array([2, ...unsigned])));
  return '0x02' + encodeRlp([...fields, q(BigInt(sig.yParity)), sig.r, sig.s]).slice(2);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admission-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('admission (native decode, pool checks, journal)', () => {
  it('admits good transactions, refuses each bad one with its wallet-facing error, and journals only the admitted', async () => {
    const { admission, pool, log } = await setup();
    pool.baseFee = GWEI;
    const good = await sign(alice, { nonce: 0 });
    const replacement = await sign(alice, { nonce: 0, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
    const cases: [string, Promise<{ hash: string } | { error: Error }>, RegExp | null][] = ([
      ['good', send(admission, good), null],
      ['bob queued', send(admission, await sign(bob, { nonce: 3 })), null],
      ['garbage', send(admission, '0x02f8'), /invalid transaction/],
      ['empty', send(admission, '0x'), /invalid transaction/],
      ['wrong chain', send(admission, await sign(alice, { nonce: 1, chainId: 1n })), /invalid chain id for signer/],
      ['intrinsic', send(admission, await sign(alice, { nonce: 1, gasLimit: 20_000n })), /intrinsic gas too low/],
      ['intrinsic data', send(admission, await sign(alice, { nonce: 1, gasLimit: 21_100n, data: '0x' + '00'.repeat(100) })), /intrinsic gas too low/],
      ['block gas', send(admission, await sign(alice, { nonce: 1, gasLimit: 30_000_001n })), /exceeds block gas limit/],
      ['fee cap', send(admission, await sign(alice, { nonce: 1, maxFeePerGas: GWEI - 1n, maxPriorityFeePerGas: 1n })), /max fee per gas less than block base fee/],
      ['tip above cap', send(admission, tipAboveCap(alice.privateKey)), /max priority fee per gas higher than max fee per gas/],
      ['funds', send(admission, await sign(alice, { nonce: 1, value: 10n ** 18n })), /insufficient funds for gas \* price \+ value/],
      ['unknown sender', send(admission, await sign(Wallet.createRandom(), { nonce: 0 })), /insufficient funds/],
    ] as [string, Promise<string>, RegExp | null][]).map(([name, p, error]) => [name, settle(p), error]);
    for (const [name, promise, error] of cases) {
      const outcome = await promise;
      if (error) expect('error' in outcome && outcome.error.message, name).toMatch(error);
      else expect('hash' in outcome && outcome.hash, name).toMatch(/^0x[0-9a-f]{64}$/);
    }
    // Duplicates: already known (after the first is pooled), replacement needs a bump.
    await expect(send(admission, good)).rejects.toThrow(/already known/);
    await expect(send(admission, await sign(alice, { nonce: 0, maxFeePerGas: 2n * GWEI + 1n }))).rejects.toThrow(/replacement transaction underpriced/);
    await expect(send(admission, await sign(alice, { nonce: 0 }).then((r) => r))).rejects.toThrow(/already known/);
    expect(await send(admission, replacement)).toMatch(/^0x/);
    expect(pool.size).toBe(2);
    expect(pool.pendingNonce(alice.address.toLowerCase() as Hex)).toBe(1);
    expect(admission.admitted).toBe(3);
    await log.close();
  });

  it('the same bytes twice in one micro-batch are acknowledged once and journaled once', async () => {
    const { admission, log } = await setup();
    const raw = await sign(bob, { nonce: 0 });
    const [a, b] = await Promise.all([send(admission, raw), send(admission, raw)]);
    expect(a).toBe(b);
    await log.close();
  });

  it('a restart replays the journal: every acknowledged transaction is back in the pool', async () => {
    const { entries, log } = await setup();
    await log.close();
    const pool = new Mempool();
    const { admission, log: log2 } = await setup(pool);
    const replay = admission.replay(entries);
    // alice: original then its replacement (the replacement wins); bob: nonce 3 (queued) and nonce 0.
    expect(replay).toEqual({ admitted: 4, skipped: 0 });
    expect(pool.size).toBe(3);
    expect(pool.pendingNonce(bob.address.toLowerCase() as Hex)).toBe(1);
    await log2.close();
  });
});
