import { createWalletClient, defineChain, http, publicActions, type Hex as ViemHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { L2_CHAIN_ID, devWallet, startTestHost, type TestHost } from '../harness.ts';

// EIP-7702 end to end on a real host and the real native chain (the default fork, Osaka): a viem-signed
// authorization is admitted, mined and shown by the RPC views; the pool refuses hostile authorization lists with
// -32000 and geth's words, and an authorization whose signature does not recover is skipped, not fatal.
/** Runtime of the delegate: sstore(0, 0x2a), return the caller as a word. Init code copies it out. */
const DELEGATE_RUNTIME = '602a6000553360005260206000f3';
const DELEGATE_INIT = `0x600e600c600039600e6000f3${DELEGATE_RUNTIME}` as const;

let t: TestHost;
const sponsor = privateKeyToAccount(devWallet(1).privateKey as ViemHex);
const authority = privateKeyToAccount(devWallet(2).privateKey as ViemHex);
const bystander = privateKeyToAccount(devWallet(3).privateKey as ViemHex);
let client: ReturnType<typeof makeClient>;
let delegate: ViemHex;

function makeClient(url: string) {
  const chain = defineChain({ id: Number(L2_CHAIN_ID), name: 'l2', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  return createWalletClient({ chain, transport: http(url), account: sponsor }).extend(publicActions);
}

async function rpc(method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const res = await fetch(t.host.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as never;
}

beforeAll(async () => {
  t = await startTestHost();
  client = makeClient(t.host.rpcUrl);
  const deploy = await client.sendTransaction({ data: DELEGATE_INIT });
  const receipt = await client.waitForTransactionReceipt({ hash: deploy, pollingInterval: 50 });
  delegate = receipt.contractAddress as ViemHex;
});

afterAll(async () => {
  await t?.stop();
});

describe('EIP-7702 set-code transactions over JSON-RPC', () => {
  it('admits, mines and shows a viem-signed authorization; the authority then runs the delegate', async () => {
    const authorization = await client.signAuthorization({ account: authority, contractAddress: delegate });
    // viem estimates the gas through eth_estimateGas with the authorizationList.
    const hash = await client.sendTransaction({ to: authority.address, authorizationList: [authorization] });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expect(receipt).toMatchObject({ status: 'success', type: 'eip7702' });
    expect((await rpc('eth_getTransactionReceipt', [hash])).result.type).toBe('0x4');

    const code = await client.getCode({ address: authority.address });
    expect(code).toBe(`0xef0100${delegate.slice(2).toLowerCase()}`);
    expect(await client.getStorageAt({ address: authority.address, slot: '0x0' })).toBe(`0x${'2a'.padStart(64, '0')}`);

    const view = (await rpc('eth_getTransactionByHash', [hash])).result;
    expect(view.type).toBe('0x4');
    expect(view.authorizationList).toEqual([
      {
        chainId: `0x${L2_CHAIN_ID.toString(16)}`,
        address: delegate.toLowerCase(),
        nonce: '0x0',
        yParity: `0x${authorization.yParity!.toString(16)}`,
        r: `0x${BigInt(authorization.r).toString(16)}`,
        s: `0x${BigInt(authorization.s).toString(16)}`,
      },
    ]);
    const block = (await rpc('eth_getBlockByNumber', [view.blockNumber, true])).result;
    expect(block.transactions.find((tx: { hash: string }) => tx.hash === hash).authorizationList).toEqual(view.authorizationList);
    // viem reads the view back as a typed transaction.
    expect((await client.getTransaction({ hash })).authorizationList?.[0]?.address.toLowerCase()).toBe(delegate.toLowerCase());

    // A call to the authority runs the delegate with the caller as msg.sender.
    const { data } = await client.call({ account: bystander, to: authority.address });
    expect(data).toBe(`0x${bystander.address.slice(2).toLowerCase().padStart(64, '0')}`);
  });

  it('eth_call runs a call with an authorizationList as a set-code transaction, nothing kept', async () => {
    const fresh = privateKeyToAccount(devWallet(4).privateKey as ViemHex);
    const authorization = await client.signAuthorization({ account: fresh, contractAddress: delegate });
    const reply = await rpc('eth_call', [
      {
        from: sponsor.address,
        to: fresh.address,
        authorizationList: [{ chainId: `0x${authorization.chainId.toString(16)}`, address: delegate, nonce: `0x${authorization.nonce.toString(16)}`, yParity: `0x${authorization.yParity}`, r: authorization.r, s: authorization.s }],
      },
      'latest',
    ]);
    expect(reply.result).toBe(`0x${sponsor.address.slice(2).toLowerCase().padStart(64, '0')}`);
    expect(await client.getCode({ address: fresh.address })).toBeUndefined();
  });

  it('refuses authorizations for another chain and lists over 64 with -32000; skips one that does not recover', async () => {
    const nonce = await client.getTransactionCount({ address: sponsor.address, blockTag: 'pending' });
    const base = { to: bystander.address, gas: 2_000_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, nonce, chainId: Number(L2_CHAIN_ID) } as const;
    const signAuth = (chainId: number) => client.signAuthorization({ account: bystander, contractAddress: delegate, chainId, nonce: 0 });

    const otherChain = await client.signTransaction({ ...base, authorizationList: [await signAuth(Number(L2_CHAIN_ID) + 1)] });
    const wrongChain = await rpc('eth_sendRawTransaction', [otherChain]);
    expect(wrongChain.error).toEqual({ code: -32000, message: `invalid transaction: authorization 0 is for chain ${L2_CHAIN_ID + 1n}, not 0 or ${L2_CHAIN_ID}` });

    const ours = await signAuth(Number(L2_CHAIN_ID));
    const tooMany = await client.signTransaction({ ...base, authorizationList: Array.from({ length: 65 }, () => ours) });
    expect((await rpc('eth_sendRawTransaction', [tooMany])).error).toEqual({ code: -32000, message: "invalid transaction: 65 authorizations, more than the pool's limit of 64" });

    // Osaka's per-transaction cap (EIP-7825) holds at admission, as geth's pool has it.
    const capped = await client.signTransaction({ ...base, gas: 16_777_217n });
    expect((await rpc('eth_sendRawTransaction', [capped])).error).toEqual({ code: -32000, message: 'transaction gas limit too high (cap: 16777216, tx: 16777217)' });

    const empty = await client.signTransaction({ ...base, type: 'eip7702', authorizationList: [] } as never);
    expect((await rpc('eth_sendRawTransaction', [empty])).error).toEqual({ code: -32000, message: 'invalid transaction: EIP-7702 transaction with empty auth list' });

    // s above secp256k1n/2: no authority recovers (EIP-7702 then skips the entry); the transaction itself is fine.
    const unrecoverable = { ...ours, s: `0x${'ff'.repeat(32)}` as ViemHex };
    const skipped = await client.signTransaction({ ...base, authorizationList: [unrecoverable] });
    await t.host.producer.stop();
    const sent = await rpc('eth_sendRawTransaction', [skipped]);
    try {
      expect(sent.error).toBeUndefined();
      // The pooled view comes from the native decoder too (ethers' parser refuses a high s).
      const pooled = (await rpc('eth_getTransactionByHash', [sent.result])).result;
      expect(pooled).toMatchObject({ hash: sent.result, type: '0x4', blockHash: null, blockNumber: null, transactionIndex: null });
      expect(pooled.authorizationList[0].s).toBe(`0x${'ff'.repeat(32)}`);
    } finally {
      t.host.producer.start();
    }
    const receipt = await client.waitForTransactionReceipt({ hash: sent.result as ViemHex, pollingInterval: 50 });
    expect(receipt.status).toBe('success');
    expect(await client.getCode({ address: bystander.address })).toBeUndefined();
    expect((await rpc('eth_getTransactionByHash', [sent.result])).result.authorizationList[0].s).toBe(`0x${'ff'.repeat(32)}`);
  });
});
