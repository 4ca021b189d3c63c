import {
  type ErrorFragment,
  Interface,
  JsonRpcProvider,
  Network,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type TransactionReceipt,
} from 'ethers';
import { loadArtifact } from '../../../contracts/artifacts.ts';
import { rpcCall, RpcUnreachableError } from '../../net/rpc-call.ts';
import { contractAt, type LockingPoolContract, type MetisTokenContract, type SequencerRecord } from '../../l1/deploy.ts';
import { lockingPoolAddress, type AnyWallet, type CliConfig } from './config.ts';
import { NetworkError, RefusedError, UsageError } from './errors.ts';
import { isoTime, metis } from './output.ts';

/**
 * The CLI's connection to L1: a provider on a chain id probed once (so an unreachable node fails fast with its
 * URL instead of ethers' endless network detection), typed LockingPool/MetisToken handles, revert decoding by
 * custom error name, and one helper that sends a transaction and turns every expected failure into a
 * RefusedError or NetworkError.
 */

export const STATUS_NAMES = ['Unavailable', 'Active', 'Unlocking', 'Unlocked', 'Slashed'] as const;

export function statusName(status: bigint | number): string {
  return STATUS_NAMES[Number(status)] ?? `Unknown(${status})`;
}

export interface L1Session {
  readonly url: string;
  readonly chainId: bigint;
  readonly provider: JsonRpcProvider;
  readonly pool: LockingPoolContract;
  readonly token: MetisTokenContract;
  readonly poolAddress: string;
  readonly tokenAddress: string;
  /** Latest L1 block timestamp: "now" for the contract (the wall clock may differ, e.g. on a devnet). */
  now(): Promise<bigint>;
  close(): void;
}

async function probeChainId(url: string): Promise<bigint> {
  let chainId: unknown;
  try {
    chainId = await rpcCall(url, 'eth_chainId', [], { timeoutMs: 10_000 });
  } catch (error) {
    throw new NetworkError('L1', url, error instanceof RpcUnreachableError ? error.reason : (error as Error).message);
  }
  if (typeof chainId !== 'string' || !/^0x[0-9a-f]+$/i.test(chainId)) throw new NetworkError('L1', url, 'eth_chainId gave no chain id');
  return BigInt(chainId);
}

export async function connectL1(config: CliConfig): Promise<L1Session> {
  const { address: poolAddress, expectedChainId } = lockingPoolAddress(config);
  const chainId = await probeChainId(config.l1Url);
  if (expectedChainId !== null && BigInt(expectedChainId) !== chainId) {
    throw new UsageError(`${config.devnetDir}/l1.json is for chain ${expectedChainId} but ${config.l1Url} is chain ${chainId}`, { showUsage: false });
  }
  const provider = new JsonRpcProvider(config.l1Url, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    const code = await provider.getCode(poolAddress);
    if (code === '0x') {
      throw new UsageError(`no contract at LockingPool address ${poolAddress} on ${config.l1Url} (chain ${chainId}); is the devnet's l1.json from another run?`, { showUsage: false });
    }
    const pool = contractAt<LockingPoolContract>('LockingPool', poolAddress, provider);
    const tokenAddress = await pool.token();
    return {
      url: config.l1Url,
      chainId,
      provider,
      pool,
      token: contractAt<MetisTokenContract>('MetisToken', tokenAddress, provider),
      poolAddress,
      tokenAddress,
      now: async () => BigInt((await provider.getBlock('latest'))!.timestamp),
      close: () => provider.destroy(),
    };
  } catch (error) {
    provider.destroy();
    throw translateL1Error(error, config.l1Url, 'read the LockingPool');
  }
}

// Custom errors of the pool and of the token it calls (OpenZeppelin's ERC20 errors bubble up through SafeERC20).
const errorInterface = (() => {
  const seen = new Set<string>();
  const fragments: unknown[] = [];
  for (const name of ['LockingPool', 'MetisToken']) {
    for (const fragment of loadArtifact(name).abi as { type: string; name: string; inputs: { type: string }[] }[]) {
      const key = `${fragment.name}(${fragment.inputs?.map((input) => input.type).join(',')})`;
      if (fragment.type === 'error' && !seen.has(key)) {
        seen.add(key);
        fragments.push(fragment);
      }
    }
  }
  return new Interface(fragments as InterfaceAbi);
})();

export interface DecodedRevert {
  name: string;
  args: Record<string, string>;
  /** "BelowMinLock(amount: 10 METIS, minLock: 20000 METIS)" */
  text: string;
}

function formatArgument(name: string, type: string, value: unknown): string {
  if (type === 'uint8' && /status/i.test(name)) return statusName(value as bigint);
  if (type === 'uint256' && /time/i.test(name)) return isoTime(value as bigint);
  if (type === 'uint256' && /amount|lock|needed|available|balance|allowance|stake/i.test(name)) return metis(value as bigint);
  return String(value);
}

function revertData(error: unknown): string | null {
  const candidates = [
    (error as { data?: unknown })?.data,
    (error as { info?: { error?: { data?: unknown } } })?.info?.error?.data,
    (error as { error?: { data?: unknown } })?.error?.data,
    ((error as { info?: { error?: { data?: { data?: unknown } } } })?.info?.error?.data as { data?: unknown } | undefined)?.data,
  ];
  for (const candidate of candidates) if (typeof candidate === 'string' && /^0x[0-9a-f]{8}/i.test(candidate)) return candidate;
  return null;
}

/** Decodes a contract revert into the custom error's name and arguments (null when it is not one of ours). */
export function decodeRevert(error: unknown): DecodedRevert | null {
  const data = revertData(error);
  if (!data) return null;
  let parsed: ReturnType<Interface['parseError']>;
  try {
    parsed = errorInterface.parseError(data);
  } catch {
    return null;
  }
  if (!parsed) return null;
  const fragment: ErrorFragment = parsed.fragment;
  const args: Record<string, string> = {};
  const shown: string[] = [];
  fragment.inputs.forEach((input, index) => {
    const value = parsed!.args[index];
    args[input.name || `arg${index}`] = String(value);
    shown.push(`${input.name || `arg${index}`}: ${formatArgument(input.name, input.type, value)}`);
  });
  return { name: parsed.name, args, text: `${parsed.name}(${shown.join(', ')})` };
}

const NETWORK_CODES = new Set(['NETWORK_ERROR', 'SERVER_ERROR', 'TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'UNKNOWN_ERROR']);

/** Turns whatever ethers threw into an expected error where we can name it; rethrows the rest as is. */
export function translateL1Error(error: unknown, url: string, action: string): Error {
  if (error instanceof UsageError || error instanceof RefusedError || error instanceof NetworkError) return error;
  const decoded = decodeRevert(error);
  if (decoded) return new RefusedError(action, decoded.name, decoded.text, { error: decoded.name, args: decoded.args });
  const code = (error as { code?: string })?.code;
  if (code === 'CALL_EXCEPTION') {
    const reason = (error as { reason?: string; shortMessage?: string }).reason ?? (error as { shortMessage?: string }).shortMessage ?? 'reverted';
    return new RefusedError(action, 'Reverted', reason);
  }
  if (code === 'INSUFFICIENT_FUNDS') return new RefusedError(action, 'InsufficientFunds', 'the sender has too little ETH for gas');
  if (code && NETWORK_CODES.has(code)) return new NetworkError('L1', url, (error as { shortMessage?: string }).shortMessage ?? code);
  const message = (error as Error)?.message ?? '';
  if (/ECONNREFUSED|fetch failed|socket hang up/i.test(message)) return new NetworkError('L1', url, 'connection failed');
  return error as Error;
}

/** Sends one transaction and waits for its receipt; a revert (before or after sending) becomes a RefusedError. */
export async function sendL1(session: L1Session, action: string, send: () => Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  let response: ContractTransactionResponse;
  try {
    response = await send();
  } catch (error) {
    throw translateL1Error(error, session.url, action);
  }
  let receipt: TransactionReceipt | null;
  try {
    receipt = await response.wait();
  } catch (error) {
    throw translateL1Error(error, session.url, action);
  }
  if (receipt?.status !== 1) throw new RefusedError(action, 'Reverted', `transaction ${response.hash} reverted`, { tx: response.hash });
  return receipt;
}

/** A read on L1 with errors translated (a revert of a view is a refusal of the action it serves). */
export async function readL1<T>(session: L1Session, action: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw translateL1Error(error, session.url, action);
  }
}

/** The owner's live sequencer, or null when it has none. */
export async function sequencerOfOwner(session: L1Session, owner: string): Promise<{ id: bigint; record: SequencerRecord } | null> {
  try {
    const [id, record] = await session.pool.getSequencerByOwner(owner);
    return { id, record };
  } catch (error) {
    if (decodeRevert(error)?.name === 'NoSequencerForOwner') return null;
    throw translateL1Error(error, session.url, 'read the sequencer');
  }
}

export async function sequencerOfSigner(session: L1Session, signer: string): Promise<{ id: bigint; record: SequencerRecord } | null> {
  try {
    const [id, record] = await session.pool.getSequencerBySigner(signer);
    return { id, record };
  } catch (error) {
    if (decodeRevert(error)?.name === 'NoSequencerForSigner') return null;
    throw translateL1Error(error, session.url, 'read the sequencer');
  }
}

/** The pool and token handles bound to a sending wallet. */
export function withWallet(session: L1Session, wallet: AnyWallet): { pool: LockingPoolContract; token: MetisTokenContract; from: string } {
  const connected = wallet.connect(session.provider);
  return { pool: session.pool.connect(connected), token: session.token.connect(connected), from: wallet.address };
}
