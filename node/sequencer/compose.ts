import { mkdirSync } from 'node:fs';
import type { Hex } from '../encoding/hex.ts';
import { openNativeEngine } from '../host/engine/native-engine.ts';
import { ConsensusClient } from '../consensus/client/client.ts';
import { AppTxSender } from '../consensus/client/tx-sender.ts';
import { L1Watcher } from '../consensus/l1/watcher.ts';
import { startConsensusNode, type ConsensusNode } from '../consensus/node.ts';
import { startHost, type Host } from '../host/host.ts';
import { MpcParty } from '../mpc/party.ts';
import { ShareStore, shareKeyFromEnv } from '../mpc/share-store.ts';
import type { MpcTransport } from '../mpc/transport.ts';
import { mpcTransportOverPeers } from '../mpc/mpc-channel.ts';
import { RpcCallError, rpcCall } from '../net/rpc-call.ts';
import { startCometProcess, type CometProcess } from './comet-process.ts';
import { cometRpcUrlOf, hostConfigOf, queryUrlOf, type SequencerConfig } from './config.ts';
import { DeferredBatchSigner } from './deferred-signer.ts';
import { replicaOf, startDuties, type Duties } from './duties/index.ts';
import { followConsensus } from './follow-consensus.ts';
import { LivenessMonitor } from './liveness.ts';
import { HostObserver } from './observer.ts';
import { holdUntilConsensusSynced } from './sync-gate.ts';
import { ProductionHolds } from './holds.ts';

export interface Sequencer {
  readonly address: string;
  readonly host: Host;
  readonly consensus: ConsensusNode;
  readonly comet: CometProcess;
  readonly mpc: MpcParty;
  /** Signs and submits this sequencer's app txs (the MPC duties' reports and requests go through it). */
  readonly txs: AppTxSender;
  readonly observer: HostObserver;
  readonly duties: Duties;
  readonly queryUrl: string;
  stop(): Promise<void>;
}

export interface StartSequencerOptions {
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** CometBFT exited while the sequencer was running (the process should exit: the validator is gone). */
  onCometExit?: (code: number | string) => void;
}

/**
 * One sequencer: its consensus node (ABCI app + query API, in this process) and host come up first, then its
 * CometBFT child (which connects to the ABCI socket and replays what the app lacks), then its MPC party on the
 * host's peer port and the MPC duties. The host follows the consensus layer: it produces only the heights it was
 * elected for and verifies every peer block against the sequencer elected for that height.
 */
export async function startSequencer(config: SequencerConfig, options: StartSequencerOptions = {}): Promise<Sequencer> {
  const log = options.log ?? ((message: string) => console.log(message));
  const env = options.env ?? process.env;
  for (const dir of [config.dataDir, config.consensus.appDir, config.mpc.dir]) mkdirSync(dir, { recursive: true });
  const hostConfig = hostConfigOf(config);
  const queryUrl = queryUrlOf(config);
  const cleanup: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  };

  try {
    const watcher = new L1Watcher({ url: config.l1.url, lockingPool: config.l1.lockingPool, fromBlock: config.l1.fromBlock });
    watcher.start(config.l1.pollMs);
    cleanup.push(() => watcher.stop());

    let consensus: ConsensusNode | null = null;
    const observer = new HostObserver({
      l1: watcher,
      punished: () => new Set(consensus?.app.view?.state.punished ?? []),
      // A sequencer whose peer link has been down 200 ms (a crashed process drops it at once) is dead after 300 ms
      // without a block (liveness.ts); the consensus layer acts only when hosts holding >2/3 of stake say so.
      liveness: new LivenessMonitor({ fastSilenceMs: 300, linkDownMs: 200 }),
      log: (message) => log(`[sequencer] ${message}`),
    });
    cleanup.push(() => observer.close());
    consensus = await startConsensusNode({
      cometHome: config.consensus.home,
      dataDir: config.consensus.appDir,
      abciPort: config.consensus.abciPort,
      queryPort: config.consensus.queryPort,
      cometRpcUrl: cometRpcUrlOf(config),
      observer,
      retainBlocks: config.consensus.retainBlocks,
      onError: (error) => log(`[consensus] ${error.message}`),
    });
    const consensusNode = consensus;
    cleanup.push(() => consensusNode.stop());

    const deferred = new DeferredBatchSigner();
    const host = await startHost(hostConfig, { openEngine: openNativeEngine, batchSigner: deferred, log: (message) => log(`[host] ${message}`) });
    cleanup.push(() => host.stop());
    observer.attach(host);
    // Attached at once: MPC messages that arrive before the party exists wait instead of being dropped.
    const mpcTransport = bufferedTransport(mpcTransportOverPeers(host.network));

    const holds = new ProductionHolds(host, (message) => log(`[sequencer] ${message}`));
    const gate = holdUntilConsensusSynced({
      holds,
      cometRpcUrl: cometRpcUrlOf(config),
      appHeight: () => consensusNode.app.view?.state.height ?? 0,
      log: (message) => log(`[sequencer] ${message}`),
    });
    cleanup.push(() => gate.cancel());
    const comet = await startCometProcess({ home: config.consensus.home, rpcPort: config.consensus.cometRpcPort });
    let stopping = false;
    void comet.exited.then((code) => {
      if (stopping) return;
      log(`[cometbft] exited unexpectedly (${code}); see ${config.consensus.home}/cometbft.log`);
      options.onCometExit?.(code);
    });
    cleanup.push(() => comet.stop());

    const stopFollowing = followConsensus({ consensus: consensusNode, host, peerConfig: hostConfig.peer, holds, log: (message) => log(`[sequencer] ${message}`) });
    cleanup.push(stopFollowing);

    const mpc = await MpcParty.open({
      nodeKey: config.nodeKey,
      transport: mpcTransport,
      store: new ShareStore(config.mpc.dir, host.address, shareKeyFromEnv(env)),
      network: host.engine.chainId.toString(),
      // The configured peers too: at genesis a peer's keygen messages may come before our app has any state.
      knownPeers: () => [...hostConfig.peer.peers.map((peer) => peer.address), ...(consensusNode.app.view?.state.validators ?? []).map((validator) => validator.address)],
    });
    cleanup.push(() => mpc.close());
    let drops = 0;
    mpc.onDrop((reason, detail, from) => {
      if (++drops <= 20) log(`[mpc] dropped a message from ${from ?? 'unknown'}: ${reason} (${detail})${drops === 20 ? '; further drops are only counted' : ''}`);
    });

    const consensusClient = new ConsensusClient(queryUrl);
    const txs = new AppTxSender({ consensus: consensusClient, key: config.nodeKey });

    // A keygen needs every party: MPC messages sent before the peer links are up would be lost.
    await waitForPeers(host, hostConfig.peer.peers.length, 15_000);

    const duties = startDuties({
      address: host.address,
      nodeKey: config.nodeKey,
      mpc,
      consensus: consensusClient,
      queryUrl,
      submitTx: (type, payload) => txs.send(type, payload as never),
      replica: replicaOf(host.engine, host.heads),
      l1: { url: config.l1.url, lockingPool: config.l1.lockingPool, batchChain: config.l1.batchChain, relayerKey: config.l1.relayerKey },
      l2: {
        isActive: () => host.isActive() && !host.paused,
        nonceOf: (address) => host.engine.getAccount(address, host.engine.latestNumber()).nonce,
        submitRaw: (raw) => sendRawTransaction(host.rpcUrl, raw),
      },
      log: (message) => log(`[duties] ${message}`),
    });
    deferred.set(duties.batchSigner);
    cleanup.push(() => duties.stop());

    return {
      address: host.address,
      host,
      consensus: consensusNode,
      comet,
      mpc,
      txs,
      observer,
      duties,
      queryUrl,
      stop: async () => {
        stopping = true;
        gate.cancel();
        // CometBFT before the app it calls; the host is independent of both.
        await duties.stop().catch((error: Error) => log(`[duties] stop: ${error.message}`));
        await mpc.close();
        stopFollowing();
        await comet.stop();
        await host.stop();
        await consensusNode.stop();
        observer.close();
        await watcher.stop();
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/** Resolves once `count` peers are connected (or after `timeoutMs`: a peer that is down must not block this host). */
async function waitForPeers(host: Host, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (host.network.status().filter((peer) => peer.connected).length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Holds incoming messages until a handler is attached (at most `limit`, oldest dropped first), then delivers them. */
function bufferedTransport(inner: MpcTransport, limit = 10_000): MpcTransport {
  let handler: ((message: string) => void) | null = null;
  const waiting: string[] = [];
  inner.onMessage((message) => {
    if (handler) return handler(message);
    waiting.push(message);
    if (waiting.length > limit) waiting.shift();
  });
  return {
    send: (to, message) => inner.send(to, message),
    broadcast: (message) => inner.broadcast(message),
    onMessage(next) {
      handler = next;
      for (const message of waiting.splice(0)) next(message);
    },
    close: () => inner.close(),
  };
}

/** eth_sendRawTransaction on this host's own RPC (the path every transaction takes); the error text, or null. */
async function sendRawTransaction(rpcUrl: string, raw: Hex): Promise<string | null> {
  try {
    await rpcCall(rpcUrl, 'eth_sendRawTransaction', [raw]);
    return null;
  } catch (error) {
    if (error instanceof RpcCallError) return error.reason;
    throw error;
  }
}
