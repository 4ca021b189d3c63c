import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, ZeroAddress, parseEther } from 'ethers';
import { migrateLocalD1, startLocalEdge, type LocalEdge } from '../edge/local-edge.ts';
import type { ConsensusStatus } from '../../../protocol/consensus/query.ts';
import { ConsensusClient } from '../../consensus/client/client.ts';
import type { ConsensusTimeouts } from '../localnet/localnet.ts';
import { rpcCall } from '../../net/rpc-call.ts';
import { devAccount, DEVNET_ROLES } from './accounts.ts';
import { prepareHosts, type BatcherSettings, type DevnetConsensusParams, type PreparedSequencer } from './hosts.ts';
import { l1Contracts, type L1Addresses } from './l1-bootstrap.ts';
import { startDevnetL1, type DevnetL1 } from './l1.ts';
import { DEVNET_PORTS, hostPorts, type HostPorts } from './ports.ts';
import { SequencerProcess } from './sequencer-process.ts';
import { Supervisor, waitUntil } from './supervisor.ts';

/** Where every process of one devnet listens. `npm start` uses the README's fixed ports; tests pick free ones. */
export interface DevnetPorts {
  l1: number;
  l1Inner: number;
  edge: number;
  edgeInspector: number;
  /** Host i: hostBase + 10·i + {0 rpc, 1 operator, 2 peer, 3 abci, 4 query, 5 CometBFT p2p, 6 CometBFT rpc}. */
  hostBase: number;
}

export const FIXED_DEVNET_PORTS: DevnetPorts = { l1: DEVNET_PORTS.l1, l1Inner: DEVNET_PORTS.l1Inner, edge: DEVNET_PORTS.edge, edgeInspector: 9229, hostBase: DEVNET_PORTS.hostBase };

export interface DevnetOptions {
  dataDir: string;
  ports: DevnetPorts;
  /** METIS each sequencer locks (whole tokens); no single stake may reach 1/3 of the total, or killing it halts consensus. */
  stakes?: readonly number[];
  withEdge?: boolean;
  /** How often the edge's scheduler runs (Cloudflare runs it every minute; wrangler dev only on request). */
  edgeScheduleMs?: number;
  edgeVars?: Record<string, string>;
  params?: Partial<DevnetConsensusParams>;
  batcher?: Partial<BatcherSettings>;
  timeouts?: Partial<ConsensusTimeouts>;
  /** Reward reserve funded in LockingPool on the first run (METIS). */
  rewardReserve?: number;
  exitDelaySeconds?: number;
  progress?: (step: string, done: boolean, seconds?: number) => void;
  log?: (message: string) => void;
}

export interface Devnet {
  readonly dataDir: string;
  readonly l1: DevnetL1;
  readonly addresses: L1Addresses;
  readonly sequencers: SequencerProcess[];
  readonly edge: LocalEdge | null;
  readonly supervisor: Supervisor;
  readonly resumed: boolean;
  /** The MPC address registered in LockingPool. */
  readonly mpcAddress: string;
  /** A consensus client on the first running sequencer's query API. */
  consensus(): ConsensusClient;
  /** Runs the edge's scheduler once now. */
  runEdgeSchedule(): Promise<void>;
  /** Adds a sequencer prepared later (node/tools/devnet/join.ts) to the ones this devnet supervises and stops. */
  adopt(prepared: PreparedSequencer): SequencerProcess;
  /** Host i's ports on this devnet. */
  hostPorts(index: number): HostPorts;
  stop(): Promise<void>;
}

/** Default stakes: differing (the stake-weighted election is visible), none reaching 1/3 of the total. */
export const DEVNET_STAKES = [25_000, 30_000, 35_000, 40_000] as const;

/**
 * The whole system on this machine, for `npm start` and the end-to-end tests: the journaled L1 with the contracts
 * and the sequencers' stakes, one process per sequencer (host + consensus app + CometBFT + MPC party), MPC key
 * generation and the MPC address registered in LockingPool, and optionally the edge. Everything under `dataDir`;
 * a second start on the same folder resumes (stores reopened, CometBFT homes reused, L1 replayed from its journal).
 */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const { dataDir, ports } = options;
  const log = options.log ?? (() => undefined);
  const progress = options.progress ?? (() => undefined);
  const stakes = options.stakes ?? DEVNET_STAKES;
  mkdirSync(dataDir, { recursive: true });
  const supervisor = new Supervisor(join(dataDir, 'logs'));
  const stoppers: (() => Promise<void>)[] = [];
  const sequencers: SequencerProcess[] = [];
  let edge: LocalEdge | null = null;
  let scheduleTimer: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearInterval(scheduleTimer);
    await edge?.stop().catch(() => undefined);
    await Promise.all(sequencers.map((sequencer) => sequencer.stop().catch(() => undefined)));
    await supervisor.stopAll();
    for (const stopper of stoppers.reverse()) await stopper().catch(() => undefined);
  };

  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    progress(what, false);
    const started = performance.now();
    const result = await work();
    progress(what, true, (performance.now() - started) / 1000);
    return result;
  };

  try {
    const l1 = await step('L1: Hardhat EDR with LockingPool, BatchChain and the sequencers’ stakes', () =>
      startDevnetL1({ dataDir, port: ports.l1, innerPort: ports.l1Inner, stakes, exitDelaySeconds: options.exitDelaySeconds ?? 120, blockIntervalMs: 2_000 }),
    );
    stoppers.push(() => l1.stop());
    if (!l1.resumed && (options.rewardReserve ?? 1_000) > 0) await fundRewardReserve(l1.url, l1.addresses, options.rewardReserve ?? 1_000);

    const prepared = await prepareHosts({
      dataDir,
      l1Url: l1.url,
      addresses: l1.addresses,
      count: stakes.length,
      ports: (index) => hostPorts(index, ports.hostBase),
      params: options.params,
      batcher: options.batcher,
      timeouts: options.timeouts,
    });
    for (const entry of prepared) sequencers.push(new SequencerProcess(supervisor, entry));

    await step(`sequencers: ${sequencers.length} × (host + CometBFT + consensus app + MPC party)`, () => Promise.all(sequencers.map((sequencer) => sequencer.start())));
    const consensus = new ConsensusClient(sequencers[0]!.queryUrl);
    await step('consensus: an active sequencer elected, L2 blocks advancing', async () => {
      let first: ConsensusStatus | null = null;
      await waitUntil('the consensus layer', async () => {
        first = await consensus.status();
        return first.height >= 1;
      }, 60_000, 200);
      const startBlock = await blockNumber(sequencers[0]!.rpcUrl);
      await waitUntil('L2 blocks', async () => (await blockNumber(sequencers[0]!.rpcUrl)) > startBlock, 60_000, 200);
      log(`active sequencer ${first!.activeSequencer}`);
    });

    const mpcAddress = await step('MPC: key generation, address registered in LockingPool and funded on L2', async () => {
      const address = await waitForMpcKey(consensus);
      await registerGenesisMpc(l1.url, l1.addresses, address);
      await fundMpcOnL2(consensus, sequencers, address);
      return address;
    });

    if (options.withEdge) {
      edge = await step('edge: wrangler dev with local D1 migrated', async () => {
        const persistTo = join(dataDir, 'edge');
        await migrateLocalD1(persistTo);
        const started = await startLocalEdge({
          port: ports.edge,
          inspectorPort: ports.edgeInspector,
          persistTo,
          vars: {
            CONSENSUS_URLS: sequencers.map((sequencer) => sequencer.queryUrl).join(','),
            L1_RPC_URL: l1.url,
            LOCKING_POOL_ADDRESS: l1.addresses.lockingPool,
            BATCH_CHAIN_ADDRESS: l1.addresses.batchChain,
            L1_START_BLOCK: String(l1.addresses.fromBlock),
            SCHEDULER_KEY: devAccount(DEVNET_ROLES.scheduler).privateKey,
            ...options.edgeVars,
          },
        });
        // The scheduled run finishes in the background (waitUntil): wait until the gateway has its routing table.
        await started.runScheduled();
        await waitUntil('the edge’s routing table', async () => (await blockNumber(started.url).catch(() => -1)) >= 0, 30_000, 250);
        return started;
      });
      const running = edge;
      scheduleTimer = setInterval(() => void running.runScheduled().catch((error: Error) => log(`edge scheduler: ${error.message}`)), options.edgeScheduleMs ?? 3_000);
    }

    return {
      dataDir,
      l1,
      addresses: l1.addresses,
      sequencers,
      edge,
      supervisor,
      resumed: l1.resumed,
      mpcAddress,
      consensus: () => new ConsensusClient((sequencers.find((sequencer) => sequencer.running) ?? sequencers[0]!).queryUrl),
      runEdgeSchedule: async () => {
        if (edge) await edge.runScheduled();
      },
      adopt: (entry) => {
        const sequencer = new SequencerProcess(supervisor, entry);
        sequencers.push(sequencer);
        return sequencer;
      },
      hostPorts: (index) => hostPorts(index, ports.hostBase),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function blockNumber(rpcUrl: string): Promise<number> {
  return Number(await rpcCall<string>(rpcUrl, 'eth_blockNumber', [], { timeoutMs: 2_000 }));
}

async function waitForMpcKey(consensus: ConsensusClient): Promise<string> {
  let address: string | null = null;
  await waitUntil('MPC key generation', async () => {
    address = (await consensus.status()).mpc.address;
    return address !== null;
  }, 90_000, 250);
  return address!;
}

/**
 * The MPC address pays L2 gas for its SequencerSet writes (node/consensus/app/sequencer-set.ts): the deployer sends
 * it 100 ETH on L2 through the active sequencer, once (a resumed devnet's MPC address has it already).
 */
async function fundMpcOnL2(consensus: ConsensusClient, sequencers: readonly SequencerProcess[], mpc: string): Promise<void> {
  await waitUntil(
    'the MPC address funded on L2',
    async () => {
      const { activeSequencer } = await consensus.status();
      const active = sequencers.find((sequencer) => sequencer.address.toLowerCase() === activeSequencer);
      if (!active) return false;
      const provider = new JsonRpcProvider(active.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      try {
        if ((await provider.getBalance(mpc)) >= parseEther('1')) return true;
        const sent = await devAccount(DEVNET_ROLES.deployer).connect(provider).sendTransaction({ to: mpc, value: parseEther('100') });
        return (await sent.wait(1, 10_000)) !== null;
      } catch {
        return false; // a rotation between the status and the send: ask again
      } finally {
        provider.destroy();
      }
    },
    60_000,
    500,
  );
}

/** LockingPool.setGenesisMpc from the governance key (devAccount 0), once; a resumed devnet already has it. */
async function registerGenesisMpc(l1Url: string, addresses: L1Addresses, mpc: string): Promise<void> {
  const provider = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const { lockingPool } = l1Contracts(addresses, new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider)));
    const current = (await lockingPool.mpcAddress()).toLowerCase();
    if (current === mpc.toLowerCase()) return;
    if (current !== ZeroAddress) throw new Error(`LockingPool already has MPC address ${current}, not ${mpc}`);
    await (await lockingPool.setGenesisMpc(mpc)).wait();
  } finally {
    provider.destroy();
  }
}

/** Mints METIS to the deployer and funds LockingPool's reward reserve, so rewards for produced blocks can be paid. */
async function fundRewardReserve(l1Url: string, addresses: L1Addresses, amount: number): Promise<void> {
  const provider = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    const { token, lockingPool } = l1Contracts(addresses, deployer);
    const value = parseEther(String(amount));
    await (await token.mint(await deployer.getAddress(), value)).wait();
    await (await token.approve(addresses.lockingPool, value)).wait();
    await (await lockingPool.fundRewards(value)).wait();
  } finally {
    provider.destroy();
  }
}

