import { type Contract, ContractFactory, JsonRpcProvider, WebSocketProvider, isError, parseEther, type InterfaceAbi } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BaseError,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  NonceTooLowError,
  parseAbi,
  webSocket,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { loadArtifact } from '../../../../contracts/artifacts.ts';
import { devWallet, L2_CHAIN_ID, startTestHost, type TestHost } from '../harness.ts';

const ERC20 = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);

let t: TestHost;
let provider: JsonRpcProvider;
let token: Contract;
let tokenAddress: `0x${string}`;
let viemClient: PublicClient;
let mintBlock: number;
const chain = defineChain({ id: Number(L2_CHAIN_ID), name: 'l2', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['http://127.0.0.1'] } } });
const owner = devWallet(0);
const alice = devWallet(1);
const bob = devWallet(2);

async function raw(method: string, params: unknown[] = []): Promise<any> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return await res.json();
}

beforeAll(async () => {
  t = await startTestHost({ rpc: { port: 0, limits: { maxBatchSize: 100, maxLogBlockRange: 50, maxLogResults: 1000, maxFeeHistoryBlocks: 1024 } } as never });
  // cacheTimeout -1: ethers otherwise reuses an eth_getTransactionCount answer for 250 ms, longer than our 50 ms blocks.
  provider = new JsonRpcProvider(t.host.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  viemClient = createPublicClient({ chain, transport: http(t.host.rpcUrl), pollingInterval: 50 }) as PublicClient;
  const artifact = loadArtifact('MetisToken');
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner.connect(provider));
  token = (await factory.deploy(owner.address)) as Contract;
  await token.waitForDeployment();
  tokenAddress = (await token.getAddress()) as `0x${string}`;
  mintBlock = (await (await token.getFunction('mint')(alice.address, parseEther('1000'))).wait()).blockNumber;
});

afterAll(async () => {
  provider?.destroy();
  await t?.stop();
});

describe('host JSON-RPC with ethers v6 and viem (real native chain)', () => {
  it('identifies the chain and serves blocks by every tag', async () => {
    expect((await provider.getNetwork()).chainId).toBe(L2_CHAIN_ID);
    expect(await viemClient.getChainId()).toBe(Number(L2_CHAIN_ID));
    const latest = await provider.getBlock('latest');
    expect(latest!.number).toBeGreaterThanOrEqual(mintBlock);
    expect((await provider.getBlock('earliest'))!.number).toBe(0);
    expect((await provider.getBlock('pending'))!.number).toBeGreaterThanOrEqual(latest!.number);
    // A single host is the whole set: everything it holds is safe; nothing is final without L1.
    expect((await viemClient.getBlock({ blockTag: 'safe' })).number).toBeGreaterThanOrEqual(BigInt(latest!.number));
    expect((await viemClient.getBlock({ blockTag: 'finalized' })).number).toBe(0n);
    const byHash = await viemClient.getBlock({ blockHash: latest!.hash as `0x${string}`, includeTransactions: true });
    expect(byHash.number).toBe(BigInt(latest!.number));
    expect((await raw('eth_getBlockTransactionCountByNumber', [`0x${mintBlock.toString(16)}`])).result).toBe('0x1');
    expect((await raw('eth_getBlockByNumber', ['0xffffff', false])).result).toBeNull();
    const fees = await provider.getFeeData();
    expect(fees.maxFeePerGas).toBeGreaterThan(0n);
    const history = await viemClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [25, 75] });
    expect(history.baseFeePerGas).toHaveLength(4);
    expect(history.reward).toHaveLength(3);
    expect(await raw('eth_syncing')).toMatchObject({ result: false });
  });

  it('deploys an ERC-20, transfers, reads balances with eth_call and events with eth_getLogs', async () => {
    expect(await provider.getCode(tokenAddress)).toMatch(/^0x6080/);
    const tx = await (token.connect(alice.connect(provider)) as Contract).getFunction('transfer')(bob.address, parseEther('250'));
    const receipt = await tx.wait();
    expect(receipt.status).toBe(1);
    expect(await viemClient.readContract({ address: tokenAddress, abi: ERC20, functionName: 'balanceOf', args: [bob.address as `0x${string}`] })).toBe(parseEther('250'));
    const logs = await viemClient.getLogs({ address: tokenAddress, event: ERC20[2], args: { to: bob.address as `0x${string}` }, fromBlock: 0n });
    expect(logs).toHaveLength(1);
    expect(logs[0]!.args.value).toBe(parseEther('250'));
    expect(logs[0]!.transactionHash).toBe(receipt.hash);
    const fetched = await provider.getTransaction(receipt.hash);
    expect(fetched!.from).toBe(alice.address);
    expect(fetched!.blockNumber).toBe(receipt.blockNumber);
    // Storage: OpenZeppelin ERC20 keeps _totalSupply in slot 2.
    expect(BigInt(await provider.getStorage(tokenAddress, 2))).toBe(parseEther('1000'));
  });

  it('viem wallet client sends a raw transaction and waits for its receipt', async () => {
    const account = privateKeyToAccount(bob.privateKey as `0x${string}`);
    const wallet = createWalletClient({ account, chain, transport: http(t.host.rpcUrl) });
    const hash = await wallet.sendTransaction({ to: alice.address as `0x${string}`, value: 12345n });
    const receipt = await viemClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expect(receipt.status).toBe('success');
    expect(await viemClient.getTransactionCount({ address: account.address })).toBeGreaterThanOrEqual(1);
  });

  it('reverts come back as CALL_EXCEPTION with the revert data; estimateGas works', async () => {
    const poor = token.connect(bob.connect(provider)) as Contract;
    await expect(poor.getFunction('transfer').staticCall(alice.address, parseEther('1000000'))).rejects.toSatisfy((e: unknown) => isError(e, 'CALL_EXCEPTION') && (e.data ?? '').startsWith('0xe450d38c'));
    const gas = await poor.getFunction('transfer').estimateGas(alice.address, 1n);
    expect(gas).toBeGreaterThan(21_000n);
    expect(gas).toBeLessThan(100_000n);
  });

  it('pending nonces include queued pool transactions', async () => {
    const wallet = devWallet(3).connect(provider);
    const start = await provider.getTransactionCount(wallet.address, 'latest');
    // A future nonce waits in the pool and does not move the pending nonce past the gap.
    const far = await wallet.signTransaction({ to: alice.address, value: 1n, nonce: start + 1, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: L2_CHAIN_ID, type: 2 });
    const farHash = (await raw('eth_sendRawTransaction', [far])).result;
    expect(await provider.getTransactionCount(wallet.address, 'pending')).toBe(start);
    const pendingTx = await provider.getTransaction(farHash);
    expect(pendingTx!.blockNumber).toBeNull();
    const near = await wallet.sendTransaction({ to: alice.address, value: 1n, nonce: start });
    await near.wait();
    const farReceipt = await provider.waitForTransaction(farHash, 1, 10_000);
    expect(farReceipt!.status).toBe(1);
    expect(await provider.getTransactionCount(wallet.address, 'pending')).toBe(start + 2);
  });

  it('wallet errors: ethers and viem recognise each one, and nothing changes', async () => {
    const wallet = devWallet(4).connect(provider);
    const nonce = await provider.getTransactionCount(wallet.address);
    await (await wallet.sendTransaction({ to: alice.address, value: 1n })).wait();
    const before = { balance: await provider.getBalance(wallet.address), nonce: await provider.getTransactionCount(wallet.address, 'pending'), pool: t.host.pool.size };
    await expect(wallet.sendTransaction({ to: alice.address, value: 1n, nonce })).rejects.toSatisfy((e: unknown) => isError(e, 'NONCE_EXPIRED'));
    await expect(wallet.sendTransaction({ to: alice.address, value: parseEther('10000000') })).rejects.toSatisfy((e: unknown) => isError(e, 'INSUFFICIENT_FUNDS'));
    // Replacement without the 10% bump on both fee fields.
    const fee = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, gasLimit: 21_000n, chainId: L2_CHAIN_ID, type: 2 } as const;
    const queued = await wallet.signTransaction({ ...fee, to: alice.address, value: 1n, nonce: before.nonce + 5 });
    const queuedHash = (await raw('eth_sendRawTransaction', [queued])).result;
    const cheap = await wallet.signTransaction({ ...fee, to: bob.address, value: 1n, nonce: before.nonce + 5, maxPriorityFeePerGas: 10n ** 9n + 1n });
    await expect(provider.broadcastTransaction(cheap)).rejects.toSatisfy((e: unknown) => isError(e, 'REPLACEMENT_UNDERPRICED'));
    expect((await raw('eth_sendRawTransaction', [queued])).error).toMatchObject({ code: -32000, message: 'already known' });
    const gasless = await wallet.signTransaction({ ...fee, to: alice.address, value: 1n, nonce: before.nonce, gasLimit: 20_000n });
    expect((await raw('eth_sendRawTransaction', [gasless])).error.message).toMatch(/^intrinsic gas too low/);
    const huge = await wallet.signTransaction({ ...fee, to: alice.address, value: 1n, nonce: before.nonce, gasLimit: 60_000_001n });
    expect((await raw('eth_sendRawTransaction', [huge])).error.message).toMatch(/^exceeds block gas limit/);
    const oversized = await wallet.signTransaction({ ...fee, to: alice.address, nonce: before.nonce, gasLimit: 59_000_000n, data: '0x' + '01'.repeat(130 * 1024) });
    expect((await raw('eth_sendRawTransaction', [oversized])).error.message).toMatch(/^oversized data/);

    // viem maps the same messages to its typed errors.
    const account = privateKeyToAccount(wallet.privateKey as `0x${string}`);
    const viemWallet = createWalletClient({ account, chain, transport: http(t.host.rpcUrl) });
    const viemError = async (p: Promise<unknown>) => p.then(() => null, (e: BaseError) => e);
    expect((await viemError(viemWallet.sendTransaction({ to: alice.address as `0x${string}`, value: 1n, nonce })))?.walk((e) => e instanceof NonceTooLowError)).toBeInstanceOf(NonceTooLowError);
    expect((await viemError(viemWallet.sendTransaction({ to: alice.address as `0x${string}`, value: parseEther('10000000') })))?.walk((e) => e instanceof InsufficientFundsError)).toBeInstanceOf(InsufficientFundsError);
    expect((await viemError(viemWallet.sendTransaction({ to: alice.address as `0x${string}`, value: 1n, gas: 20_000n })))?.walk((e) => e instanceof IntrinsicGasTooLowError)).toBeInstanceOf(IntrinsicGasTooLowError);

    const after = { balance: await provider.getBalance(wallet.address), nonce: await provider.getTransactionCount(wallet.address, 'pending'), pool: t.host.pool.size };
    expect(after).toEqual({ ...before, pool: before.pool + 1 });
    expect(t.host.pool.has(queuedHash)).toBe(true);
  });

  it('eth_getLogs enforces its block range limit (-32005) and filters by topic', async () => {
    expect((await raw('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x64' }])).error).toMatchObject({ code: -32005 });
    expect((await raw('eth_getLogs', [{ fromBlock: '0x5', toBlock: '0x4' }])).error.code).toBe(-32602);
    const transferTopic = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
    const all = (await raw('eth_getLogs', [{ fromBlock: '0x0', topics: [transferTopic] }])).result;
    expect(all.length).toBeGreaterThanOrEqual(2);
    const none = (await raw('eth_getLogs', [{ fromBlock: '0x0', topics: [transferTopic, '0x' + '00'.repeat(31) + '99'] }])).result;
    expect(none).toEqual([]);
  });

  it('subscriptions over WebSocket: newHeads (ethers and viem), logs, newPendingTransactions', async () => {
    const ws = new WebSocketProvider(t.host.wsUrl, undefined, { staticNetwork: true });
    const heads: number[] = [];
    await ws.on('block', (n: number) => heads.push(n));
    const viemWs = createPublicClient({ chain, transport: webSocket(t.host.wsUrl) });
    const viemHeads: bigint[] = [];
    const unwatch = viemWs.watchBlockNumber({ onBlockNumber: (n) => viemHeads.push(n), emitOnBegin: false });
    const pending: string[] = [];
    await ws.on('pending', (hash: string) => pending.push(hash));
    const transfers: string[] = [];
    const filter = { address: tokenAddress, topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'] };
    await ws.on(filter, (log: { transactionHash: string }) => transfers.push(log.transactionHash));
    await new Promise((r) => setTimeout(r, 200));
    const tx = await (token.connect(alice.connect(provider)) as Contract).getFunction('transfer')(bob.address, 1n);
    const receipt = await tx.wait();
    const deadline = Date.now() + 5000;
    while ((heads.length === 0 || viemHeads.length === 0 || transfers.length === 0 || pending.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(heads).toContain(receipt.blockNumber);
    expect(viemHeads).toContain(BigInt(receipt.blockNumber));
    expect(transfers).toContain(receipt.hash);
    expect(pending).toContain(receipt.hash);
    unwatch();
    await ws.destroy();
  });

  it('batch requests answer every call in order', async () => {
    const res = await fetch(t.host.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: 2, method: 'eth_getBalance', params: [alice.address, 'latest'] },
        { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: ['0xnope', 'latest'] },
      ]),
    });
    const body = (await res.json()) as any[];
    expect(body.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(BigInt(body[1].result)).toBeGreaterThan(0n);
    expect(body[2].error.code).toBe(-32602);
  });

  it('metis_sequencer names this host; proofs wait for a batch', async () => {
    const seq = (await raw('metis_sequencer')).result;
    expect(seq).toMatchObject({ sequencer: t.host.address, self: t.host.address, active: true, source: 'config' });
    const receipt = await provider.getTransactionReceipt((await provider.getBlock(mintBlock))!.transactions[0]!);
    expect((await raw('metis_getTransactionProof', [receipt!.hash])).result).toBeNull();
    expect((await raw('metis_batches', [0, 10])).result).toEqual([]);
  });
});
