import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, parseEther } from 'ethers';
import type { Address } from '../../../protocol/consensus/types.ts';
import { genesisFromLockingPool } from '../../consensus/l1/genesis.ts';
import { configureCometHome, openLocalnet, type ConsensusTimeouts } from '../localnet/localnet.ts';
import { cometKeyProof, readCometKey } from '../../consensus/client/comet-key.ts';
import { COMETBFT_BIN } from '../../install/paths.ts';
import { ConsensusClient } from '../../consensus/client/client.ts';
import { AppTxSender, type AppTxVerdict } from '../../consensus/client/tx-sender.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys, signerPubkey } from './accounts.ts';
import { devnetShareKey, sequencerConfig, sequencerDir, type BatcherSettings, type PreparedSequencer } from './hosts.ts';
import { l1Contracts, type L1Addresses } from './l1-bootstrap.ts';
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
  batcher?: Partial<BatcherSettings>;
  timeouts?: Partial<ConsensusTimeouts>;
  blockTimeMs?: number;
}

/** Governance whitelists the owner; the owner gets METIS and locks it for the signer (LockingPool.lockFor). */
export async function lockStake(options: { l1Url: string; addresses: L1Addresses; index: number; stake: number }): Promise<bigint> {
  const provider = new JsonRpcProvider(options.l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const keys = sequencerKeys(options.index);
    const governance = l1Contracts(options.addresses, new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider)));
    const amount = parseEther(String(options.stake));
    await (await governance.lockingPool.setWhitelist(keys.owner.address, true)).wait();
    await (await governance.token.mint(keys.owner.address, amount)).wait();
    const owner = l1Contracts(options.addresses, new NonceManager(keys.owner.connect(provider)));
    await (await owner.token.approve(options.addresses.lockingPool, amount)).wait();
    await (await owner.lockingPool.lockFor(keys.signer.address, amount, signerPubkey(keys.signer))).wait();
    return await owner.lockingPool.sequencerIdBySigner(keys.signer.address);
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
  const network = openLocalnet(dataDir);
  const existing = Array.from({ length: network.size }, (_, node) => network.node(node));
  if (!existsSync(configFile)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(COMETBFT_BIN, ['init', '--home', home], { stdio: 'ignore' });
    copyFileSync(join(existing[0]!.home, 'config', 'genesis.json'), join(home, 'config', 'genesis.json'));
    const peers = existing.map((node) => `${node.key.nodeId}@127.0.0.1:${node.ports.p2p}`).join(',');
    configureCometHome(home, { p2p: ports.cometP2p, rpc: ports.cometRpc, abci: ports.abci, query: ports.query }, peers, options.timeouts);
    const signers = Array.from({ length: index + 1 }, (_, i) => sequencerKeys(i).signer.address.toLowerCase() as Address);
    // Safe-head weights: the stakes LockingPool holds now.
    const active = await genesisFromLockingPool({ url: options.l1Url, lockingPool: options.addresses.lockingPool, cometKeyOf: () => ({ cometPubKey: '' }) });
    const stakes = new Map<string, string>(active.validators.map((validator) => [validator.address, validator.stake]));
    const config = sequencerConfig({ l1Url: options.l1Url, addresses: options.addresses, ports: options.ports, batcher: options.batcher, blockTimeMs: options.blockTimeMs }, index, signers, stakes, options.blockTimeMs);
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  }
  return { index, address: sequencerKeys(index).signer.address.toLowerCase() as Address, dir, configFile, ports, env: { MPC_SHARE_KEY: devnetShareKey(index) } };
}

/**
 * The register-comet-key tx: binds the joining sequencer's CometBFT key (with its ed25519 proof of possession) and
 * announces its RPC and peer URLs, signed by its signer key, sent to a running sequencer's consensus query API.
 */
export async function registerCometKey(options: { queryUrl: string; index: number; home: string; ports: HostPorts; chainId: string }): Promise<AppTxVerdict> {
  const keys = sequencerKeys(options.index);
  const cometKey = readCometKey(options.home);
  const sender = new AppTxSender({ consensus: new ConsensusClient(options.queryUrl), key: keys.signer.privateKey, chainId: options.chainId });
  return await sender.send('register-comet-key', {
    pubKey: cometKey.pubKey,
    proof: cometKeyProof(cometKey, options.chainId, keys.signer.address),
    rpcUrl: `http://127.0.0.1:${options.ports.rpc}`,
    peerUrl: `ws://127.0.0.1:${options.ports.peer}`,
  });
}
