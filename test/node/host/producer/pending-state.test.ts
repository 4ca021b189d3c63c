import { type Contract, ContractFactory, Interface, JsonRpcProvider, Transaction, Wallet, getCreateAddress, type BaseWallet, parseEther, solidityPackedKeccak256, type InterfaceAbi } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../../../contracts/artifacts.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import type { PoolTx } from '../../../../node/host/txpool/pool-tx.ts';
import { devWallet, L2_CHAIN_ID, startTestHost, until, type TestHost } from '../harness.ts';

// "pending" on a real host and the real native chain: the pool's next block, executed but never stored. The producer
// is stopped while transactions wait, so "latest" stays put and the pool is exactly what the test sent.
let t: TestHost;
let provider: JsonRpcProvider;
let token: Contract;
let tokenAddress: Hex;
const owner = devWallet(0);
const alice = devWallet(1);
const erc20 = new Interface(loadArtifact('MetisToken').abi as InterfaceAbi);

async function raw(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return await res.json();
}

async function send(wallet: BaseWallet, tx: { to?: string; value?: bigint; data?: string; gasLimit?: bigint }): Promise<Hex> {
  const signed = await wallet.connect(provider).signTransaction(await wallet.connect(provider).populateTransaction({ gasLimit: 200_000n, ...tx }));
  const reply = await raw('eth_sendRawTransaction', [signed]);
  expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
  return reply.result;
}

/** A JSON-RPC quantity (no leading zeros). */
const q = (n: bigint) => `0x${n.toString(16)}`;
const balanceOfCall = (who: string) => ({ to: tokenAddress, data: erc20.encodeFunctionData('balanceOf', [who]) });

beforeAll(async () => {
  t = await startTestHost();
  provider = new JsonRpcProvider(t.host.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const artifact = loadArtifact('MetisToken');
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner.connect(provider));
  token = (await factory.deploy(owner.address)) as Contract;
  await token.waitForDeployment();
  tokenAddress = (await token.getAddress()).toLowerCase() as Hex;
  await t.host.producer.stop();
});

afterAll(async () => {
  provider?.destroy();
  await t?.stop();
});

describe('pending state on a real host', () => {
  it('eth_call and state reads with "pending" see the pool\'s next block; "latest" does not, and nothing is stored', async () => {
    const latest = t.host.heads.latest;
    const carol = Wallet.createRandom().address;
    await send(owner, { to: tokenAddress, data: erc20.encodeFunctionData('mint', [carol, 500n]) });
    await send(alice, { to: carol, value: parseEther('2'), gasLimit: 21_000n });
    // A contract created in the pending block: code there, none at the head.
    const contract = getCreateAddress({ from: alice.address, nonce: await provider.getTransactionCount(alice.address, 'pending') });
    await send(alice, { data: loadArtifact('MetisToken').bytecode + erc20.encodeDeploy([alice.address]).slice(2), gasLimit: 3_000_000n });

    expect(BigInt((await raw('eth_call', [balanceOfCall(carol), 'latest'])).result)).toBe(0n);
    expect(BigInt((await raw('eth_call', [balanceOfCall(carol), 'pending'])).result)).toBe(500n);
    expect(await token.getFunction('balanceOf')(carol, { blockTag: 'pending' })).toBe(500n);
    expect(await provider.getBalance(carol, 'latest')).toBe(0n);
    expect(await provider.getBalance(carol, 'pending')).toBe(parseEther('2'));
    expect(await provider.getCode(contract, 'latest')).toBe('0x');
    expect((await provider.getCode(contract, 'pending')).length).toBeGreaterThan(100);
    // ERC-20 balances live at keccak(holder . slot 0) in OpenZeppelin 5; the mint wrote carol's there.
    const slot = solidityPackedKeccak256(['uint256', 'uint256'], [carol, 0]);
    expect(BigInt((await raw('eth_getStorageAt', [tokenAddress, slot, 'pending'])).result)).toBe(500n);
    expect(BigInt((await raw('eth_getStorageAt', [tokenAddress, slot, 'latest'])).result)).toBe(0n);

    // The pending block's environment: the next number and base fee (NUMBER and BASEFEE returned by init code).
    const number = (await raw('eth_call', [{ data: '0x4360005260206000f3' }, 'pending'])).result;
    expect(BigInt(number)).toBe(latest + 1n);
    expect(BigInt((await raw('eth_call', [{ data: '0x4360005260206000f3' }, 'latest'])).result)).toBe(latest);
    expect(BigInt((await raw('eth_call', [{ data: '0x4860005260206000f3' }, 'pending'])).result)).toBe(t.host.engine.nextBaseFee());

    // Nothing reached the chain.
    expect(t.host.heads.latest).toBe(latest);
    expect(t.host.engine.latestNumber()).toBe(latest);
  });

  it('eth_estimateGas with "pending" succeeds for what only the pending block makes possible; "latest" gives the usual errors', async () => {
    const dave = Wallet.createRandom();
    await send(alice, { to: dave.address, value: parseEther('1'), gasLimit: 21_000n });
    await send(owner, { to: tokenAddress, data: erc20.encodeFunctionData('mint', [dave.address, 70n]) });
    const spend = { from: dave.address, to: alice.address, value: q(parseEther('0.5')) };
    expect((await raw('eth_estimateGas', [spend, 'latest'])).error).toMatchObject({ code: -32000, message: 'insufficient funds for transfer' });
    expect((await raw('eth_estimateGas', [spend])).error).toMatchObject({ code: -32000, message: 'insufficient funds for transfer' });
    expect((await raw('eth_estimateGas', [spend, 'pending'])).result).toBe('0x5208');

    const transfer = { from: dave.address, to: tokenAddress, data: erc20.encodeFunctionData('transfer', [alice.address, 60n]) };
    const latest = (await raw('eth_estimateGas', [transfer, 'latest'])).error;
    expect(latest).toMatchObject({ code: 3, message: 'execution reverted' });
    expect(erc20.parseError(latest.data)?.name).toBe('ERC20InsufficientBalance');
    const pending = BigInt((await raw('eth_estimateGas', [transfer, 'pending'])).result);
    expect(pending).toBeGreaterThan(21_000n);
    expect(pending).toBeLessThan(100_000n);
    // More than the pending block gives still reverts there.
    const tooMuch = { ...transfer, data: erc20.encodeFunctionData('transfer', [alice.address, 71n]) };
    expect((await raw('eth_estimateGas', [tooMuch, 'pending'])).error).toMatchObject({ code: 3 });
  });

  it('skips a pooled transaction that has become invalid, and the call still answers', async () => {
    // The pool last read the sender with more than it now has (as after blocks from another sequencer): execution
    // finds it cannot pay, leaves it out, and the rest of the block stands.
    const erin = Wallet.createRandom();
    const frank = Wallet.createRandom().address;
    await send(alice, { to: erin.address, value: parseEther('1'), gasLimit: 21_000n });
    const broke = Transaction.from(await erin.signTransaction({ to: frank, value: parseEther('5'), nonce: 0, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 10n, chainId: L2_CHAIN_ID, type: 2 }));
    const staleView = { nonce: 0, balance: parseEther('10') };
    t.host.pool.add(poolTx(broke), () => staleView);
    const george = Wallet.createRandom().address;
    await send(alice, { to: george, value: 7n, gasLimit: 21_000n });

    expect(await provider.getBalance(frank, 'pending')).toBe(0n);
    expect(await provider.getBalance(george, 'pending')).toBe(7n);
    expect(await provider.getBalance(erin.address, 'pending')).toBe(parseEther('1'));
    expect((await raw('eth_call', [{ from: erin.address, to: frank, value: q(parseEther('0.9')) }, 'pending'])).result).toBe('0x');
  });

  it('bad calls on the pending block get the same errors as on the head', async () => {
    const nobody = Wallet.createRandom().address;
    const pays = { from: nobody, to: alice.address, value: '0x1', gas: '0x5208', maxFeePerGas: q(10n ** 10n), maxPriorityFeePerGas: '0x1' };
    for (const tag of ['latest', 'pending']) {
      expect((await raw('eth_call', [pays, tag])).error).toMatchObject({ code: -32000, message: expect.stringMatching(/^insufficient funds for gas \* price \+ value: /) });
      const underpriced = { from: alice.address, to: nobody, maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1' };
      expect((await raw('eth_call', [underpriced, tag])).error).toMatchObject({ code: -32000, message: expect.stringMatching(/^max fee per gas less than block base fee: /) });
      const tipAboveCap = { from: alice.address, to: nobody, maxFeePerGas: q(10n ** 10n), maxPriorityFeePerGas: q(10n ** 11n) };
      expect((await raw('eth_call', [tipAboveCap, tag])).error).toMatchObject({ code: -32000, message: expect.stringMatching(/^max priority fee per gas higher than max fee per gas: /) });
      const transfer = { from: owner.address, to: tokenAddress, data: erc20.encodeFunctionData('mint', [nobody, 1n]) };
      expect((await raw('eth_estimateGas', [{ ...transfer, gas: '0x5300' }, tag])).error).toMatchObject({ code: -32000, message: expect.stringMatching(/^intrinsic gas too low: /) });
      expect((await raw('eth_estimateGas', [{ ...transfer, gas: '0x6000' }, tag])).error).toMatchObject({ code: -32000, message: 'gas required exceeds allowance (24576)' });
      expect((await raw('eth_call', [{ to: '0x12' }, tag])).error.code).toBe(-32602);
    }
  });

  it('the block the producer then cuts is the one "pending" showed', async () => {
    const hank = Wallet.createRandom().address;
    await send(alice, { to: hank, value: 11n, gasLimit: 21_000n });
    const pendingBalance = await provider.getBalance(hank, 'pending');
    const before = t.host.heads.latest;
    t.host.producer.start();
    await until(() => t.host.pool.pendingSize === 0 && t.host.heads.latest > before, 'the pool to be included');
    expect(await provider.getBalance(hank, 'latest')).toBe(pendingBalance);
    await t.host.producer.stop();
  });
});

function poolTx(tx: Transaction): PoolTx {
  return {
    hash: tx.hash as Hex,
    sender: tx.from!.toLowerCase() as Hex,
    nonce: tx.nonce,
    maxFeePerGas: tx.maxFeePerGas!,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas!,
    gasLimit: tx.gasLimit,
    value: tx.value,
    raw: Buffer.from(tx.serialized.slice(2), 'hex'),
    receivedAt: Date.now(),
  };
}
