/**
 * Shared set-up for the contract suites: one EDR node per test file, dev accounts from the `test ... junk`
 * mnemonic, evm_snapshot/evm_revert around every test, and assertions on custom errors and events by name.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  HDNodeWallet,
  JsonRpcProvider,
  Signature,
  Wallet,
  id,
  type BaseContract,
  type ContractTransactionResponse,
  type Interface,
  type LogDescription,
  type TransactionReceipt,
} from 'ethers';
import type { L1Node } from '../../node/tools/devnet/edr-node.ts';
import { DEV_MNEMONIC, startTestL1 } from '../support/l1.ts';

export type Chain = {
  l1: L1Node;
  provider: JsonRpcProvider;
  /** Dev accounts 0..9, funded with ETH by the node. */
  accounts: HDNodeWallet[];
};

/**
 * Starts an EDR node for this file and returns a holder filled in by beforeAll. `setup` runs once after the node
 * is up (deployments); every test then runs against a snapshot of that state.
 */
export function useChain(setup: (chain: Chain) => Promise<void> = async () => {}): Chain {
  const chain = {} as Chain;
  let snapshot = '';
  beforeAll(async () => {
    chain.l1 = await startTestL1();
    chain.provider = new JsonRpcProvider(chain.l1.url, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
    chain.provider.pollingInterval = 20;
    chain.accounts = Array.from({ length: 10 }, (_, i) =>
      HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(chain.provider),
    );
    await setup(chain);
  });
  beforeEach(async () => {
    snapshot = (await chain.provider.send('evm_snapshot', [])) as string;
  });
  afterEach(async () => {
    await chain.provider.send('evm_revert', [snapshot]);
  });
  afterAll(async () => {
    chain.provider?.destroy();
    await chain.l1?.stop();
  });
  return chain;
}

/** A deterministic secp256k1 key with its address and the 64-byte public key LockingPool takes. */
export type SignerKey = { wallet: Wallet; address: string; pubkey: string };

export function signerKey(label: string): SignerKey {
  const wallet = new Wallet(id(`signer:${label}`));
  return { wallet, address: wallet.address, pubkey: `0x${wallet.signingKey.publicKey.slice(4)}` };
}

/** Sends a transaction and returns its receipt, failing the test if it reverted. */
export async function send(sent: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} reverted`);
  return receipt;
}

/** The revert data (selector + arguments) carried by an ethers error, wherever the provider put it. */
function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === 'string' && data.startsWith('0x')) return data;
    if (data && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string') {
      return (data as { data: string }).data;
    }
    current = (current as { error?: unknown; info?: unknown }).error ?? (current as { info?: unknown }).info;
  }
  return undefined;
}

/**
 * Asserts that `action` reverts with the custom error `name` of `contract`'s ABI, and with `args` when given.
 * Returns the decoded arguments.
 */
export async function expectRevert(
  action: Promise<unknown>,
  contract: BaseContract | Interface,
  name: string,
  args?: unknown[],
): Promise<unknown[]> {
  let error: unknown;
  try {
    await action;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error(`expected a revert with ${name}, but the call succeeded`);
  const data = revertData(error);
  if (!data) throw new Error(`expected a revert with ${name}, got an error without revert data: ${String(error)}`);
  const iface = 'interface' in contract ? contract.interface : contract;
  const parsed = iface.parseError(data);
  expect(parsed?.name, `revert data ${data}`).toBe(name);
  const decoded = parsed ? parsed.args.toArray() : [];
  if (args) expect(decoded).toEqual(args);
  return decoded;
}

/** The events named `name` that `contract` emitted in `receipt`, decoded. */
export function eventsOf(receipt: TransactionReceipt, contract: BaseContract, name: string): LogDescription[] {
  const address = (contract.target as string).toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog(log))
    .filter((parsed): parsed is LogDescription => parsed?.name === name);
}

/** Asserts that `receipt` holds exactly one `name` event of `contract`, with `args`, and returns it. */
export function expectEvent(receipt: TransactionReceipt, contract: BaseContract, name: string, args: unknown[]): LogDescription {
  const events = eventsOf(receipt, contract, name);
  expect(events, `${name} events`).toHaveLength(1);
  const event = events[0] as LogDescription;
  expect(event.args.toArray()).toEqual(args);
  return event;
}

/** Moves the chain's clock forward and mines a block. */
export async function increaseTime(provider: JsonRpcProvider, seconds: bigint | number): Promise<void> {
  await provider.send('evm_increaseTime', [Number(seconds)]);
  await provider.send('evm_mine', []);
}

/** Mines `count` empty blocks. */
export async function mineBlocks(provider: JsonRpcProvider, count: number): Promise<void> {
  await provider.send('hardhat_mine', [`0x${count.toString(16)}`]);
}

export async function latestTimestamp(provider: JsonRpcProvider): Promise<bigint> {
  const block = await provider.getBlock('latest');
  if (!block) throw new Error('no latest block');
  return BigInt(block.timestamp);
}

/** The same signature with s' = n - s and the flipped v: valid for ecrecover, rejected by OpenZeppelin's ECDSA. */
export function malleate(signature: string): string {
  const sig = Signature.from(signature);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = n - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return `${sig.r}${highS.toString(16).padStart(64, '0')}${v.toString(16)}`;
}
