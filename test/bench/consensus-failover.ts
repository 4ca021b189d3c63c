/**
 * Consensus layer timing on a real 4-validator CometBFT v0.38.25 localnet (loopback, 2 cores), printed as a
 * Markdown table. Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/consensus-failover.ts  (about a minute)
 *
 * Measured:
 *  - consensus block time: median interval between Commits seen by validator 0's app;
 *  - failover: from the moment every host reports the active sequencer dead (its ValidatorObserver verdict flips)
 *    to the Commit in which validator 0's app has elected the successor; median of several kills.
 * Peer, measured in the same run: the same app and network with Metis's consensus timeouts (500 ms for propose,
 * prevote, precommit and commit, per the Metis reference). Metis's own failover rule (about 3 min 10 s of stalled
 * L2 height before Themis rotates) is a configured wait, not something a run can shorten; it is shown as
 * documented, not measured. Hosts do not exist in this run: the L2 chain is the test L2Driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentEpoch } from '../../node/consensus/app/epochs.ts';
import type { ConsensusState } from '../../protocol/consensus/types.ts';
import { initLocalnet, LOOPBACK_TIMEOUTS, type ConsensusTimeouts } from '../../node/tools/localnet/localnet.ts';
import { MemoryObserver } from '../../node/consensus/abci/observer.ts';
import { L2Driver } from '../node/consensus/l2-driver.ts';
import { freeNodePorts, METIS, signer } from '../node/consensus/support.ts';

const KILLS = 6;
const BLOCKS = 40;
const METIS_TIMEOUTS: ConsensusTimeouts = { propose: '500ms', proposeDelta: '500ms', prevote: '500ms', prevoteDelta: '500ms', precommit: '500ms', precommitDelta: '500ms', commit: '500ms' };
const METIS_DOCUMENTED_FAILOVER_MS = 190_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Result {
  label: string;
  blockTimeMs: number;
  failoverMs: number[];
  failoverBlocks: number[];
}

async function run(label: string, timeouts: ConsensusTimeouts): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'consensus-bench-'));
  const stakes = [30_000, 25_000, 25_000, 20_000];
  const localnet = initLocalnet({
    dir,
    chainId: 'consensus-bench',
    ports: await freeNodePorts(4),
    timeouts,
    appState: (keys) => ({
      l2ChainId: 59902,
      params: { epochLength: 100_000, l1Confirmations: 0, coolDownEpochs: 1 },
      validators: keys.map((key) => ({
        address: signer(key.index).address.toLowerCase(),
        sequencerId: key.index + 1,
        owner: signer(key.index).address.toLowerCase(),
        stake: (BigInt(stakes[key.index]!) * METIS).toString(),
        cometPubKey: key.cometPubKey,
      })),
    }),
  });
  const observers = stakes.map(() => new MemoryObserver());
  await localnet.start(observers);
  const app = localnet.app(0)!.app;
  const commits: { at: number; state: ConsensusState }[] = [];
  const waiters = new Set<(state: ConsensusState) => void>();
  app.onCommit((view) => {
    commits.push({ at: performance.now(), state: view.state });
    for (const waiter of waiters) waiter(view.state);
  });
  const until = (done: (state: ConsensusState) => boolean) =>
    new Promise<ConsensusState>((resolve) => {
      const waiter = (state: ConsensusState) => {
        if (!done(state)) return;
        waiters.delete(waiter);
        resolve(state);
      };
      waiters.add(waiter);
    });
  const driver = new L2Driver(observers, () => app.view?.state);
  driver.start();
  try {
    await until((state) => state.height >= 5 && state.l2.safe > 0);
    const start = commits.length;
    await until((state) => state.height >= commits[start - 1]!.state.height + BLOCKS);
    const intervals = commits.slice(start).map((commit, index) => commit.at - commits[start + index - 1]!.at);
    const failoverMs: number[] = [];
    const failoverBlocks: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const before = currentEpoch(app.view!.state);
      const height = app.view!.state.height;
      const reportedAt = performance.now();
      driver.kill(before.sequencer, before.number);
      const after = await until((state) => currentEpoch(state).number > before.number);
      failoverMs.push(performance.now() - reportedAt);
      failoverBlocks.push(after.height - height);
      driver.revive(before.sequencer);
      const resumedFrom = driver.head;
      await until((state) => state.l2.safe > resumedFrom + 3);
      await sleep(200);
    }
    return { label, blockTimeMs: median(intervals), failoverMs, failoverBlocks };
  } finally {
    driver.stop();
    await localnet.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

const ours = await run('ours (loopback timeouts)', LOOPBACK_TIMEOUTS);
const metisTimeouts = await run('Metis consensus timeouts (500 ms)', METIS_TIMEOUTS);
const fmt = (value: number) => value.toFixed(0);
console.log(`\n| configuration | consensus block time (median) | failover: dead report -> successor elected (median of ${KILLS}) | blocks |`);
console.log('| --- | --- | --- | --- |');
for (const result of [ours, metisTimeouts]) {
  console.log(`| ${result.label} | ${fmt(result.blockTimeMs)} ms | ${fmt(median(result.failoverMs))} ms (min ${fmt(Math.min(...result.failoverMs))}, max ${fmt(Math.max(...result.failoverMs))}) | ${median(result.failoverBlocks)} |`);
}
console.log(`| Metis (Themis) failover rule, documented | - | ${METIS_DOCUMENTED_FAILOVER_MS} ms of stalled height, uniform pick | - |`);
console.log(`\nratios: block time ${(metisTimeouts.blockTimeMs / ours.blockTimeMs).toFixed(1)}x faster than with Metis's timeouts; failover ${(median(metisTimeouts.failoverMs) / median(ours.failoverMs)).toFixed(1)}x faster than the same app on Metis's timeouts, ${(METIS_DOCUMENTED_FAILOVER_MS / median(ours.failoverMs)).toFixed(0)}x faster than Metis's documented rule (plus the host's liveness timeout, params.livenessTimeoutMs, before the report).`);
