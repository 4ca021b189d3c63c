import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, Wallet, parseEther, toBeHex } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { Heads } from '../../../node/host/engine/heads.ts';
import type { Hex } from '../../../node/encoding/hex.ts';
import { openNativeEngine, type NativeEngine } from '../../../node/host/engine/native-engine.ts';
import { BlockPruner, parsePruneConfig } from '../../../node/host/pruning.ts';
import type { RpcBackend } from '../../../node/host/rpc/backend.ts';
import type { CallContext } from '../../../node/host/rpc/dispatch.ts';
import { logMethods, PrunedHistoryError } from '../../../node/host/rpc/methods/logs.ts';

const CHAIN_ID = 59_903;
const alice = new Wallet(`0x${'11'.repeat(32)}`);
const genesis = { chainId: CHAIN_ID, timestamp: '0x100', gasLimit: '30000000', baseFeePerGas: toBeHex(10n ** 9n), alloc: { [alice.address]: { balance: toBeHex(parseEther('100')) } } };
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function engine(): NativeEngine {
  const dir = mkdtempSync(join(tmpdir(), 'prune-'));
  dirs.push(dir);
  return openNativeEngine(dir, genesis);
}

let nonce = 0;
/** One block with one transfer on `producer`, verified by `follower`; returns the transaction hash. */
async function block(producer: NativeEngine, follower: NativeEngine): Promise<Hex> {
  const raw = await alice.signTransaction({ chainId: CHAIN_ID, type: 2, to: `0x${'22'.repeat(20)}`, value: 1n, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n, gasLimit: 21_000, nonce: nonce++ });
  const number = producer.latestNumber() + 1n;
  const executed = await producer.executeBlock({ number, timestamp: 0x100n + number, beneficiary: `0x${'fe'.repeat(20)}`, gasLimit: 30_000_000n }, [Buffer.from(raw.slice(2), 'hex')]);
  expect(executed.receipts).toHaveLength(1);
  const verified = await follower.verifyAndApply(executed.sealed);
  expect(verified).toMatchObject({ ok: true });
  return Transaction.from(raw).hash as Hex;
}

describe('pruned host on a real native chain', () => {
  it('deletes bodies, receipts and tx lookups below finalized - keepBlocks in bounded steps; RPC answers null / -32000; blocks keep flowing', async () => {
    const producer = engine();
    const follower = engine();
    const txs: Hex[] = [];
    for (let i = 0; i < 40; i++) txs.push(await block(producer, follower));
    const config = parsePruneConfig({ mode: 'pruned', keepBlocks: 10, maxBlocksPerStep: 4 });
    if (config.mode !== 'pruned') throw new Error('parsed as archive');
    const pruners = [producer, follower].map((chain) => {
      const heads = new Heads(chain.latestNumber());
      return { heads, pruner: new BlockPruner(chain, heads, config) };
    });
    for (const { heads, pruner } of pruners) {
      heads.setFinalized(30n);
      await pruner.idle();
    }

    // Block n carries txs[n - 1]: blocks below 20 are gone, 20 and up (the margin and the unfinalized) stay.
    for (const chain of [producer, follower]) {
      expect(chain.oldestKeptBlock()).toBe(20n);
      expect(chain.getBlockByNumber(19n)).toBeNull();
      expect(chain.getTransaction(txs[18] as Hex)).toBeNull();
      expect(chain.getReceipt(txs[18] as Hex)).toBeNull();
      expect(chain.getBlockByNumber(20n)).not.toBeNull();
      expect(chain.getReceipt(txs[19] as Hex)?.blockNumber).toBeDefined();
    }
    const methods = logMethods({ engine: producer, heads: pruners[0]?.heads, limits: { maxLogBlockRange: 1000, maxLogResults: 1000 } } as unknown as RpcBackend);
    const getLogs = (fromBlock: string, toBlock: string) => methods.eth_getLogs?.([{ fromBlock, toBlock }], {} as CallContext);
    expect(() => getLogs('0x13', '0x20')).toThrow(PrunedHistoryError);
    expect(() => getLogs('0x13', '0x20')).toThrow('pruned: block 19 is below the oldest kept block 20');
    expect(getLogs('0x14', '0x28')).toEqual([]);

    // The pruned producer keeps producing and the pruned follower keeps verifying; the next advance prunes on.
    for (let i = 0; i < 5; i++) txs.push(await block(producer, follower));
    for (const { heads, pruner } of pruners) {
      heads.setLatest(45n);
      heads.setFinalized(40n);
      await pruner.idle();
      await pruner.stop();
    }
    expect(producer.oldestKeptBlock()).toBe(30n);
    expect(follower.oldestKeptBlock()).toBe(30n);
    expect(follower.getBlockByNumber(45n)).not.toBeNull();
  });

  it('archive is the default and a malformed prune setting is refused', () => {
    expect(parsePruneConfig(undefined)).toEqual({ mode: 'archive' });
    expect(parsePruneConfig({ mode: 'pruned', keepBlocks: 5 })).toEqual({ mode: 'pruned', keepBlocks: 5, maxBlocksPerStep: 256 });
    expect(() => parsePruneConfig({ mode: 'light' })).toThrow(/mode/);
    expect(() => parsePruneConfig({ mode: 'pruned', keepBlocks: -1 })).toThrow(/keepBlocks/);
    expect(() => parsePruneConfig({ mode: 'pruned', keepBlocks: 5, maxBlocksPerStep: 0 })).toThrow(/maxBlocksPerStep/);
  });
});
