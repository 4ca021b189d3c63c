import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, HDNodeWallet, JsonRpcProvider, Mnemonic, Transaction, getCreateAddress, keccak256, parseEther, toBeHex, type TransactionRequest } from 'ethers';
import { Chain } from '../../native/index.js';
import { loadArtifact } from '../../contracts/artifacts.ts';
import type { L1Node } from '../../node/tools/devnet/edr-node.ts';
import { DEV_MNEMONIC, startTestL1 } from '../support/l1.ts';

// Our chain and Hardhat's EDR (revm inside, hardfork cancun) must agree on every root for the same
// allocation and the same transactions: the genesis state, and a block of mixed transactions.
const CHAIN_ID = 31337n;
const BEACON_ROOTS = '0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02';
/** EDR runs Cancun (hardhat.config.cjs), so our chain does too (without a schedule it would run the newest fork). */
const FORKS = [{ fork: 'cancun', activation: 0 }];
/** Runtime: reverts on value; else sstore(calldata[32:64], calldata[0:32]) and LOG1(slot). */
const STORE_RUNTIME = '0x346014576000356020355560203560006000a1005b60006000fd';
const STORE_AT = '0x000000000000000000000000000000000000c0DE';
const BENEFICIARY = '0x00000000000000000000000000000000000c0b0e';
// The header rules fix block 1's base fee to the EIP-1559 successor of genesis (empty): 1 gwei -> 0.875 gwei.
const GENESIS_BASE_FEE = 1_000_000_000n;
const BASE_FEE = 875_000_000n;

interface RpcBlock {
  number: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  gasUsed: string;
  timestamp: string;
  gasLimit: string;
  transactions: string[];
}

describe('state, transactions and receipts roots match Hardhat EDR', () => {
  let l1: L1Node;
  let edr: JsonRpcProvider;
  let dir: string;
  const wallets = Array.from({ length: 20 }, (_, i) =>
    HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`),
  );
  const rpc = <T>(method: string, params: unknown[] = []) => edr.send(method, params) as Promise<T>;

  /** EDR's dev accounts and its pre-deployed EIP-4788 contract, read back from EDR itself. */
  async function edrAllocation(): Promise<Record<string, unknown>> {
    const alloc: Record<string, unknown> = {};
    for (const w of wallets) {
      alloc[w.address] = { balance: toBeHex(await edr.getBalance(w.address, 0)), nonce: '0x0' };
    }
    alloc[BEACON_ROOTS] = {
      balance: toBeHex(await edr.getBalance(BEACON_ROOTS, 0)),
      nonce: toBeHex(await edr.getTransactionCount(BEACON_ROOTS, 0)),
      code: await edr.getCode(BEACON_ROOTS, 0),
    };
    return alloc;
  }

  beforeAll(async () => {
    l1 = await startTestL1();
    edr = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    dir = mkdtempSync(join(tmpdir(), 'edr-roots-'));
  });
  afterAll(async () => {
    edr?.destroy();
    await l1?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees on genesis, on an allocation with code and storage, and on a block of mixed transactions', async () => {
    const edrGenesis = await rpc<RpcBlock>('eth_getBlockByNumber', ['0x0', false]);
    const alloc = await edrAllocation();
    const plain = Chain.open(join(dir, 'plain'), JSON.stringify({ chainId: 31337, alloc, forks: FORKS }));
    expect(plain.getBlockByNumber(0n)?.stateRoot).toBe(edrGenesis.stateRoot);

    // An allocation with code, storage, nonce and balance: set on EDR, then an empty block commits it.
    await rpc('hardhat_setCode', [STORE_AT, STORE_RUNTIME]);
    await rpc('hardhat_setStorageAt', [STORE_AT, toBeHex(1, 32), toBeHex(7, 32)]);
    await rpc('hardhat_setStorageAt', [STORE_AT, toBeHex(2, 32), toBeHex(0xbeef, 32)]);
    await rpc('hardhat_setBalance', [STORE_AT, '0x5']);
    await rpc('hardhat_setNonce', [STORE_AT, '0x1']);
    await rpc('evm_mine');
    const edrAllocated = await rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false]);
    alloc[STORE_AT] = { balance: '0x5', nonce: '0x1', code: STORE_RUNTIME, storage: { '0x1': '0x7', '0x2': '0xbeef' } };
    const genesis = {
      chainId: 31337,
      alloc,
      timestamp: edrAllocated.timestamp,
      gasLimit: edrAllocated.gasLimit,
      baseFeePerGas: toBeHex(GENESIS_BASE_FEE),
      forks: FORKS,
    };
    const chain = Chain.open(join(dir, 'chain'), JSON.stringify(genesis));
    expect(chain.getBlockByNumber(0n)?.stateRoot).toBe(edrAllocated.stateRoot);
    // ... and its prevrandao to keccak256(parent hash).
    const PREVRANDAO = keccak256(chain.getBlockByNumber(0n)!.hash);

    // The mixed block: the same signed transactions on both sides.
    const wallet = (i: number): HDNodeWallet => wallets[i]!;
    const [deployer, holder, ethA, ethB, ethC, reverter] = [0, 2, 3, 4, 5, 6].map(wallet) as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet];
    const token = loadArtifact('MetisToken');
    const tokenAddress = getCreateAddress({ from: deployer.address, nonce: 0 });
    const erc20 = new Contract(tokenAddress, token.abi as never);
    const fees = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 2n * 10n ** 9n };
    const sign = (w: HDNodeWallet, tx: TransactionRequest) => w.signTransaction({ chainId: CHAIN_ID, ...tx });
    const call = (fn: string, args: unknown[]) => erc20.interface.encodeFunctionData(fn, args);
    const deployData = token.bytecode + deployer.address.slice(2).toLowerCase().padStart(64, '0');
    const raws = [
      await sign(deployer, { type: 2, nonce: 0, gasLimit: 2_000_000, data: deployData, ...fees }),
      await sign(deployer, { type: 2, nonce: 1, gasLimit: 200_000, to: tokenAddress, data: call('mint', [deployer.address, parseEther('1000')]), ...fees }),
      await sign(deployer, { type: 2, nonce: 2, gasLimit: 100_000, to: tokenAddress, data: call('transfer', [holder.address, parseEther('12.5')]), ...fees }),
      await sign(deployer, { type: 1, nonce: 3, gasLimit: 100_000, gasPrice: 3n * 10n ** 9n, to: tokenAddress, data: call('transfer', [ethA.address, 1n]), accessList: [{ address: tokenAddress, storageKeys: [toBeHex(0, 32)] }] }),
      await sign(ethA, { type: 0, nonce: 0, gasLimit: 21_000, gasPrice: 4n * 10n ** 9n, to: '0x00000000000000000000000000000000000000aa', value: 12345n }),
      await sign(ethB, { type: 1, nonce: 0, gasLimit: 30_000, gasPrice: 2n * 10n ** 9n, to: ethC.address, value: parseEther('1'), accessList: [{ address: ethC.address, storageKeys: [] }] }),
      await sign(ethC, { type: 2, nonce: 0, gasLimit: 21_000, to: '0x00000000000000000000000000000000000000bb', value: 1n, ...fees }),
      // Reverts: the holder of nothing transfers tokens. Included with status 0.
      await sign(reverter, { type: 2, nonce: 0, gasLimit: 100_000, to: tokenAddress, data: call('transfer', [ethA.address, 5n]), ...fees }),
      // The tiny contract: a storage write with a log, and a call that reverts on value.
      await sign(ethC, { type: 2, nonce: 1, gasLimit: 100_000, to: STORE_AT, data: toBeHex(42, 32) + toBeHex(9, 32).slice(2), ...fees }),
      await sign(ethB, { type: 2, nonce: 1, gasLimit: 100_000, to: STORE_AT, value: 1n, data: toBeHex(1, 32) + toBeHex(1, 32).slice(2), ...fees }),
    ];

    await rpc('evm_setAutomine', [false]);
    for (const raw of raws) await rpc('eth_sendRawTransaction', [raw]);
    const timestamp = BigInt(edrAllocated.timestamp) + 12n;
    await rpc('hardhat_setNextBlockBaseFeePerGas', [toBeHex(BASE_FEE)]);
    await rpc('hardhat_setCoinbase', [BENEFICIARY]);
    await rpc('evm_setNextBlockTimestamp', [toBeHex(timestamp)]);
    await rpc('hardhat_setPrevRandao', [PREVRANDAO]);
    await rpc('evm_mine');
    await rpc('evm_setAutomine', [true]);
    const edrBlock = await rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false]);
    expect(edrBlock.transactions).toHaveLength(raws.length);

    // EDR orders its mempool by fee; feed ours the transactions in the order EDR mined them.
    const byHash = new Map(raws.map((raw) => [hashOf(raw), raw]));
    const ordered = edrBlock.transactions.map((hash) => byHash.get(hash)!);
    const ours = await chain.executeBlock(
      { timestamp, beneficiary: BENEFICIARY, gasLimit: BigInt(edrBlock.gasLimit), baseFeePerGas: BASE_FEE, prevrandao: PREVRANDAO },
      ordered.map((raw) => Buffer.from(raw.slice(2), 'hex')),
    );
    expect(ours.rejected).toEqual([]);
    expect(ours.transactionsRoot).toBe(edrBlock.transactionsRoot);
    expect(ours.receiptsRoot).toBe(edrBlock.receiptsRoot);
    expect(ours.logsBloom).toBe(edrBlock.logsBloom);
    expect(ours.gasUsed).toBe(edrBlock.gasUsed);
    expect(ours.stateRoot).toBe(edrBlock.stateRoot);

    // Receipts agree field by field where both chains define them.
    for (const receipt of ours.receipts) {
      const theirs = await rpc<Record<string, unknown>>('eth_getTransactionReceipt', [receipt.transactionHash]);
      expect(receipt.status).toBe(theirs.status);
      expect(receipt.gasUsed).toBe(theirs.gasUsed);
      expect(receipt.cumulativeGasUsed).toBe(theirs.cumulativeGasUsed);
      expect(receipt.effectiveGasPrice).toBe(theirs.effectiveGasPrice);
      expect(receipt.contractAddress).toBe((theirs.contractAddress as string | null)?.toLowerCase() ?? null);
      expect(receipt.logs.map((l) => [l.address, l.topics, l.data, l.logIndex])).toEqual(
        (theirs.logs as { address: string; topics: string[]; data: string; logIndex: string }[]).map((l) => [l.address.toLowerCase(), l.topics, l.data, l.logIndex]),
      );
    }
    const statuses = ours.receipts.map((r) => r.status);
    expect(statuses.filter((s) => s === '0x0')).toHaveLength(2);
    expect(ours.receipts.flatMap((r) => r.logs).length).toBeGreaterThanOrEqual(5);
    expect(new Set(ours.receipts.map((r) => r.type))).toEqual(new Set(['0x0', '0x1', '0x2']));
    expect(chain.getBalance(BENEFICIARY, null)).toBe('0x' + (await edr.getBalance(BENEFICIARY)).toString(16));
  });
});

function hashOf(raw: string): string {
  // keccak256 of the raw EIP-2718 bytes is the transaction hash.
  return Transaction.from(raw).hash!;
}
