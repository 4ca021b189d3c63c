import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { parseEther } from 'ethers';
import type { Address, Params } from '../../../protocol/consensus/types.ts';
import { genesisFromLockingPool } from '../../consensus/l1/genesis.ts';
import { initLocalnet, type ConsensusTimeouts } from '../localnet/localnet.ts';
import type { SequencerConfigInput } from '../../sequencer/config.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys } from './accounts.ts';
import type { L1Addresses } from './l1-bootstrap.ts';
import type { HostPorts } from './ports.ts';

/**
 * The sequencer hosts' side of the devnet: the L2 genesis, the consensus network (one CometBFT home per sequencer,
 * genesis validators = LockingPool's active set on L1) and one config file per sequencer, all written once under
 * the devnet folder and reused on later runs:
 *   l2-genesis.json         the L2 genesis (chain id DEVNET_L2_CHAIN_ID; the 20 dev accounts hold 10,000 ETH each)
 *   localnet.json           the consensus network's manifest (CometBFT chain id, homes, ports, keys)
 *   seq-<i>/sequencer.json  sequencer i's config (node/sequencer/config.ts); its data under seq-<i>/
 */

/** The devnet's L2 chain id (devnet only; not a registered public chain id). */
export const DEVNET_L2_CHAIN_ID = 59_900;
export const DEVNET_CONSENSUS_CHAIN_ID = 'l2-sequencer-devnet';
/** How many of the dev mnemonic's accounts the L2 genesis funds, and with how much. */
export const FUNDED_ACCOUNTS = 20;
export const FUNDED_BALANCE = parseEther('10000');

/** L1 keys that pay gas for sequencer i: the batcher's relayer and the MPC duties' relayer (Hardhat funds 0..19). */
export function l1RelayerKeys(index: number): { batcher: string; duties: string } {
  if (index > 4) throw new RangeError('the devnet funds L1 relayers for sequencers 0..4 only');
  return { batcher: devAccount(10 + index).privateKey, duties: devAccount(15 + index).privateKey };
}

/** Sequencer i's share-encryption secret (MPC_SHARE_KEY): a devnet value, derived so a restart reads its share. */
export function devnetShareKey(index: number): string {
  return bytesToHex(sha256(utf8ToBytes(`l2-sequencer devnet MPC share key ${index}`)));
}

export function l2Genesis(chainId = DEVNET_L2_CHAIN_ID): Record<string, unknown> {
  const alloc: Record<string, { balance: string }> = {};
  for (let index = 0; index < FUNDED_ACCOUNTS; index++) alloc[devAccount(index).address] = { balance: `0x${FUNDED_BALANCE.toString(16)}` };
  return { chainId, gasLimit: 60_000_000, baseFeePerGas: 1_000_000_000, timestamp: 0, alloc };
}

/** Consensus parameters of the devnet (the app's defaults are for production; see node/consensus/app/genesis.ts). */
export type DevnetConsensusParams = Pick<
  Params,
  'epochLength' | 'blockTimeMs' | 'livenessTimeoutMs' | 'l1Confirmations' | 'electionLeadBlocks' | 'coolDownEpochs' | 'govVotingPeriod' | 'govExecutionDelay'
> & { [key: string]: unknown };

export const DEVNET_CONSENSUS_PARAMS: DevnetConsensusParams = {
  epochLength: 60,
  blockTimeMs: 1000,
  livenessTimeoutMs: 3000,
  l1Confirmations: 1,
  electionLeadBlocks: 5,
  coolDownEpochs: 1,
  govVotingPeriod: 600,
  govExecutionDelay: 20,
};

export interface BatcherSettings {
  maxBatchBlocks: number;
  maxBatchAgeMs: number;
  l1Confirmations: number;
  pollMs: number;
}

export const DEVNET_BATCHER: BatcherSettings = { maxBatchBlocks: 600, maxBatchAgeMs: 30_000, l1Confirmations: 2, pollMs: 1000 };

export interface PrepareHostsOptions {
  dataDir: string;
  l1Url: string;
  addresses: L1Addresses;
  /** Sequencers 0..count-1 (sequencerKeys(i)); every one must have locked stake on L1 already. */
  count: number;
  ports: (index: number) => HostPorts;
  params?: Partial<DevnetConsensusParams>;
  batcher?: Partial<BatcherSettings>;
  blockTimeMs?: number;
  timeouts?: Partial<ConsensusTimeouts>;
}

export interface PreparedSequencer {
  index: number;
  address: Address;
  dir: string;
  configFile: string;
  ports: HostPorts;
  env: Record<string, string>;
}

export function sequencerDir(dataDir: string, index: number): string {
  return join(dataDir, `seq-${index}`);
}

/**
 * Creates (first run) or reopens (later runs) the sequencers' consensus network and configs. On the first run the
 * genesis validator set is read from LockingPool.activeSequencers() on L1, CometBFT keys come from `cometbft init`
 * in each sequencer's home, and every file is written; later runs only rebuild the list of what exists.
 */
export async function prepareHosts(options: PrepareHostsOptions): Promise<PreparedSequencer[]> {
  const { dataDir, count } = options;
  const signers = Array.from({ length: count }, (_, index) => sequencerKeys(index).signer.address.toLowerCase() as Address);
  if (!existsSync(join(dataDir, 'localnet.json'))) {
    const params = { ...DEVNET_CONSENSUS_PARAMS, ...options.params };
    writeFileSync(join(dataDir, 'l2-genesis.json'), `${JSON.stringify(l2Genesis(), null, 2)}\n`);
    const snapshot = await genesisFromLockingPool({ url: options.l1Url, lockingPool: options.addresses.lockingPool, cometKeyOf: () => ({ cometPubKey: '' }) });
    const missing = signers.filter((signer) => !snapshot.validators.some((validator) => validator.address === signer));
    if (missing.length) throw new Error(`LockingPool has no active lock for ${missing.join(', ')}: the L1 bootstrap did not lock their stakes`);
    const stakes = new Map(snapshot.validators.map((validator) => [validator.address, validator.stake]));
    initLocalnet({
      dir: dataDir,
      chainId: DEVNET_CONSENSUS_CHAIN_ID,
      nodeDir: (index) => sequencerDir(dataDir, index),
      ports: signers.map((_, index) => {
        const ports = options.ports(index);
        return { p2p: ports.cometP2p, rpc: ports.cometRpc, abci: ports.abci, query: ports.query };
      }),
      timeouts: options.timeouts,
      appState: (keys) => ({
        l2ChainId: DEVNET_L2_CHAIN_ID,
        l1StartBlock: snapshot.l1StartBlock,
        params: { ...params, schedulers: [devAccount(DEVNET_ROLES.scheduler).address.toLowerCase()] },
        validators: snapshot.validators.flatMap((validator) => {
          const index = signers.indexOf(validator.address);
          if (index < 0) return [];
          const ports = options.ports(index);
          return [{ ...validator, cometPubKey: keys[index]!.cometPubKey, rpcUrl: `http://127.0.0.1:${ports.rpc}`, peerUrl: `ws://127.0.0.1:${ports.peer}` }];
        }),
      }),
    });
    for (let index = 0; index < count; index++) {
      const config = sequencerConfig(options, index, signers, stakes, params.blockTimeMs);
      const dir = sequencerDir(dataDir, index);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'sequencer.json'), `${JSON.stringify(config, null, 2)}\n`);
    }
  }
  return signers.map((address, index) => {
    const dir = sequencerDir(dataDir, index);
    const configFile = join(dir, 'sequencer.json');
    const stored = JSON.parse(readFileSync(configFile, 'utf8')) as SequencerConfigFile;
    const ports: HostPorts = {
      rpc: stored.host.rpc!.port,
      operator: stored.host.operator!.port,
      peer: stored.host.peer!.port,
      abci: stored.consensus.abciPort,
      query: stored.consensus.queryPort,
      cometRpc: stored.consensus.cometRpcPort,
      cometP2p: options.ports(index).cometP2p,
    };
    return { index, address, dir, configFile, ports, env: { MPC_SHARE_KEY: devnetShareKey(index) } };
  });
}

/** Sequencer i's config (paths relative to its folder, so the devnet folder can move). */
export function sequencerConfig(
  options: Pick<PrepareHostsOptions, 'l1Url' | 'addresses' | 'ports' | 'batcher' | 'blockTimeMs'>,
  index: number,
  signers: readonly Address[],
  stakes: ReadonlyMap<string, string>,
  blockTimeMs = 1000,
): SequencerConfigFile {
  const ports = options.ports(index);
  const keys = sequencerKeys(index);
  const relayers = l1RelayerKeys(index);
  const batcher = { ...DEVNET_BATCHER, ...options.batcher };
  const weights: Record<string, string> = {};
  for (const signer of signers) {
    const stake = stakes.get(signer);
    if (stake) weights[signer] = (BigInt(stake) / 10n ** 18n).toString();
  }
  return {
    dataDir: '.',
    nodeKey: keys.signer.privateKey as `0x${string}`,
    host: {
      genesisFile: '../l2-genesis.json',
      // Partial sections: resolveConfig fills the rest with the host's defaults.
      rpc: { port: ports.rpc } as never,
      operator: { port: ports.operator, token: `devnet-operator-token-${index}-${bytesToHex(sha256(utf8ToBytes(`operator ${index}`))).slice(0, 16)}` },
      peer: {
        port: ports.peer,
        peers: signers.flatMap((address, peer) => (peer === index ? [] : [{ address: address as `0x${string}`, url: `ws://127.0.0.1:${options.ports(peer).peer}` }])),
      },
      weights,
      producer: { blockTimeMs } as never,
      batcher: {
        ...batcher,
        maxBatchTxs: 20_000,
        l1Url: options.l1Url,
        batchChain: options.addresses.batchChain as `0x${string}`,
        l1Key: relayers.batcher as `0x${string}`,
        signer: { kind: 'mpc' as const },
      },
    },
    consensus: { home: 'cometbft', appDir: 'consensus', abciPort: ports.abci, queryPort: ports.query, cometRpcPort: ports.cometRpc },
    l1: {
      url: options.l1Url,
      lockingPool: options.addresses.lockingPool as `0x${string}`,
      batchChain: options.addresses.batchChain as `0x${string}`,
      fromBlock: options.addresses.fromBlock,
      relayerKey: relayers.duties as `0x${string}`,
    },
  };
}

/** sequencer.json as written: the L2 genesis by file name (relative to the config's folder), not inline. */
export type SequencerConfigFile = Omit<SequencerConfigInput, 'host'> & { host: Omit<SequencerConfigInput['host'], 'genesis'> & { genesisFile: string } };
