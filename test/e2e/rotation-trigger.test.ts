import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusClient } from '../../protocol/consensus/client.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import { block, rpc, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';

/**
 * The edge's rotation scheduler on a real devnet (L1, four sequencer processes, the edge under wrangler with its
 * cron run every 2 s). The fault is injected in the real host through its operator API: the active sequencer's
 * public JSON-RPC listener is closed (connections refused) while its peer link, replication, consensus and MPC go
 * on. Its blocks keep reaching the other hosts, so no host's liveness verdict can see a fault; only the edge, which
 * watches from where users are, can. Its trigger makes each validator probe the public endpoint itself, and the
 * sequencer is replaced once more than 2/3 of the stake reports it unreachable.
 */

describe('end to end: the edge triggers a rotation of a sequencer users cannot reach', () => {
  let devnet: E2eDevnet;
  let consensus: ConsensusClient;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ withEdge: true, edgeScheduleMs: 2_000, params: { epochLength: 1_000, electionLeadBlocks: 4 } });
    consensus = devnet.consensus();
  }, 240_000);

  afterAll(async () => {
    await devnet?.cleanup();
  }, 60_000);

  const operator = async (sequencer: SequencerProcess, path: string, body: unknown): Promise<Response> => {
    const config = JSON.parse(readFileSync(sequencer.prepared.configFile, 'utf8')) as { host: { operator: { token: string } } };
    return fetch(`http://127.0.0.1:${sequencer.prepared.ports.operator}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.host.operator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };

  it('public RPC down, peer link up: the edge triggers, the validators confirm by probing, the sequencer is replaced', async () => {
    const before = await consensus.status();
    const target = devnet.sequencers.find((sequencer) => sequencer.address.toLowerCase() === before.activeSequencer.toLowerCase())!;
    const witness = devnet.sequencers.find((sequencer) => sequencer !== target)!;
    expect((await consensus.rotations({ limit: 100 })).items.filter((rotation) => rotation.reason === 'liveness')).toEqual([]);

    const refused = await operator(target, '/faults/public-rpc', { up: 'no' });
    expect(refused.status).toBe(400);
    const down = await operator(target, '/faults/public-rpc', { up: false });
    expect(await down.json()).toEqual({ up: false });
    const downAt = Date.now();
    await expect(rpc(target.rpcUrl, 'eth_blockNumber')).rejects.toThrow();

    // Peer link up: blocks the target seals after its public RPC went down still reach another host.
    const headThen = Number(await rpc<string>(witness.rpcUrl, 'eth_blockNumber'));
    const replicated = await waitFor(
      'a block sealed by the target, replicated to another host',
      async () => {
        const latest = await block(witness.rpcUrl, 'latest');
        return latest && Number(latest.number) > headThen && latest.miner.toLowerCase() === target.address.toLowerCase() ? latest : undefined;
      },
      30_000,
      200,
    );

    const rotation = await waitFor(
      'a rotation away from the unreachable sequencer',
      async () => (await consensus.rotations({ limit: 100 })).items.find((candidate) => candidate.from === before.activeSequencer && candidate.epoch > before.epoch.number),
      90_000,
      500,
    );
    console.log(`rotation trigger: ${target.address} replaced ${Date.now() - downAt} ms after its public RPC went down (rotation reason ${rotation.reason}, new sequencer from L2 block ${rotation.l2StartBlock})`);
    expect(rotation.reason).toBe('liveness');
    expect(rotation.to).not.toBe(before.activeSequencer);
    // It was producing (and replicating) when it was replaced: the rotation came from the probes, not from silence.
    expect(Number(replicated.number)).toBeLessThan(rotation.l2StartBlock + 1);
    // Every validator's host probed the public endpoint itself after the trigger; none judged it silent.
    const target_ = target.address.toLowerCase();
    for (const sequencer of devnet.sequencers) {
      const log = await waitFor(`host ${sequencer.index} logged its probe`, () => {
        const text = readFileSync(sequencer.process!.logFile, 'utf8');
        return text.includes(`trigger: sequencer ${target_} of epoch ${before.epoch.number}: public RPC ${target.rpcUrl} unreachable`) ? text : undefined;
      }, 10_000, 200);
      expect(log).not.toContain(`liveness: sequencer ${target_} of epoch ${before.epoch.number} is dead`);
    }
    // The chain goes on under the new sequencer.
    await waitFor('L2 progress under the new sequencer', async () => {
      const latest = await block(witness.rpcUrl, 'latest');
      return latest && Number(latest.number) > rotation.l2StartBlock && latest.miner.toLowerCase() === rotation.to ? latest : undefined;
    }, 30_000, 200);

    const up = await operator(target, '/faults/public-rpc', { up: true });
    expect(await up.json()).toEqual({ up: true });
    expect(Number(await rpc<string>(target.rpcUrl, 'eth_blockNumber'))).toBeGreaterThan(0);
  }, 180_000);
});
