/**
 * A small real network for the MPC duties: an EDR L1 with the contracts and four sequencers' stake
 * (bootstrapL1), a 4-validator CometBFT localnet whose genesis is read from LockingPool and whose validators
 * watch L1 (L1Watcher), one MpcParty per sequencer (plus a fifth, idle until it joins) on loopback WebSockets,
 * and a real native chain per sequencer as its replica: sequencer 0's chain produces the blocks, the others
 * verify and apply them. The L2 head every validator reports comes from its own chain.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, parseEther, parseUnits, Wallet } from 'ethers';
import { Batcher } from '../../../../node/host/batcher/batcher.ts';
import type { BatchSigner } from '../../../../node/host/batcher/batch-signer.ts';
import { BatchStore } from '../../../../node/host/batcher/batch-store.ts';
import { nativeMerkle } from '../../../../node/host/batcher/merkle.ts';
import type { ExecutionEngine, SealedBlock } from '../../../../node/host/engine/engine.ts';
import { Heads } from '../../../../node/host/engine/heads.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../../node/host/engine/native-engine.ts';
import type { Address } from '../../../../protocol/consensus/types.ts';
import { ConsensusClient } from '../../../../node/consensus/client/client.ts';
import type { L1Watcher } from '../../../../node/consensus/l1/watcher.ts';
import type { Localnet } from '../../../../node/tools/localnet/localnet.ts';
import type { MemoryObserver } from '../../../../node/consensus/abci/observer.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys } from '../../../../node/tools/devnet/accounts.ts';
import { bootstrapL1, l1Contracts, type L1Addresses } from '../../../../node/tools/devnet/l1-bootstrap.ts';
import { contractAt, type BatchChainContract, type LockingPoolContract, type MetisTokenContract } from '../../../../node/l1/deploy.ts';
import type { L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { BatchChainSubmitter } from '../../../../node/l1/submitter.ts';
import { MpcParty } from '../../../../node/mpc/party.ts';
import { ShareStore } from '../../../../node/mpc/share-store.ts';
import { WsMpcTransport } from '../../../../node/mpc/ws-transport.ts';
import { startDuties, type Duties, type DutyTiming, type ReplicaView } from '../../../../node/sequencer/duties/index.ts';
import { lockingPoolLocalnet, lockingPoolObservers } from '../../consensus/l1-localnet.ts';
import { testGenesis } from '../../host/harness.ts';
import { startTestL1 } from '../../../support/l1.ts';

export const STAKES = [30_000, 25_000, 25_000, 20_000];
export const JOINER_STAKE = 20_000;
export const EPOCH_LENGTH = 4;
const L2_CHAIN = '901';
const TIMEOUTS = { hello: 1_500, sign: 5_000, presign: 8_000, keygen: 15_000, reshare: 15_000 };
export const TIMING: Partial<DutyTiming> = { pollMs: 150, replicaWaitMs: 10_000, batchSignTimeoutMs: 45_000, relayFallbackMs: 1_500, relayDeadlineMs: 30_000, presignatures: 2 };

/** A replica the test can point elsewhere (a host that went onto a fork and came back); safe as `heads` says. */
export class SwitchableReplica implements ReplicaView {
  current: Pick<ReplicaView, 'sealedBlock' | 'latestNumber'>;
  private readonly heads: Heads;
  constructor(current: Pick<ReplicaView, 'sealedBlock' | 'latestNumber'>, heads: Heads) {
    this.current = current;
    this.heads = heads;
  }
  sealedBlock(number: bigint): SealedBlock | null {
    return this.current.sealedBlock(number);
  }
  latestNumber(): bigint {
    return this.current.latestNumber();
  }
  safeNumber(): bigint {
    return this.heads.safe;
  }
}

export interface Sequencer {
  index: number;
  address: Address;
  signerKey: Hex;
  relayer: Wallet;
  engine: ExecutionEngine;
  replica: SwitchableReplica;
  transport: WsMpcTransport;
  mpc: MpcParty;
  duties: Duties;
  logs: string[];
}

export interface DutyNet {
  dir: string;
  l1: L1Node;
  addresses: L1Addresses;
  provider: JsonRpcProvider;
  pool: LockingPoolContract;
  batchChain: BatchChainContract;
  localnet: Localnet;
  observers: MemoryObserver[];
  watchers: L1Watcher[];
  clients: ConsensusClient[];
  /** Index 0..3 are validators from genesis; index 4 is the joiner (locks stake during the test). */
  sequencers: Sequencer[];
  heads: Heads;
  batcher: Batcher;
  batchStore: BatchStore;
  /** The sequencer the consensus layer elected for L2 block `n`. */
  requesterOf(lastBlock: bigint): Promise<Sequencer>;
  /** Produces one L2 block on sequencer 0's chain from `txs` transfers and has every replica apply it. */
  produce(txs: number, options?: { skip?: number[] }): Promise<SealedBlock>;
  /** A signed EIP-1559 transfer by dev account `from` (own nonce counter). */
  transfer(from: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function startDutyNet(): Promise<DutyNet> {
  const dir = await mkdtemp(join(tmpdir(), 'duties-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    const l1 = await startTestL1();
    cleanups.push(() => l1.stop());
    const addresses = await bootstrapL1({ url: l1.url, stakes: STAKES, exitDelaySeconds: 60 });
    const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
    cleanups.push(() => provider.destroy());
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    const governance = l1Contracts(addresses, deployer);
    // Rewards are paid from a funded reserve; the joiner's owner is whitelisted and holds its stake.
    const reserve = parseEther('100');
    await (await governance.token.mint(await deployer.getAddress(), reserve)).wait();
    await (await governance.token.approve(addresses.lockingPool, reserve)).wait();
    await (await governance.lockingPool.fundRewards(reserve)).wait();
    const joiner = sequencerKeys(4);
    await (await governance.lockingPool.setWhitelist(joiner.owner.address, true)).wait();
    await (await governance.token.mint(joiner.owner.address, parseEther(String(JOINER_STAKE)))).wait();

    const pool = { url: l1.url, addresses };
    const localnet = await lockingPoolLocalnet(pool, {
      dir: join(dir, 'localnet'),
      chainId: 'duties-test',
      count: STAKES.length,
      l2ChainId: Number(L2_CHAIN),
      params: { epochLength: EPOCH_LENGTH, livenessTimeoutMs: 600_000, l1Confirmations: 0, govVotingPeriod: 10 },
    });
    const { observers, watchers, stop: stopWatchers } = lockingPoolObservers(pool, STAKES.length);
    cleanups.push(stopWatchers);
    await localnet.start(observers, (error) => console.error('consensus app error', error));
    cleanups.push(() => localnet.stop());
    const clients = STAKES.map((_, index) => new ConsensusClient(localnet.queryUrl(index)));

    const genesis = testGenesis();
    // The producer's heads; every replica holds each block the moment it is produced, so they share one safe head.
    const heads = new Heads(0n);
    const sequencers: Sequencer[] = [];
    const allSigners = [0, 1, 2, 3, 4].map((index) => sequencerKeys(index).signer.address.toLowerCase());
    for (let index = 0; index < 5; index++) {
      const keys = sequencerKeys(index);
      const address = keys.signer.address.toLowerCase() as Address;
      const engine: ExecutionEngine = openNativeEngine(join(dir, `chain${index}`), genesis);
      const transport = await WsMpcTransport.listen({ host: '127.0.0.1', port: 0 });
      const mpc = await MpcParty.open({
        nodeKey: keys.signer.privateKey,
        transport,
        store: new ShareStore(join(dir, `mpc${index}`), address, Buffer.alloc(32, index + 1)),
        network: L2_CHAIN,
        timeouts: TIMEOUTS,
        knownPeers: () => allSigners,
      });
      cleanups.push(async () => {
        await mpc.close();
        await transport.close();
      });
      const logs: string[] = [];
      const replica = new SwitchableReplica(engine, heads);
      const relayer = new Wallet(devAccount(10 + index).privateKey, provider);
      const duties = startDuties({
        address,
        nodeKey: keys.signer.privateKey as Hex,
        mpc,
        // The joiner has no consensus node of its own here: it uses validator 0's query API.
        consensus: clients[index < STAKES.length ? index : 0]!,
        replica,
        l1: { url: l1.url, lockingPool: addresses.lockingPool as Hex, batchChain: addresses.batchChain as Hex, relayerKey: relayer.privateKey as Hex },
        log: (line) => logs.push(line),
        timing: TIMING,
      });
      cleanups.push(() => duties.stop());
      sequencers.push({ index, address, signerKey: keys.signer.privateKey as Hex, relayer, engine, replica, transport, mpc, duties, logs });
    }
    for (const a of sequencers) for (const b of sequencers) if (a !== b) a.transport.setPeer(b.address, b.transport.url);

    // The real batcher over sequencer 0's chain (every honest replica holds the same blocks). The app accepts a
    // batch signing request only from the active sequencer or the one that produced the batch's last block, so
    // each batch is requested through that sequencer's duties, as its own host's batcher would.
    const producer = sequencers[0]!;
    const requesterOf = async (lastBlock: bigint) => {
      const elected = await clients[0]!.sequencerFor(Number(lastBlock));
      const requester = sequencers.find((sequencer) => sequencer.address === elected?.sequencer);
      if (!requester) throw new Error(`nobody is elected for L2 block ${lastBlock}`);
      return requester;
    };
    const batchSigner: BatchSigner = { kind: 'mpc', sign: async (request) => (await requesterOf(request.header.lastBlock)).duties.batchSigner.sign(request) };
    const batchStore = await BatchStore.open(join(dir, 'batcher'));
    const batcher = new Batcher({
      engine: producer.engine,
      heads,
      store: batchStore,
      signer: batchSigner,
      l1: new BatchChainSubmitter(addresses.batchChain, new Wallet(devAccount(15).privateKey, provider)),
      merkle: nativeMerkle,
      config: { maxBatchTxs: 10_000, maxBatchBlocks: 100, maxBatchAgeMs: 0, l1Confirmations: 1, pollMs: 1_000 },
      shouldSubmit: () => true,
      now: () => Date.now(),
      log: (line) => producer.logs.push(`batcher: ${line}`),
    });

    const nonces = new Map<number, number>();
    const transfer = async (from: number) => {
      const nonce = nonces.get(from) ?? 0;
      nonces.set(from, nonce + 1);
      const wallet = devAccount(from);
      const signed = await wallet.signTransaction({
        type: 2,
        chainId: BigInt(L2_CHAIN),
        nonce,
        to: devAccount(9).address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: parseUnits('3', 'gwei'),
        maxPriorityFeePerGas: 1n,
      });
      return Buffer.from(signed.slice(2), 'hex');
    };
    // An hour back, so a long run of one-second steps never passes the followers' clock plus the allowed drift.
    let timestamp = BigInt(Math.floor(Date.now() / 1000)) - 3600n;
    const produce = async (txs: number, options: { skip?: number[] } = {}) => {
      const raws: Uint8Array[] = [];
      for (let i = 0; i < txs; i++) raws.push(await transfer(1 + (i % 3)));
      const number = producer.engine.latestNumber() + 1n;
      const executed = await producer.engine.executeBlock({ number, timestamp: timestamp++, beneficiary: producer.address, gasLimit: 0n }, raws);
      if (executed.receipts.length !== txs) throw new Error(`block ${number}: ${executed.rejected.map((r) => r.reason).join('; ')}`);
      for (const follower of sequencers.slice(1)) {
        if (options.skip?.includes(follower.index)) continue;
        const outcome = await follower.engine.verifyAndApply(executed.sealed);
        if (!outcome.ok) throw new Error(`sequencer ${follower.index} refused block ${number}: ${outcome.reason}`);
      }
      heads.setLatest(number);
      heads.setSafe(number);
      observers.forEach((observer, index) => {
        if (!options.skip?.includes(index)) observer.setHead(Number(number), executed.sealed.hash);
      });
      return executed.sealed;
    };

    return {
      dir,
      l1,
      addresses,
      provider,
      pool: contractAt<LockingPoolContract>('LockingPool', addresses.lockingPool, provider),
      batchChain: contractAt<BatchChainContract>('BatchChain', addresses.batchChain, provider),
      localnet,
      observers,
      watchers,
      clients,
      sequencers,
      heads,
      batcher,
      batchStore,
      requesterOf,
      produce,
      transfer,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The METIS token as `owner` (for the joiner's lock). */
export function tokenAs(net: DutyNet, owner: Wallet | NonceManager): MetisTokenContract {
  return contractAt<MetisTokenContract>('MetisToken', net.addresses.token, owner);
}
