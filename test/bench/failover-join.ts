/**
 * Failover and joining on a larger sequencer set (issue 13 part 2): a devnet whose sequencers each have their own
 * address (`addresses: 'separate'`, docs/addresses.md), `--sequencers` of them (default 7).
 *
 * 1. Failover: `--kills` times, kill -9 the active sequencer's process early in its epoch; failover = from the kill
 *    to the first block by another sequencer seen at a survivor (polled every 25 ms; also shown: from the killed
 *    sequencer's last block to that block, the figure docs/benchmarks.md's e2e table uses). The killed sequencer is
 *    restarted and has caught up before the next kill, so the set stays at `--sequencers`.
 * 2. Joining: a new operator locks stake (LockingPool.lockFor), registers its CometBFT key and starts its process;
 *    measured from sending lockFor to its first produced block, with the steps in between. Its first block waits for
 *    a stake-weighted election, so one run shows one draw.
 * Peer in the same run: the same harness on `--peer-sequencers` (default 4; 0 skips it) with `--peer-kills`, printed
 * as the ratio; and Metis's documented failover rule (~190 s of stalled L2 height, docs/benchmarks.md "Consensus").
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node test/bench/failover-join.ts [--sequencers 7] [--kills 20] [--peer-sequencers 4]
 *     [--peer-kills 20] [--epoch-length 30] [--max-failed 3] [--join-minutes 15]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ElectionReason, Rotation } from '../../protocol/consensus/types.ts';
import { approveStake, lockFor, prepareJoiningSequencer, registerCometKey } from '../../node/tools/devnet/join.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import { BlockWatch } from '../e2e/block-watch.ts';
import { rpc, startE2eDevnet, waitFor, type E2eDevnet } from '../e2e/support.ts';
import { machine, percentile } from './measure.ts';

const { values } = parseArgs({
  options: {
    sequencers: { type: 'string', default: '7' },
    kills: { type: 'string', default: '20' },
    'peer-sequencers': { type: 'string', default: '4' },
    'peer-kills': { type: 'string', default: '20' },
    'epoch-length': { type: 'string', default: '30' },
    /** Consecutive failed kills after which the set counts as stalled: the kills stop and what was measured is shown. */
    'max-failed': { type: 'string', default: '3' },
    /** How long the joining operator may wait for its first block (minutes). */
    'join-minutes': { type: 'string', default: '15' },
  },
});
const METIS_DOCUMENTED_FAILOVER_MS = 190_000;
/** Short epochs, so a joining operator is drawn within minutes; kills happen early in an epoch (see `killWindow`). */
const PARAMS = { epochLength: Number(values['epoch-length']), electionLeadBlocks: 5 };
const MAX_FAILED_IN_A_ROW = Number(values['max-failed']);
const JOINER_STAKE = 30_000;

interface Kill {
  killed: string;
  /** Kill to the first block by another sequencer. */
  failoverMs: number;
  /** The killed sequencer's last block to that block. */
  lastToFirstMs: number;
  reason: ElectionReason | 'unknown';
  /** Whether the killed sequencer, restarted, reached the survivors' height within 180 s. */
  caughtUp: boolean;
}

interface SetResult {
  sequencers: number;
  kills: Kill[];
  /** Kills after which no other sequencer produced within the wait. */
  failed: number;
  join: { step: string; atMs: number }[] | null;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const log = (message: string) => console.log(`[bench] ${message}`);

/** Stakes 20,000, 21,000, … METIS: differing, none near 1/3 of the total for 4 or more sequencers. */
function stakesFor(count: number): number[] {
  return Array.from({ length: count }, (_, index) => 20_000 + 1_000 * index);
}

/** Waits for a block early in an epoch whose sequencer is running: room for the failover before the regular rotation. */
async function killWindow(devnet: E2eDevnet, url: string): Promise<SequencerProcess> {
  const consensus = devnet.consensus();
  const status = await waitFor(
    'an epoch with blocks to spare',
    async () => {
      const current = await consensus.status();
      const latest = Number(await rpc<string>(url, 'eth_blockNumber'));
      const active = devnet.sequencers.find((sequencer) => sequencer.address === current.activeSequencer && sequencer.running);
      return active && latest >= current.epoch.firstBlock + 1 && latest <= current.epoch.lastBlock - 15 ? current : null;
    },
    300_000,
    100,
  );
  return devnet.sequencers.find((sequencer) => sequencer.address === status.activeSequencer)!;
}

/** Every rotation so far (the query API pages by at most 100). */
async function allRotations(devnet: E2eDevnet): Promise<Rotation[]> {
  const rotations: Rotation[] = [];
  for (let from: number | null = 0; from !== null; ) {
    const page = await devnet.consensus().rotations({ from, limit: 100 });
    rotations.push(...page.items);
    from = page.next;
  }
  return rotations;
}

async function killOnce(devnet: E2eDevnet): Promise<Kill> {
  const observer = devnet.sequencers.find((sequencer) => sequencer.running)!;
  const victim = await killWindow(devnet, observer.rpcUrl);
  const witness = devnet.sequencers.find((sequencer) => sequencer !== victim && sequencer.running)!;
  const watch = new BlockWatch(witness.rpcUrl);
  watch.start();
  let kill: Kill;
  try {
    await waitFor('a block of the active sequencer', () => watch.lastBy(victim.address), 30_000, 25);
    const killedAt = Date.now();
    await victim.kill();
    const { last, first } = await waitFor('a block from another sequencer', () => watch.handover(victim.address), 120_000, 25);
    const rotation = (await allRotations(devnet)).find((candidate) => candidate.from === victim.address && candidate.l2StartBlock === first.number);
    kill = { killed: victim.address, failoverMs: first.seenAt - killedAt, lastToFirstMs: first.seenAt - last.seenAt, reason: rotation?.reason ?? 'unknown', caughtUp: false };
  } finally {
    watch.stop();
  }
  await victim.start();
  const target = Number(await rpc<string>(witness.rpcUrl, 'eth_blockNumber'));
  // A restarted host that never catches up (e.g. left on a block the network replaced) is shown, not hidden.
  kill.caughtUp = await waitFor('the restarted sequencer to catch up', async () => Number(await rpc<string>(victim.rpcUrl, 'eth_blockNumber').catch(() => '0x0')) >= target, 180_000, 250).then(
    () => true,
    () => false,
  );
  return kill;
}

/** A new operator joins: steps timed from sending its lockFor. */
async function joinOnce(devnet: E2eDevnet): Promise<{ step: string; atMs: number }[]> {
  const index = devnet.sequencers.length;
  const stake = { l1Url: devnet.l1.url, addresses: devnet.addresses, index, stake: JOINER_STAKE };
  await approveStake(stake);
  const steps: { step: string; atMs: number }[] = [];
  const started = Date.now();
  const mark = (step: string) => {
    steps.push({ step, atMs: Date.now() - started });
    log(`join: ${step} at ${fmt(Date.now() - started)} ms`);
  };
  try {
    await joinSteps(devnet, stake, index, mark);
  } catch (error) {
    // The steps reached so far stay in the table.
    mark(`did not finish: ${(error as Error).message}`);
  }
  return steps;
}

/** lockFor, then each step of joining until the new operator's first block; `mark` times each. */
async function joinSteps(devnet: E2eDevnet, stake: Parameters<typeof lockFor>[0], index: number, mark: (step: string) => void): Promise<void> {
  const id = await lockFor(stake);
  mark('lockFor mined on L1');
  const prepared = await prepareJoiningSequencer({ dataDir: devnet.dataDir, l1Url: devnet.l1.url, addresses: devnet.addresses, index, ports: devnet.hostPorts, address: devnet.hostAddress });
  const consensus = devnet.consensus();
  await waitFor('the Locked event in the consensus state', async () => (await consensus.validators()).some((validator) => validator.address === prepared.address && validator.sequencerId === Number(id)), 300_000, 250);
  mark('stake counted by the consensus layer');
  const chainId = (await consensus.status()).chainId;
  const registered = await registerCometKey({ queryUrl: devnet.sequencers[0]!.queryUrl, index, home: join(prepared.dir, 'cometbft'), ports: prepared.ports, host: prepared.host, chainId });
  if (registered.code !== 0) throw new Error(`register-comet-key refused: ${registered.log}`);
  const joiner = devnet.adopt(prepared);
  await joiner.start();
  mark('CometBFT key registered, process started');
  await waitFor('an active validator', async () => (await consensus.validators()).some((validator) => validator.address === prepared.address && validator.status === 'active'), 300_000, 250);
  mark('active validator');
  await waitFor('the MPC key reshared to it', async () => (await consensus.mpc()).parties.includes(prepared.address), 600_000, 500);
  mark('MPC key reshared to it');
  const watch = new BlockWatch(devnet.sequencers[0]!.rpcUrl);
  watch.start();
  try {
    await waitFor('its first block', () => watch.lastBy(prepared.address), Number(values['join-minutes']) * 60_000, 25);
    mark('its first block (elected, produced, seen at a peer)');
  } finally {
    watch.stop();
  }
}

async function runSet(sequencers: number, kills: number, withJoin: boolean): Promise<SetResult> {
  const startedAt = performance.now();
  const devnet = await startE2eDevnet({ addresses: 'separate', stakes: stakesFor(sequencers), params: PARAMS, progress: (step, done, seconds) => done && log(`${step}: ${seconds!.toFixed(1)} s`) });
  log(`${sequencers} sequencers up in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  try {
    const results: Kill[] = [];
    let failed = 0;
    let failedInARow = 0;
    for (let round = 0; round < kills && failedInARow < MAX_FAILED_IN_A_ROW; round++) {
      try {
        const kill = await killOnce(devnet);
        log(`${sequencers} sequencers, kill ${round + 1}/${kills}: ${kill.killed} → ${fmt(kill.failoverMs)} ms after the kill (${fmt(kill.lastToFirstMs)} ms after its last block; ${kill.reason})${kill.caughtUp ? '' : '; restarted, NOT caught up in 180 s'}`);
        results.push(kill);
        failedInARow = 0;
      } catch (error) {
        failedInARow++;
        // Counted and shown, never dropped silently; the set is made whole again before the next kill.
        failed++;
        log(`${sequencers} sequencers, kill ${round + 1}/${kills} FAILED: ${(error as Error).message}`);
        for (const sequencer of devnet.sequencers) if (!sequencer.running) await sequencer.start();
      }
    }
    if (failedInARow >= MAX_FAILED_IN_A_ROW) log(`${sequencers} sequencers: ${failedInARow} kills in a row without a failover; the set is stalled, kills stopped`);
    return { sequencers, kills: results, failed, join: withJoin ? await joinOnce(devnet).catch((error: Error) => [{ step: `join did not finish: ${error.message}`, atMs: Number.NaN }]) : null };
  } finally {
    await devnet.cleanup();
  }
}

function failoverRow(label: string, result: SetResult): string {
  const kills = result.kills;
  const after = kills.map((kill) => kill.failoverMs).sort((a, b) => a - b);
  const last = kills.map((kill) => kill.lastToFirstMs).sort((a, b) => a - b);
  const reasons = [...new Set(kills.map((kill) => kill.reason))].join(', ');
  const behind = kills.filter((kill) => !kill.caughtUp).length;
  return `| ${label} | ${kills.length} (${result.failed} failed) | ${fmt(percentile(after, 0.5))} ms | ${fmt(percentile(after, 0.99))} ms | ${fmt(after.at(-1)!)} ms | ${fmt(percentile(last, 0.5))} ms | ${fmt(percentile(last, 0.99))} ms | ${reasons} | ${behind} |`;
}

function printTables(main: SetResult, peer: SetResult | null): void {
  console.log('\n| sequencers | kills | kill → next block p50 | p99 | max | last block → next p50 | p99 | rotation reasons | restarted, not caught up |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  console.log(failoverRow(String(main.sequencers), main));
  if (peer) console.log(failoverRow(`${peer.sequencers} (peer, same run)`, peer));
  console.log(`| Metis (Themis) rule, documented | – | ${fmt(METIS_DOCUMENTED_FAILOVER_MS)} ms | – | – | – | – | – | – |`);
  const p = (result: SetResult, q: number) => percentile(result.kills.map((kill) => kill.failoverMs).sort((a, b) => a - b), q);
  if (peer && peer.kills.length > 0) console.log(`\n${main.sequencers} / ${peer.sequencers} sequencers: p50 ${(p(main, 0.5) / p(peer, 0.5)).toFixed(2)}x, p99 ${(p(main, 0.99) / p(peer, 0.99)).toFixed(2)}x.`);
  console.log(`Metis's documented rule / ${main.sequencers} sequencers' p50: ${(METIS_DOCUMENTED_FAILOVER_MS / p(main, 0.5)).toFixed(0)}x.`);
  if (main.join) {
    console.log(`\n| new operator joining ${main.sequencers} sequencers | since sending lockFor |`);
    console.log('| --- | ---: |');
    for (const step of main.join) console.log(`| ${step.step} | ${fmt(step.atMs)} ms |`);
  }
}

const sequencers = Number(values.sequencers);
const peerSequencers = Number(values['peer-sequencers']);
console.log(`failover and joining, ${sequencers} sequencers on separate addresses (${machine()})`);
const main = await runSet(sequencers, Number(values.kills), true);
printTables(main, null);
if (peerSequencers > 0) printTables(main, await runSet(peerSequencers, Number(values['peer-kills']), false));
