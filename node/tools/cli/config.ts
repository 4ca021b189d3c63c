import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { getAddress, isAddress, parseEther, Wallet, type HDNodeWallet } from 'ethers';
import { sequencerKeys } from '../devnet/accounts.ts';
import { hostPorts } from '../devnet/ports.ts';
import { UsageError } from './errors.ts';

/**
 * Where the CLI talks to and with which keys. URLs and addresses come from flags (or the devnet's l1.json);
 * private keys only from the environment (argv leaks into shell history and `ps`), except the devnet's
 * well-known keys picked by `--dev-sequencer i`.
 */

export const DEFAULT_L1_URL = 'http://127.0.0.1:8545';
export const DEFAULT_CONSENSUS_URL = 'http://127.0.0.1:9004';
export const DEFAULT_DEVNET_DIR = '.devnet';

/** The environment variables that hold keys. */
export const KEY_ENV = {
  /** The sequencer owner's L1 account: holds METIS, sends lock/relock/unlock/withdraw/updateSigner. */
  operator: 'OPERATOR_KEY',
  /** The sequencer's signer (node) key: its identity on L1 and in consensus; signs consensus txs. */
  signer: 'SIGNER_KEY',
} as const;

export type AnyWallet = Wallet | HDNodeWallet;

export interface Keys {
  operator: AnyWallet | null;
  signer: AnyWallet | null;
}

export interface CliConfig {
  l1Url: string;
  consensusUrl: string;
  devnetDir: string;
  /** From --locking-pool; otherwise read lazily from <devnetDir>/l1.json. */
  lockingPool: string | null;
  json: boolean;
  /** Seconds to wait for a consensus tx's effect to be committed; 0 = do not wait. */
  waitSeconds: number;
  keys: Keys;
}

export interface GlobalFlags {
  l1?: string;
  consensus?: string;
  devnet?: string;
  'locking-pool'?: string;
  'dev-sequencer'?: string;
  json?: boolean;
  wait?: string;
  'no-wait'?: boolean;
}

export function parseUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${flag} must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

export function parseAddress(flag: string, value: string): string {
  if (!isAddress(value)) throw new UsageError(`${flag} must be a 0x-prefixed 20-byte address, got "${value}"`);
  return getAddress(value.toLowerCase());
}

export function parseIndex(flag: string, value: string, max = 1_000_000): number {
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${flag} must be an integer between 0 and ${max}, got "${value}"`);
  return Number(value);
}

/** A METIS amount in whole tokens with up to 18 decimals ("20000", "0.5"), as wei. */
export function parseMetis(flag: string, value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) throw new UsageError(`${flag} must be an amount of METIS such as 20000 or 0.5, got "${value}"`);
  return parseEther(value);
}

function keyFromEnv(variable: string, env: NodeJS.ProcessEnv): AnyWallet | null {
  const raw = env[variable]?.trim();
  if (!raw) return null;
  const hex = raw.startsWith('0x') ? raw : `0x${raw}`;
  // Never echo the value: it is a private key.
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`${variable} must be a 32-byte hex private key`, { showUsage: false });
  try {
    return new Wallet(hex);
  } catch {
    throw new UsageError(`${variable} is not a valid secp256k1 private key`, { showUsage: false });
  }
}

export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv, cwd: string): CliConfig {
  const devSequencer = flags['dev-sequencer'] === undefined ? null : parseIndex('--dev-sequencer', flags['dev-sequencer'], 99);
  // --dev-sequencer is explicit, so it wins over keys in the environment.
  const keys: Keys =
    devSequencer === null
      ? { operator: keyFromEnv(KEY_ENV.operator, env), signer: keyFromEnv(KEY_ENV.signer, env) }
      : { operator: sequencerKeys(devSequencer).owner, signer: sequencerKeys(devSequencer).signer };
  const devnetDir = flags.devnet ?? DEFAULT_DEVNET_DIR;
  // A devnet sequencer submits consensus txs through its own host's query API (9004 + 10·i).
  const devConsensus = devSequencer === null ? DEFAULT_CONSENSUS_URL : `http://127.0.0.1:${hostPorts(devSequencer).query}`;
  if (flags.wait !== undefined && flags['no-wait']) throw new UsageError('--wait and --no-wait exclude each other');
  return {
    l1Url: parseUrl('l1', flags.l1 ?? DEFAULT_L1_URL),
    consensusUrl: parseUrl('consensus', flags.consensus ?? devConsensus),
    devnetDir: isAbsolute(devnetDir) ? devnetDir : resolve(cwd, devnetDir),
    lockingPool: flags['locking-pool'] === undefined ? null : parseAddress('--locking-pool', flags['locking-pool']),
    json: flags.json ?? false,
    waitSeconds: flags['no-wait'] ? 0 : flags.wait === undefined ? 30 : parseIndex('--wait', flags.wait, 3600),
    keys,
  };
}

export interface DevnetL1File {
  addresses: { chainId: number; token: string; lockingPool: string; batchChain: string; fromBlock: number };
}

/** The LockingPool address: --locking-pool, else <devnet>/l1.json. */
export function lockingPoolAddress(config: CliConfig): { address: string; expectedChainId: number | null } {
  if (config.lockingPool) return { address: config.lockingPool, expectedChainId: null };
  const file = join(config.devnetDir, 'l1.json');
  if (!existsSync(file)) {
    throw new UsageError(`no LockingPool address: ${file} does not exist; start the devnet (npm start) or pass --locking-pool <address>`, { showUsage: false });
  }
  let parsed: DevnetL1File;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as DevnetL1File;
  } catch {
    throw new UsageError(`${file} is not valid JSON`, { showUsage: false });
  }
  const address = parsed.addresses?.lockingPool;
  if (typeof address !== 'string' || !isAddress(address)) throw new UsageError(`${file} has no addresses.lockingPool`, { showUsage: false });
  return { address: getAddress(address.toLowerCase()), expectedChainId: typeof parsed.addresses.chainId === 'number' ? parsed.addresses.chainId : null };
}

export function requireKey(keys: Keys, which: keyof Keys, action: string): AnyWallet {
  const key = keys[which];
  if (!key) {
    throw new UsageError(`${action} needs ${KEY_ENV[which]} (the ${which === 'operator' ? "owner's L1 key that holds METIS" : "sequencer's signer key"}) in the environment, or --dev-sequencer <i> on the devnet`, {
      showUsage: false,
    });
  }
  return key;
}
