import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, Wallet, type BaseWallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { openNativeEngine, type NativeEngine } from '../../../../node/host/engine/native-engine.ts';
import { PENDING_MAX_AGE_MS, PendingBlocks } from '../../../../node/host/producer/pending.ts';
import { Mempool } from '../../../../node/host/txpool/pool.ts';
import type { PoolTx } from '../../../../node/host/txpool/pool-tx.ts';
import { devWallet, L2_CHAIN_ID, testGenesis } from '../harness.ts';

// The pending-block cache on the real native engine and the real pool: one native build per (head, pool version),
// shared by concurrent readers, bounded like the producer's block.
let dir: string;
let engine: NativeEngine;
const pool = new Mempool();
let clock = 1_000_000;
const config = { beneficiary: '0x00000000000000000000000000000000000000cb' as Hex, gasLimit: 0n, maxBlockTxs: 4, maxBlockBytes: 4 * 1024 * 1024 };
let pending: PendingBlocks;
const nonces = new Map<string, number>();

async function pooled(from: BaseWallet, to: string, value: bigint): Promise<PoolTx> {
  return add(await signed(from, to, value));
}

async function signed(from: BaseWallet, to: string, value: bigint): Promise<PoolTx> {
  const nonce = nonces.get(from.address) ?? 0;
  nonces.set(from.address, nonce + 1);
  const tx = Transaction.from(await from.signTransaction({ to, value, nonce, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n, chainId: L2_CHAIN_ID, type: 2 }));
  const poolTx: PoolTx = {
    hash: tx.hash as Hex,
    sender: from.address.toLowerCase() as Hex,
    nonce,
    maxFeePerGas: tx.maxFeePerGas!,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas!,
    gasLimit: tx.gasLimit,
    value,
    raw: Buffer.from(tx.serialized.slice(2), 'hex'),
    receivedAt: clock,
  };
  return poolTx;
}

function add(poolTx: PoolTx): PoolTx {
  pool.add(poolTx, (sender) => {
    const account = engine.getAccount(sender, engine.latestNumber());
    return { nonce: Number(account.nonce), balance: account.balance };
  });
  return poolTx;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pending-'));
  engine = openNativeEngine(dir, testGenesis());
  pool.baseFee = engine.nextBaseFee();
  pending = new PendingBlocks({ engine, pool, config, now: () => clock });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PendingBlocks (real native engine and pool)', () => {
  const carol = Wallet.createRandom().address.toLowerCase() as Hex;
  const balanceOfCarol = () => pending.read((block) => block.getAccount(carol).balance);

  it('builds once for a burst of readers and again only when the pool or the head changes', async () => {
    await pooled(devWallet(1), carol, 5n);
    const answers = await Promise.all(Array.from({ length: 20 }, balanceOfCarol));
    expect(answers).toEqual(Array(20).fill(5n));
    expect(pending.builds).toBe(1);
    expect(await balanceOfCarol()).toBe(5n);
    expect(pending.builds).toBe(1);

    // A change while a build runs: everyone who asks afterwards shares one follow-up build, started after it.
    const [seven, eleven] = [await signed(devWallet(2), carol, 7n), await signed(devWallet(4), carol, 11n)];
    add(seven);
    const first = balanceOfCarol();
    add(eleven);
    const later = Promise.all(Array.from({ length: 5 }, balanceOfCarol));
    expect(await first).toBe(12n);
    expect(await later).toEqual(Array(5).fill(23n));
    expect(pending.builds).toBe(3);

    // A quiet pool is rebuilt once its timestamp is older than the cap.
    clock += PENDING_MAX_AGE_MS;
    expect(await balanceOfCarol()).toBe(23n);
    expect(pending.builds).toBe(4);
  });

  it('takes only what one block would (maxBlockTxs), in the producer\'s order', async () => {
    await pooled(devWallet(3), carol, 100n);
    await pooled(devWallet(3), carol, 1000n);
    const block = await pending.current();
    expect(block.included).toBe(4);
    // Equal tips: earlier arrival first, each sender by nonce; the fifth transaction waits for the next block.
    expect(block.getAccount(carol).balance).toBe(123n);
    expect(pool.pendingSize).toBe(5);
  });

  it('follows the head: a stored block moves the pending block onto it', async () => {
    const txs = pool.selectForBlock({ baseFee: engine.nextBaseFee(), gasLimit: 60_000_000n, maxTxs: 10, maxBytes: 1 << 20 });
    const before = engine.latestNumber();
    await engine.executeBlock({ number: before + 1n, timestamp: BigInt(Math.floor(Date.now() / 1000)), beneficiary: config.beneficiary, gasLimit: 0n }, txs.map((tx) => tx.raw), txs.map((tx) => tx.sender));
    const accounts = new Map(txs.map((tx) => [tx.sender, { nonce: Number(engine.getAccount(tx.sender, before + 1n).nonce), balance: 0n }]));
    pool.applyHead(accounts);
    const block = await pending.current();
    expect(block.parentNumber).toBe(before + 1n);
    expect(block.number).toBe(before + 2n);
    expect(block.included).toBe(0);
    expect(block.getAccount(carol).balance).toBe(1123n);
    expect(block.baseFeePerGas).toBe(engine.nextBaseFee());
  });

  it('its block view lists exactly what it executed, computed once for every reader', async () => {
    const sent = [await pooled(devWallet(5), carol, 1n), await pooled(devWallet(6), carol, 2n)];
    const block = await pending.current();
    const [header, again] = await Promise.all([block.block(), block.block()]);
    expect(again).toBe(header);
    expect(header.transactions).toEqual(sent.map((tx) => tx.hash));
    expect(header.number).toBe(`0x${block.number.toString(16)}`);
    expect(BigInt(header.gasUsed)).toBe(block.gasUsed);
    expect(block.gasUsed).toBe(42_000n);
    expect(block.transactions().map((tx) => [tx.hash, tx.from, tx.blockHash])).toEqual(sent.map((tx) => [tx.hash, tx.sender, null]));
    expect(block.transaction(1)).toEqual(block.transactions()[1]);
    expect(block.transaction(2)).toBeNull();
    const receipts = await block.receipts();
    expect(receipts.map((r) => [r.transactionHash, r.gasUsed, r.cumulativeGasUsed])).toEqual([[sent[0]!.hash, '0x5208', '0x5208'], [sent[1]!.hash, '0x5208', '0xa410']]);
    expect(await block.receipts()).toBe(receipts);
  });
});
