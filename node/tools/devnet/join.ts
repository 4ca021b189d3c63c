import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, parseEther } from 'ethers';
import type { Address } from '../../../protocol/consensus/types.ts';
import { genesisFromLockingPool } from '../../consensus/l1/genesis.ts';
import { advertisedP2p, configureCometHome, openLocalnet, type ConsensusTimeouts } from '../localnet/localnet.ts';
import { cometKeyProof, readCometKey } from '../../consensus/client/comet-key.ts';
import { hostPort, LOOPBACK } from '../../net/listen-address.ts';
import { COMETBFT_BIN } from '../../install/paths.ts';
import { ConsensusClient } from '../../../protocol/consensus/client.ts';
import { AppTxSender, type AppTxVerdict } from '../../consensus/client/tx-sender.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys, signerPubkey } from './accounts.ts';
import { devnetShareKey, sequencerConfig, sequencerDir, type BatcherSettings, type PreparedSequencer } from './hosts.ts';
import { ownerCallOnLiveL1 } from '../../l1/owner-timelock.ts';
import { fundL1Relayers, l1Contracts, type L1Addresses } from './l1-bootstrap.ts';
import type { HostPorts } from './ports.ts';

/**
 * A sequencer that joins a running devnet, as an operator would: its owner is whitelisted and locks stake on L1,
 * it gets a CometBFT home with the network's genesis and its peers, and it binds its CometBFT key to its signer
 * with a register-comet-key tx. Once the consensus layer counts its stake it becomes a validator and the MPC key
 * is reshared to include it.
 */

export interface JoinOptions {
  dataDir: string;
  l1Url: string;
  addresses: L1Addresses;
  /** The new sequencer's index (devnet keys sequencerKeys(index)); existing ones are 0..index-1. */
  index: number;
  ports: (index: number) => HostPorts;
  /** Sequencer i's listen and advertised address (default 127.0.0.1). */
  address?: (index: number) => string;
  batcher?: Partial<BatcherSettings>;
  timeouts?: Partial<ConsensusTimeouts>;
  blockTimeMs?: number;
}

/** Governance whitelists the owner (through the owner timelock: one owner delay); the owner gets METIS and locks it for the signer (LockingPool.lockFor). */
export async function lockStake(options: { l1Url: string; addresses: L1Addresses; index: number; stake: number }): Promise<bigint> {
  await approveStake(options);
  return await lockFor(options);
}

/** What comes before lockFor: governance whitelists the owner, mints it `stake` METIS (and pays its L1 relayers if Hardhat does not), the owner approves LockingPool. */
export async function approveStake(options: { l1Url: string; addresses: L1Addresses; index: number; stake: number }): Promise<void> {
  await withL1(options.l1Url, async (provider) => {
    const keys = sequencerKeys(options.index);
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    const governance = l1Contracts(options.addresses, deployer);
    const amount = parseEther(String(options.stake));
    await fundL1Relayers(deployer, [options.index]);
    await ownerCallOnLiveL1(governance.timelock, { target: options.addresses.lockingPool, data: governance.lockingPool.interface.encodeFunctionData('setWhitelist', [keys.owner.address, true]) });
    await (await governance.token.mint(keys.owner.address, amount)).wait();
    const owner = l1Contracts(options.addresses, new NonceManager(keys.owner.connect(provider)));
    await (await owner.token.approve(options.addresses.lockingPool, amount)).wait();
  });
}

/** The owner's LockingPool.lockFor for its signer (stake approved before); waits for it to be mined, returns the sequencer id. */
export async function lockFor(options: { l1Url: string; addresses: L1Addresses; index: number; stake: number }): Promise<bigint> {
  return await withL1(options.l1Url, async (provider) => {
    const keys = sequencerKeys(options.index);
    const owner = l1Contracts(options.addresses, new NonceManager(keys.owner.connect(provider)));
    await (await owner.lockingPool.lockFor(keys.signer.address, parseEther(String(options.stake)), signerPubkey(keys.signer))).wait();
    return await owner.lockingPool.sequencerIdBySigner(keys.signer.address);
  });
}

async function withL1<T>(url: string, work: (provider: JsonRpcProvider) => Promise<T>): Promise<T> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    return await work(provider);
  } finally {
    provider.destroy();
  }
}

/** Creates the joining sequencer's CometBFT home and config (once); returns what starting its process needs. */
export async function prepareJoiningSequencer(options: JoinOptions): Promise<PreparedSequencer> {
  const { dataDir, index } = options;
  const dir = sequencerDir(dataDir, index);
  const home = join(dir, 'cometbft');
  const configFile = join(dir, 'sequencer.json');
  const ports = options.ports(index);
  const host = options.address?.(index) ?? LOOPBACK;
  const network = openLocalnet(dataDir);
  const existing = Array.from({ length: network.size }, (_, node) => network.node(node));
  if (!existsSync(configFile)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(COMETBFT_BIN, ['init', '--home', home], { stdio: 'ignore' });
    copyFileSync(join(existing[0]!.home, 'config', 'genesis.json'), join(home, 'config', 'genesis.json'));
    const peers = existing.map((node) => `${node.key.nodeId}@${advertisedP2p(node.ports)}`).join(',');
    configureCometHome(home, { p2p: ports.cometP2p, rpc: ports.cometRpc, abci: ports.abci, query: ports.query, host }, peers, options.timeouts);
    const signers = Array.from({ length: index + 1 }, (_, i) => sequencerKeys(i).signer.address.toLowerCase() as Address);
    // Safe-head weights: the stakes LockingPool holds now.
    const active = await genesisFromLockingPool({ url: options.l1Url, lockingPool: options.addresses.lockingPool, cometKeyOf: () => ({ cometPubKey: '' }) });
    const stakes = new Map<string, string>(active.validators.map((validator) => [validator.address, validator.stake]));
    const config = sequencerConfig({ l1Url: options.l1Url, addresses: options.addresses, ports: options.ports, address: options.address, batcher: options.batcher, blockTimeMs: options.blockTimeMs }, index, signers, stakes, options.blockTimeMs);
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  }
  return { index, address: sequencerKeys(index).signer.address.toLowerCase() as Address, dir, configFile, ports, host, env: { MPC_SHARE_KEY: devnetShareKey(index) } };
}

/**
 * The register-comet-key tx: binds the joining sequencer's CometBFT key (with its ed25519 proof of possession) and
 * announces its RPC and peer URLs, signed by its signer key, sent to a running sequencer's consensus query API.
 */
export async function registerCometKey(options: { queryUrl: string; index: number; home: string; ports: HostPorts; host?: string; chainId: string }): Promise<AppTxVerdict> {
  const advertised = options.host ?? LOOPBACK;
  const keys = sequencerKeys(options.index);
  const cometKey = readCometKey(options.home);
  const sender = new AppTxSender({ consensus: new ConsensusClient(options.queryUrl), key: keys.signer.privateKey, chainId: options.chainId });
  return await sender.send('register-comet-key', {
    pubKey: cometKey.pubKey,
    proof: cometKeyProof(cometKey, options.chainId, keys.signer.address),
    rpcUrl: `http://${hostPort(advertised, options.ports.rpc)}`,
    peerUrl: `ws://${hostPort(advertised, options.ports.peer)}`,
  });
}
