import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsensusClient } from '../../../node/consensus/client/client.ts';
import type { ConsensusStatus } from '../../../protocol/consensus/query.ts';
import { openLocalnet } from '../../../node/tools/localnet/localnet.ts';
import { MemoryObserver } from '../../../node/consensus/abci/observer.ts';
import { signTx } from '../../../node/consensus/app/txs.ts';
import { L2Driver } from './l2-driver.ts';
import { signerKey, startTestNet, waitFor, type TestNet } from './support.ts';

/**
 * Four real CometBFT v0.38.25 validators on loopback, each with this app behind its ABCI socket. The L2 chain is
 * simulated (L2Driver) because hosts do not exist yet; everything else is real.
 */
describe('4-validator CometBFT localnet', () => {
  let net: TestNet;
  let driver: L2Driver;
  let clients: ConsensusClient[];
  const CHAIN = 'consensus-localnet';
  const nonces = new Map<number, number>();
  const send = async (index: number, type: string, payload: unknown, via = 0) => {
    const nonce = nonces.get(index) ?? 0;
    const result = await clients[via]!.submitTx(signTx(signerKey(index), { chainId: CHAIN, type, nonce, payload } as never));
    if (result.code === 0) nonces.set(index, nonce + 1);
    return result;
  };
  const status = (index = 0): Promise<ConsensusStatus> => clients[index]!.status();
  /** Every node has committed `height`, so what one node's state showed, the others' state holds too. */
  const caughtUp = async (height: number) => {
    for (const [index] of clients.entries()) await waitFor(`node ${index} at height ${height}`, async () => (await status(index)).height >= height);
  };

  beforeAll(async () => {
    net = await startTestNet({ chainId: CHAIN });
    clients = Array.from({ length: 4 }, (_, index) => new ConsensusClient(net.localnet.queryUrl(index)));
    driver = new L2Driver(net.observers, () => net.localnet.app(0)?.app.view?.state);
    driver.start();
    await waitFor('first blocks', async () => (await status()).height >= 2, 30_000);
  });

  afterAll(async () => {
    driver?.stop();
    await net?.cleanup();
  });

  it('rotates the sequencer every epoch, and every node agrees on the schedule', async () => {
    const changes: string[] = [];
    const wsUrl = `${net.localnet.rpcUrl(1).replace('http', 'ws')}/websocket`;
    const unsubscribe = clients[1]!.subscribe((change) => changes.push(`${change.kind}:${change.status.epoch.number}`), { cometWsUrl: wsUrl });
    await waitFor('three epoch rotations', async () => (await clients[0]!.rotations()).items.filter((rotation) => rotation.reason === 'epoch').length >= 3, 30_000);
    unsubscribe();
    // The subscriber saw the rotations as they were committed (CometBFT NewBlock over its websocket).
    expect(changes.filter((change) => change.startsWith('epoch:')).length).toBeGreaterThanOrEqual(2);
    expect(changes.filter((change) => change.startsWith('height:')).length).toBeGreaterThan(5);
    const epochs = (await clients[0]!.epochs({ limit: 100 })).items;
    for (let index = 1; index < epochs.length; index++) expect(epochs[index]!.firstBlock).toBe(epochs[index - 1]!.lastBlock + 1);
    const first = epochs.slice(0, 3);
    for (const client of clients.slice(1)) expect((await client.epochs({ limit: 3 })).items).toEqual(first);
    const s = await status();
    expect(s.l2.latest).toBeGreaterThanOrEqual(40);
    expect(s.l2.safe).toBeGreaterThan(0);
    await caughtUp(s.height);
    expect(await clients[2]!.sequencerFor(s.epoch.firstBlock)).toEqual({ l2Block: s.epoch.firstBlock, sequencer: s.epoch.sequencer, epoch: s.epoch.number });
  });

  it('refuses a vote from an address with no stake (CheckTx error, clear log)', async () => {
    const stakeless = new Wallet(signerKey(99));
    const result = await clients[1]!.submitTx(signTx(stakeless, { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 1, option: 'yes' } }));
    expect(result.code).toBe(5);
    expect(result.log).toMatch(/has no stake/);
  });

  it('a proposal passes and changes the epoch length at the stated height', async () => {
    expect((await send(0, 'propose', { kind: 'params', change: { epochLength: 30 } })).code).toBe(0);
    const proposal = await waitFor('proposal on chain', async () => (await clients[0]!.proposals()).items[0]);
    // Each vote goes through the voter's own node, whose CheckTx must already know the proposal.
    await caughtUp((await status()).height);
    for (const index of [0, 1, 2]) expect((await send(index, 'vote', { proposalId: proposal.id, option: 'yes' }, index)).code).toBe(0);
    const executed = await waitFor('proposal executed', async () => {
      const current = await clients[3]!.proposal(proposal.id);
      return current.status === 'executed' ? current : undefined;
    });
    expect(executed.tally.yes).toBe(80_000);
    expect(executed.votes).toHaveLength(3);
    const after = await status(3);
    expect(after.height).toBeGreaterThanOrEqual(executed.effectiveHeight);
    expect(after.params.epochLength).toBe(30);
    // Epochs elected before the effective height keep 20 blocks, those elected at or after it have 30.
    const elected = await waitFor('an epoch elected after the change', async () => {
      const epochs = (await clients[3]!.epochs({ limit: 100 })).items;
      return epochs.find((epoch) => epoch.startedAtHeight > executed.effectiveHeight);
    }, 30_000);
    expect(elected.lastBlock - elected.firstBlock + 1).toBe(30);
    const before = (await clients[3]!.epochs({ limit: 100 })).items.filter((epoch) => epoch.startedAtHeight < executed.effectiveHeight && epoch.reason === 'epoch');
    for (const epoch of before) expect(epoch.lastBlock - epoch.firstBlock + 1).toBe(20);
  });

  it('replaces the active sequencer when the others report its host dead', async () => {
    const before = await status();
    const dead = before.epoch.sequencer;
    const reportedAt = Date.now();
    driver.kill(dead, before.epoch.number);
    const replaced = await waitFor('replacement elected', async () => {
      const current = await status();
      return current.epoch.number > before.epoch.number && current.epoch.reason === 'liveness' ? current : undefined;
    }, 20_000, 20);
    const elapsed = Date.now() - reportedAt;
    console.log(`failover: successor elected ${elapsed} ms after the dead report (${replaced.height - before.height} consensus blocks)`);
    expect(replaced.activeSequencer).not.toBe(dead);
    const rotation = (await clients[0]!.rotations({ limit: 100 })).items.at(-1)!;
    expect(rotation).toMatchObject({ from: dead, to: replaced.activeSequencer, reason: 'liveness', l2StartBlock: replaced.epoch.firstBlock });
    const validators = await clients[0]!.validators();
    expect(validators.find((validator) => validator.address === dead)!.coolDownUntilEpoch).toBeGreaterThan(replaced.epoch.number);
    // The L2 goes on from the cut under the new sequencer.
    await waitFor('L2 progress after failover', async () => (await status()).l2.latest > replaced.epoch.firstBlock + 2);
    driver.revive(dead);
  });

  it('keeps going with one validator killed (kill -9), and the killed node catches up after restart', async () => {
    const before = await status();
    await net.localnet.killComet(3);
    await waitFor('5 more blocks without validator 3', async () => (await status()).height >= before.height + 5, 20_000);
    net.localnet.startComet(3);
    const target = (await status()).height;
    await waitFor('validator 3 caught up', async () => (await status(3)).height >= target, 30_000);
  });

  it('restarting the whole localnet resumes from the stored state', async () => {
    driver.stop();
    const before = await status();
    await net.localnet.stop();
    const reopened = openLocalnet(net.dir);
    const observers = net.observers.map((old) => {
      const observer = new MemoryObserver();
      if (old.head) observer.setHead(old.head.number, old.head.hash);
      return observer;
    });
    net.localnet = reopened;
    net.observers.splice(0, 4, ...observers);
    await reopened.start(observers);
    const stored = reopened.app(0)!.app.view!;
    expect(stored.state.height).toBeGreaterThanOrEqual(before.height);
    expect(stored.state.epochs.slice(0, 3)).toEqual((await clients[0]!.epochs({ limit: 3 })).items);
    await waitFor('blocks after restart', async () => (await status()).height >= stored.state.height + 3, 30_000);
    const resumed = await status();
    expect(resumed.epoch.number).toBeGreaterThanOrEqual(before.epoch.number);
    expect((await clients[0]!.proposals()).items[0]!.status).toBe('executed');
  });
});
