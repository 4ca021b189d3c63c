import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockWatch } from './block-watch.ts';
import { listenersOf, processTree } from './listeners.ts';
import { block, rpc, startE2eDevnet, waitFor, type E2eDevnet, waitForEpochStart } from './support.ts';
import { isListening } from '../../node/sequencer/comet-process.ts';

/**
 * Four sequencers as if on four machines: sequencer i binds every listener (JSON-RPC, operator API, peer port, ABCI
 * socket, consensus query API, CometBFT P2P and RPC) on its own address 127.0.0.(11 + i) only, and the others know it
 * only by that advertised address (peer URLs, CometBFT persistent_peers and external_address, the validators' URLs).
 */

describe('a devnet whose sequencers each have their own address', () => {
  let devnet: E2eDevnet;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ addresses: 'separate', params: { epochLength: 12, electionLeadBlocks: 4 } });
  }, 240_000);

  afterAll(async () => {
    await devnet?.cleanup();
  }, 60_000);

  it('each sequencer (and its CometBFT) listens on its seven ports at its own address and nowhere else', async () => {
    for (const sequencer of devnet.sequencers) {
      const own = devnet.hostAddress(sequencer.index);
      expect(own).toBe(`127.0.0.${11 + sequencer.index}`);
      expect(new URL(sequencer.rpcUrl).hostname).toBe(own);
      const ports = sequencer.prepared.ports;
      const listeners = listenersOf(processTree(sequencer.pid!));
      expect(listeners.filter((listener) => listener.address !== own)).toEqual([]);
      const wanted = [ports.rpc, ports.operator, ports.peer, ports.abci, ports.query, ports.cometP2p, ports.cometRpc];
      expect(new Set(listeners.map((listener) => listener.port))).toEqual(new Set(wanted));
      // Nothing of it answers on the shared loopback address, nor on another sequencer's.
      const elsewhere = devnet.hostAddress((sequencer.index + 1) % devnet.sequencers.length);
      for (const port of wanted) {
        expect(await isListening('127.0.0.1', port)).toBe(false);
        expect(await isListening(elsewhere, port)).toBe(false);
      }
    }
  });

  it('the consensus layer knows each sequencer by its advertised address; L2 blocks advance and replicate; the MPC key exists', async () => {
    const validators = await devnet.consensus().validators();
    expect(validators.length).toBe(devnet.sequencers.length);
    const byAddress = new Map(devnet.sequencers.map((sequencer) => [sequencer.address, devnet.hostAddress(sequencer.index)]));
    for (const validator of validators) {
      expect(new URL(validator.peerUrl).hostname).toBe(byAddress.get(validator.address));
      expect(new URL(validator.rpcUrl).hostname).toBe(byAddress.get(validator.address));
    }
    expect(devnet.mpcAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const start = Number(await rpc<string>(devnet.sequencers[0]!.rpcUrl, 'eth_blockNumber'));
    const target = start + 3;
    for (const sequencer of devnet.sequencers) {
      await waitFor(`block ${target} on sequencer ${sequencer.index}`, async () => Number(await rpc<string>(sequencer.rpcUrl, 'eth_blockNumber')) >= target, 30_000, 200);
    }
    const hashes = await Promise.all(devnet.sequencers.map(async (sequencer) => (await block(sequencer.rpcUrl, target))!.hash));
    expect(new Set(hashes).size).toBe(1);
  }, 90_000);

  it('kill -9 of the active sequencer: another one takes over, and the survivors agree on the blocks after it', async () => {
    // Kill early in an epoch, so the successor comes from the failover and not from the regular rotation.
    const status = await waitForEpochStart(devnet);
    const victim = devnet.sequencers.find((sequencer) => sequencer.address === status.activeSequencer)!;
    const survivors = devnet.sequencers.filter((sequencer) => sequencer !== victim);
    const watch = new BlockWatch(survivors[0]!.rpcUrl);
    watch.start();
    try {
      await waitFor('a block of the active sequencer', () => watch.lastBy(victim.address), 20_000, 50);
      await victim.kill();
      const { first: successor } = await waitFor('a block from another sequencer', () => watch.handover(victim.address), 45_000, 50);
      expect(successor.miner.toLowerCase()).not.toBe(victim.address.toLowerCase());
      const target = successor.number + 2;
      for (const sequencer of survivors) {
        await waitFor(`block ${target} on sequencer ${sequencer.index}`, async () => Number(await rpc<string>(sequencer.rpcUrl, 'eth_blockNumber')) >= target, 30_000, 200);
      }
      const hashes = await Promise.all(survivors.map(async (sequencer) => (await block(sequencer.rpcUrl, target))!.hash));
      expect(new Set(hashes).size).toBe(1);
    } finally {
      watch.stop();
    }
  }, 90_000);
});
