import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interface, Transaction, Wallet, getCreateAddress, parseEther, toBeHex, type TransactionRequest } from 'ethers';
import { Chain, decodeTransactions, type BlockEnvInput, type ExecutedBlock, type RpcReceiptView } from '../../native/index.js';
import { loadArtifact } from '../../contracts/artifacts.ts';

// The native chain through its napi API: building with rejections, follower verification, reads at recent
// blocks, calls and estimates, and surviving a SIGKILL mid-stream.
const CHAIN_ID = 59_902n;
const GWEI = 10n ** 9n;
const alice = new Wallet('0x' + '11'.repeat(32));
const bob = new Wallet('0x' + '22'.repeat(32));
const carol = new Wallet('0x' + '33'.repeat(32));
const token = loadArtifact('MetisToken');
const erc20 = new Interface(token.abi as never);
const dirs: string[] = [];

const genesisJson = JSON.stringify({
  chainId: Number(CHAIN_ID),
  timestamp: '0x100',
  gasLimit: '30000000',
  baseFeePerGas: toBeHex(GWEI),
  alloc: {
    [alice.address]: { balance: toBeHex(parseEther('100')) },
    [bob.address]: { balance: toBeHex(parseEther('100')) },
  },
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chain-'));
  dirs.push(dir);
  return dir;
}

const env = (timestamp: bigint): BlockEnvInput => ({ timestamp, beneficiary: '0x000000000000000000000000000000000000fee5', gasLimit: 30_000_000n });

function signer(wallet: Wallet) {
  let nonce = 0;
  return (tx: TransactionRequest, explicitNonce?: number) =>
    wallet.signTransaction({
      chainId: CHAIN_ID,
      type: 2,
      maxFeePerGas: 50n * GWEI,
      maxPriorityFeePerGas: GWEI,
      gasLimit: 21_000,
      ...tx,
      nonce: explicitNonce ?? nonce++,
    });
}

const hex = (raw: string) => Buffer.from(raw.slice(2), 'hex');

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('native chain (napi)', () => {
  it('builds a block, leaves invalid transactions out with a code, and serves it back as JSON-RPC does', async () => {
    const chain = Chain.open(freshDir(), genesisJson);
    expect(chain.chainId).toBe(CHAIN_ID);
    expect(chain.latestNumber()).toBe(0n);
    const a = signer(alice);
    const tokenAddress = getCreateAddress({ from: alice.address, nonce: 0 });
    const deploy = await a({ gasLimit: 2_000_000, data: token.bytecode + alice.address.slice(2).toLowerCase().padStart(64, '0') });
    const mint = await a({ gasLimit: 200_000, to: tokenAddress, data: erc20.encodeFunctionData('mint', [alice.address, 1000n]) });
    const transfer = await a({ gasLimit: 100_000, to: tokenAddress, data: erc20.encodeFunctionData('transfer', [carol.address, 40n]) });
    const replayed = await signer(alice)({ to: bob.address, value: 1n }, 0);
    const tooEarly = await signer(bob)({ to: carol.address, value: 1n }, 7);
    const broke = await signer(carol)({ to: bob.address, value: 1n });
    const cheap = await signer(bob)({ to: carol.address, value: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, 0);
    const pay = await signer(bob)({ to: carol.address, value: 5n }, 0);
    const block = await chain.executeBlock(env(300n), [deploy, mint, 'zz', transfer, replayed, tooEarly, broke, cheap, pay].map((r) => (r === 'zz' ? Buffer.from([0x02, 0xc1]) : hex(r))));

    expect(block.rejected.map((r) => [r.index, r.code])).toEqual([
      [2, 'MalformedRlp'],
      [4, 'NonceTooLow'],
      [5, 'NonceTooHigh'],
      [6, 'InsufficientFunds'],
      [7, 'FeeCapBelowBaseFee'],
    ]);
    expect(block.rejected[1]?.hash).toBe(Transaction.from(replayed).hash);
    expect(block.receipts.map((r) => r.status)).toEqual(['0x1', '0x1', '0x1', '0x1']);
    expect(block.transactions).toEqual([deploy, mint, transfer, pay]);
    expect(chain.latestNumber()).toBe(1n);
    expect(block.receipts[0]?.contractAddress).toBe(tokenAddress.toLowerCase());
    const transferReceipt = chain.getReceipt(Transaction.from(transfer).hash!)!;
    expect(transferReceipt).toEqual(block.receipts[2]);
    const [deployReceipt, mintReceipt] = block.receipts as [RpcReceiptView, RpcReceiptView];
    expect(transferReceipt.logs[0]?.topics[0]).toBe(erc20.getEvent('Transfer')!.topicHash);
    expect(transferReceipt.logs[0]?.logIndex).toBe('0x' + (deployReceipt.logs.length + mintReceipt.logs.length).toString(16));

    const byNumber = chain.getBlockByNumber(1n)!;
    expect(chain.getBlockByHash(block.hash)).toEqual(byNumber);
    expect(byNumber.hash).toBe(block.hash);
    expect(byNumber.stateRoot).toBe(block.stateRoot);
    expect(byNumber.transactions).toEqual(block.receipts.map((r) => r.transactionHash));
    expect(chain.getBlockByNumber(2n)).toBeNull();
    const tx = chain.getTransaction(Transaction.from(pay).hash!)!;
    expect(tx.from).toBe(bob.address.toLowerCase());
    expect(tx.blockNumber).toBe('0x1');
    expect(tx.transactionIndex).toBe('0x3');
    expect(Transaction.from(pay).signature!.r).toBe(toBeHex(BigInt(tx.r), 32));
    expect(chain.getTransaction('0x' + '00'.repeat(32))).toBeNull();

    // Token balance through eth_call, the transfer's gas through estimateGas.
    const balanceOf = await chain.call({ to: tokenAddress, data: erc20.encodeFunctionData('balanceOf', [carol.address]) }, null);
    expect(balanceOf.status).toBe('success');
    expect(BigInt(balanceOf.output)).toBe(40n);
    const warmed = await chain.call({ to: tokenAddress, data: erc20.encodeFunctionData('balanceOf', [carol.address]), accessList: [{ address: tokenAddress, storageKeys: [toBeHex(0, 32)] }] }, null);
    expect(warmed.output).toBe(balanceOf.output);
    const estimate = await chain.estimateGas({ from: alice.address, to: tokenAddress, data: erc20.encodeFunctionData('transfer', [bob.address, 1n]) }, null);
    expect(estimate.status).toBe('success');
    expect(estimate.gasUsed).toBeGreaterThan(21_000n);
    const reverting = await chain.call({ from: bob.address, to: tokenAddress, data: erc20.encodeFunctionData('transfer', [alice.address, 1n]) }, null);
    expect(reverting.status).toBe('revert');
    expect(erc20.parseError(reverting.output)?.name).toBe('ERC20InsufficientBalance');
    await expect(chain.call({ from: carol.address, to: bob.address, value: parseEther('1') }, null)).rejects.toThrow(/^InsufficientFunds: /);
    expect(() => chain.getBalance('0x1234', null)).toThrow(/^InvalidInput: /);
    await expect(chain.executeBlock({ ...env(301n), number: 5n }, [])).rejects.toThrow(/^InvalidInput: block number 5 is not the next block 2/);
    await expect(chain.executeBlock(env(299n), [])).rejects.toThrow(/^InvalidHeader: header rule timestamp-before-parent: timestamp 299 is before/);
    expect(chain.latestNumber()).toBe(1n);
  });

  it('builds the same block from admission senders as by recovering, and refuses a senders list of the wrong length', async () => {
    const a = signer(alice);
    const b = signer(bob);
    const raws = [await a({ to: bob.address, value: 3n }), '0x02c1', await b({ to: carol.address, value: 4n }), await a({ to: carol.address, value: 5n }, 0)].map(hex);
    // As the host does at admission: one recovery per transaction; bytes that do not decode get any address.
    const senders = decodeTransactions(raws, Number(CHAIN_ID), 131_072).map((r) => (r.ok ? r.from : carol.address));
    const shape = (block: ExecutedBlock) => ({ hash: block.hash, stateRoot: block.stateRoot, receiptsRoot: block.receiptsRoot, header: block.header, receipts: block.receipts, rejected: block.rejected.map((r) => [r.index, r.code]) });

    const recovering = Chain.open(freshDir(), genesisJson);
    const given = Chain.open(freshDir(), genesisJson);
    const expected = await recovering.executeBlock(env(300n), raws);
    const built = await given.executeBlock(env(300n), raws, senders);
    expect(shape(built)).toEqual(shape(expected));
    expect(built.rejected.map((r) => [r.index, r.code])).toEqual([[1, 'MalformedRlp'], [3, 'NonceTooLow']]);
    expect(built.receipts.map((r) => r.from.toLowerCase())).toEqual([alice.address.toLowerCase(), bob.address.toLowerCase()]);
    given.executeBlockSync(env(301n), [], null);
    expect(given.latestNumber()).toBe(2n);

    await expect(given.executeBlock(env(302n), raws, senders.slice(1))).rejects.toThrow(/^InvalidInput: 3 senders for 4 transactions/);
    expect(() => given.executeBlockSync(env(302n), raws.slice(0, 1), ['0x1234'])).toThrow(/^InvalidInput: not an address/);
    expect(given.latestNumber()).toBe(2n);
    recovering.close();
    given.close();
  });

  it('reads state at recent blocks and refuses blocks it does not have', async () => {
    const chain = Chain.open(freshDir(), genesisJson, { history: 4 });
    const b = signer(bob);
    for (let i = 1n; i <= 6n; i++) await chain.executeBlock(env(300n + i), [hex(await b({ to: carol.address, value: 1000n * i }))]);
    expect(chain.getBalance(carol.address, null)).toBe(toBeHex(21_000n));
    expect(chain.getBalance(carol.address, 6n)).toBe(toBeHex(21_000n));
    expect(chain.getBalance(carol.address, 3n)).toBe(toBeHex(6_000n));
    expect(chain.getNonce(bob.address, 2n)).toBe('0x2');
    expect(() => chain.getBalance(carol.address, 1n)).toThrow(/^StateUnavailable: /);
    expect(() => chain.getBalance(carol.address, 9n)).toThrow(/^StateUnavailable: /);
    expect(chain.getStorage(carol.address, '0x0', null)).toBe('0x' + '00'.repeat(32));
  });

  it('executes off the event loop: reads answer from the last block while the next one is in flight', async () => {
    const chain = Chain.open(freshDir(), genesisJson);
    const pay = await signer(alice)({ to: carol.address, value: 9n });
    // One valid transfer and 4,000 replays of it: every copy is decoded and its sender recovered before the
    // executor refuses it, which keeps the block busy for a while on the libuv pool.
    const raws = Array.from({ length: 4_000 }, () => hex(pay));
    const pending = chain.executeBlock(env(300n), raws);
    await new Promise((r) => setImmediate(r));
    expect(chain.latestNumber()).toBe(0n);
    expect(chain.getBalance(carol.address, null)).toBe('0x0');
    const block = await pending;
    expect(block.receipts).toHaveLength(1);
    expect(block.rejected).toHaveLength(3_999);
    expect(new Set(block.rejected.map((r) => r.code))).toEqual(new Set(['NonceTooLow']));
    expect(chain.getBalance(carol.address, null)).toBe('0x9');
  });

  it('builds a pending block that reads and calls on the next block without storing it', async () => {
    const chain = Chain.open(freshDir(), genesisJson);
    const a = signer(alice);
    const dave = Wallet.createRandom().address;
    const raws = [await a({ to: dave, value: parseEther('3') }), '0x02c1', await a({ to: dave, value: parseEther('1000') })].map(hex);
    const pending = await chain.pendingBlock({ ...env(1n), number: 77n }, raws);
    expect([pending.number, pending.parentNumber, pending.included, pending.gasUsed]).toEqual([1n, 0n, 1, 21_000n]);
    expect(pending.timestamp).toBe(0x100n);
    expect(pending.baseFeePerGas).toBe(chain.nextBaseFee());
    expect(pending.rejected.map((r) => [r.index, r.code])).toEqual([[1, 'MalformedRlp'], [2, 'InsufficientFunds']]);
    expect(BigInt(pending.getBalance(dave))).toBe(parseEther('3'));
    expect(pending.getNonce(alice.address)).toBe('0x1');
    expect(chain.getBalance(dave, null)).toBe('0x0');
    expect(chain.latestNumber()).toBe(0n);
    const spend = { from: dave, to: bob.address, value: parseEther('2') };
    await expect(chain.call(spend, null)).rejects.toThrow(/^InsufficientFunds: /);
    expect((await pending.call(spend)).status).toBe('success');
    expect((await pending.estimateGas(spend)).gasUsed).toBe(21_000n);
    expect(() => pending.getBalance('0x1234')).toThrow(/^InvalidInput: /);
    await expect(chain.pendingBlock(env(1n), raws, [alice.address])).rejects.toThrow(/^InvalidInput: 1 senders for 3 transactions/);
    // It does not hold the chain open.
    chain.close();
    expect(() => pending.getBalance(dave)).toThrow(/^Closed: /);
  });

  it('rewinds orphaned blocks atomically, within the history window only', async () => {
    const chain = Chain.open(freshDir(), genesisJson, { history: 3 });
    const b = signer(bob);
    const kept = await chain.executeBlock(env(301n), [hex(await b({ to: carol.address, value: 1n }))]);
    const orphan = await b({ to: carol.address, value: 2n });
    await chain.executeBlock(env(302n), [hex(orphan)]);
    await chain.executeBlock(env(303n), [hex(await b({ to: carol.address, value: 4n }))]);
    expect(() => chain.rewindTo(7n)).toThrow(/^InvalidInput: /);
    chain.rewindTo(1n);
    expect(chain.latestNumber()).toBe(1n);
    expect(chain.getBlockByNumber(1n)?.hash).toBe(kept.hash);
    expect(chain.getBlockByNumber(2n)).toBeNull();
    expect(chain.getTransaction(Transaction.from(orphan).hash!)).toBeNull();
    expect(chain.getBalance(carol.address, null)).toBe('0x1');
    expect(chain.getNonce(bob.address, null)).toBe('0x1');
    // The orphaned transaction can be included again on the new branch.
    const again = await chain.executeBlock(env(310n), [hex(orphan)]);
    expect(again.rejected).toEqual([]);
    for (let i = 0n; i < 4n; i++) await chain.executeBlock(env(311n + i), []);
    expect(() => chain.rewindTo(1n)).toThrow(/^StateUnavailable: /);
    expect(chain.latestNumber()).toBe(6n);
  });

  it('lets a follower verify blocks, and refuses a tampered block without changing anything', async () => {
    const leader = Chain.open(freshDir(), genesisJson);
    const follower = Chain.open(freshDir(), genesisJson);
    const a = signer(alice);
    const built = leader.executeBlockSync(env(400n), [hex(await a({ to: carol.address, value: 7n })), hex(await a({ to: bob.address, value: 8n }))]);
    const sealed = leader.sealedBlock(1n)!;
    expect(sealed.hash).toBe(built.hash);

    const tampered = { ...sealed, stateRoot: '0x' + '12'.repeat(32) };
    await expect(follower.verifyAndApply(tampered)).rejects.toThrow(/^RootMismatch: stateRoot/);
    const reordered = { ...sealed, transactions: [...sealed.transactions].reverse() };
    await expect(follower.verifyAndApply(reordered)).rejects.toThrow(/^RootMismatch: transactionsRoot/);
    const forged = { ...sealed, env: { ...sealed.env, beneficiary: carol.address } };
    await expect(follower.verifyAndApply(forged)).rejects.toThrow(/^RootMismatch: /);
    expect(follower.latestNumber()).toBe(0n);
    expect(follower.getBalance(carol.address, null)).toBe('0x0');

    const applied = await follower.verifyAndApply(sealed);
    expect(applied.hash).toBe(built.hash);
    expect(follower.getBlockByNumber(1n)).toEqual(leader.getBlockByNumber(1n));
    expect(follower.getBalance(carol.address, null)).toBe('0x7');
  });

  it('reopens at the last whole block after the process is killed mid-stream', async () => {
    const dir = freshDir();
    Chain.open(dir, genesisJson).close();
    // A child keeps building blocks until it is SIGKILLed; whatever it was doing, the store reopens whole.
    const script = `
      import { Chain } from ${JSON.stringify(resolve('native/index.js'))};
      const chain = Chain.open(${JSON.stringify(dir)}, null);
      for (let i = 1n; ; i++) {
        chain.executeBlockSync({ timestamp: 1000n + i, beneficiary: '0x000000000000000000000000000000000000fee5' }, []);
        if (i === 3n) process.stdout.write('ready\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && done());
      child.once('exit', (code) => fail(new Error(`child exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // Opening re-hashes the whole state and checks it against the head's state root.
    const chain = Chain.open(dir, genesisJson);
    const head = chain.latestNumber();
    expect(head).toBeGreaterThanOrEqual(3n);
    expect(chain.getBlockByNumber(head + 1n)).toBeNull();
    const next = await chain.executeBlock(env(5_000_000n), [hex(await signer(alice)({ to: carol.address, value: 1n }))]);
    expect(next.header.parentHash).toBe(chain.getBlockByNumber(head)!.hash);
  });
});
