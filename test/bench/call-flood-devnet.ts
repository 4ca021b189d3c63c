/**
 * The call flood against a whole sequencer: a devnet (EDR L1, four sequencer processes, each host + ABCI app +
 * CometBFT + MPC party) where the active sequencer's own RPC port gets `--concurrency` looping 50M-gas eth_calls in
 * flight for `--duration` s, beside the same length of time unflooded just before. Reports, flooded beside
 * unflooded: the L2 block interval on that host (p50/p99/max), and the consensus votes its CometBFT validator missed
 * (precommits absent from the next block's last commit, read from CometBFT's RPC) out of the heights in the phase.
 * Its ABCI app and MPC party share the event loop eth_call used to block, so missed votes are the cost a flood
 * through the edge could impose on consensus.
 *
 *   node test/bench/call-flood-devnet.ts [--duration 20] [--concurrency 8]
 */
import { parseArgs } from 'node:util';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import { rpc, sleep, startE2eDevnet } from '../e2e/support.ts';
import { machine, percentile } from './measure.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '20' }, concurrency: { type: 'string', default: '8' } } });
const DURATION_MS = Number(values.duration) * 1000;
const CONCURRENCY = Number(values.concurrency);
/** Init code `JUMPDEST PUSH1 0 JUMP` run as a creation call: loops until its 50M gas runs out. */
const HEAVY_CALL = { data: '0x5b600056', gas: '0x2faf080' };

interface Phase {
  intervals: number[];
  heights: number;
  missed: number;
  calls: Record<string, number>;
}


async function comet<T>(url: string, path: string): Promise<T> {
  const response = await fetch(`${url}${path}`);
  return ((await response.json()) as { result: T }).result;
}

/** Precommits by `validator` missing from the commits of heights [from, to] (each in the next block's last_commit). */
async function missedVotes(cometUrl: string, validator: string, from: number, to: number): Promise<{ heights: number; missed: number }> {
  let missed = 0;
  for (let height = from + 1; height <= to + 1; height++) {
    const block = await comet<{ block: { last_commit: { signatures: { block_id_flag: number; validator_address: string }[] } } }>(cometUrl, `/block?height=${height}`);
    const mine = block.block.last_commit.signatures.find((signature) => signature.validator_address === validator);
    if (mine?.block_id_flag !== 2) missed++;
  }
  return { heights: to - from + 1, missed };
}

async function phase(hostUrl: string, cometUrl: string, validator: string, flooded: boolean): Promise<Phase> {
  const calls: Record<string, number> = {};
  const end = Date.now() + DURATION_MS;
  const flooders = flooded
    ? Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          const answer = await rpc(hostUrl, 'eth_call', [HEAVY_CALL, 'latest'], 30_000).then(
            () => 'result',
            (error: Error) => error.message.slice(0, 50),
          );
          calls[answer] = (calls[answer] ?? 0) + 1;
        }
      })
    : [];
  const startHeight = Number((await comet<{ sync_info: { latest_block_height: string } }>(cometUrl, '/status')).sync_info.latest_block_height);
  const arrivals: number[] = [];
  let seen = Number(await rpc<string>(hostUrl, 'eth_blockNumber'));
  while (Date.now() < end) {
    const latest = Number(await rpc<string>(hostUrl, 'eth_blockNumber', [], 30_000).catch(() => `0x${seen.toString(16)}`));
    for (; seen < latest; seen++) arrivals.push(Date.now());
    await sleep(25);
  }
  await Promise.all(flooders);
  const endHeight = Number((await comet<{ sync_info: { latest_block_height: string } }>(cometUrl, '/status')).sync_info.latest_block_height) - 1;
  const votes = await missedVotes(cometUrl, validator, startHeight, endHeight);
  const intervals = arrivals.slice(1).map((at, index) => at - arrivals[index]!).sort((a, b) => a - b);
  return { intervals, heights: votes.heights, missed: votes.missed, calls };
}

async function main(): Promise<void> {
  console.log(`call flood on a devnet's active sequencer: ${values.duration} s unflooded, then ${values.duration} s with ${CONCURRENCY} 50M-gas calls in flight (${machine()})`);
  const devnet = await startE2eDevnet({});
  try {
    const status = await devnet.consensus().status();
    const index = devnet.sequencers.findIndex((sequencer) => sequencer.address === status.activeSequencer);
    const target = devnet.sequencers[index]!;
    const cometUrl = `http://127.0.0.1:${devnet.hostPorts(index).cometRpc}`;
    const validator = (await comet<{ validator_info: { address: string } }>(cometUrl, '/status')).validator_info.address;
    console.log(`flooding sequencer ${index} (${target.address}, chain ${DEVNET_L2_CHAIN_ID}), its validator ${validator}`);
    const quiet = await phase(target.rpcUrl, cometUrl, validator, false);
    const loud = await phase(target.rpcUrl, cometUrl, validator, true);
    const row = (name: string, a: number, b: number, unit = 'ms') => `| ${name} | ${a.toFixed(0)} ${unit} | ${b.toFixed(0)} ${unit} | ${(b / a).toFixed(2)}x |`;
    console.log('\n| on the flooded sequencer | unflooded | flooded | ratio |\n| --- | ---: | ---: | ---: |');
    console.log(row('L2 block interval p50', percentile(quiet.intervals, 0.5), percentile(loud.intervals, 0.5)));
    console.log(row('L2 block interval p99', percentile(quiet.intervals, 0.99), percentile(loud.intervals, 0.99)));
    console.log(row('L2 block interval max', quiet.intervals.at(-1) ?? Number.NaN, loud.intervals.at(-1) ?? Number.NaN));
    console.log(`| L2 blocks | ${quiet.intervals.length + 1} | ${loud.intervals.length + 1} | |`);
    console.log(`| consensus votes missed by its validator | ${quiet.missed} of ${quiet.heights} | ${loud.missed} of ${loud.heights} | |`);
    console.log(`\nflood answers: ${JSON.stringify(loud.calls)}`);
  } finally {
    await devnet.cleanup();
  }
}

await main();
