import { readFileSync } from 'node:fs';
import { JsonRpcProvider, NonceManager, type EventLog } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusClient } from '../../protocol/consensus/client.ts';
import { AppTxSender } from '../../node/consensus/client/tx-sender.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_OWNER_DELAY_SECONDS, l1Contracts } from '../../node/tools/devnet/l1-bootstrap.ts';
import { executeWhenReady, scheduleOwnerCall } from '../../node/l1/owner-timelock.ts';
import type { SequencerProcess } from '../../node/tools/devnet/sequencer-process.ts';
import type { Proposal } from '../../protocol/consensus/types.ts';
import { rpc, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';

/**
 * Governance that governs, on a real devnet (L1, four sequencer processes with CometBFT, the consensus app and MPC):
 * a parameter voted by stake takes effect in every host at its activation height.
 */

const PARAMS = { epochLength: 400, govVotingPeriod: 12, govExecutionDelay: 2 };

describe('end to end: governed parameters take effect', () => {
  let devnet: E2eDevnet;
  let consensus: ConsensusClient;
  let senders: AppTxSender[];
  let l1: JsonRpcProvider;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ params: PARAMS });
    consensus = devnet.consensus();
    senders = devnet.sequencers.map((sequencer) => new AppTxSender({ consensus, key: sequencerKeys(sequencer.index).signer.privateKey }));
    l1 = new JsonRpcProvider(devnet.l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  }, 240_000);

  afterAll(async () => {
    l1?.destroy();
    await devnet?.cleanup();
  }, 60_000);

  /** Proposes a params change from sequencer 0, every sequencer votes yes; resolves once it is executed. */
  async function enact(change: Record<string, unknown>): Promise<Proposal> {
    const before = (await consensus.proposals()).items.length;
    expect((await senders[0]!.send('propose', { kind: 'params', change } as never)).code).toBe(0);
    const proposal = await waitFor('the proposal on chain', async () => (await consensus.proposals()).items[before], 30_000, 200);
    for (const sender of senders) expect((await sender.send('vote', { proposalId: proposal.id, option: 'yes' })).code).toBe(0);
    return waitFor(
      `proposal ${proposal.id} executed`,
      async () => {
        const current = await consensus.proposal(proposal.id);
        if (current.status === 'rejected') throw new Error(`proposal ${proposal.id} was rejected`);
        return current.status === 'executed' ? (current as Proposal) : undefined;
      },
      60_000,
      200,
    );
  }

  const operatorHealth = async (sequencer: SequencerProcess): Promise<{ blockTimeMs: number }> => {
    const config = JSON.parse(readFileSync(sequencer.prepared.configFile, 'utf8')) as { host: { operator: { token: string } } };
    const response = await fetch(`http://127.0.0.1:${sequencer.prepared.ports.operator}/health`, { headers: { authorization: `Bearer ${config.host.operator.token}` } });
    return (await response.json()) as { blockTimeMs: number };
  };

  /** Seconds between consecutive L2 blocks sealed by one sequencer (a rotation's first block follows at once). */
  async function spacing(from: number, to: number): Promise<number[]> {
    const url = devnet.sequencers[0]!.rpcUrl;
    const blocks = await Promise.all(
      Array.from({ length: to - from + 1 }, (_, offset) => rpc<{ timestamp: string; miner: string }>(url, 'eth_getBlockByNumber', [`0x${(from + offset).toString(16)}`, false])),
    );
    const gaps: number[] = [];
    for (let index = 1; index < blocks.length; index++) {
      if (blocks[index]!.miner === blocks[index - 1]!.miner) gaps.push(Number(blocks[index]!.timestamp) - Number(blocks[index - 1]!.timestamp));
    }
    return gaps;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const head = async () => Number(await rpc<string>(devnet.sequencers[0]!.rpcUrl, 'eth_blockNumber'));

  it('1. a voted blockTimeMs is what every producer uses from its activation on: blocks come 3 s apart instead of 1 s', async () => {
    for (const sequencer of devnet.sequencers) expect((await operatorHealth(sequencer)).blockTimeMs).toBe(1000);
    const start = await head();
    await waitFor('8 blocks at the genesis block time', async () => (await head()) >= start + 8, 60_000, 200);
    const before = await spacing(start, start + 8);

    const executed = await enact({ blockTimeMs: 3000 });
    expect((await consensus.status()).params.blockTimeMs).toBe(3000);
    // Every host's producer reads the value in force (its own consensus node's committed state).
    for (const sequencer of devnet.sequencers) await waitFor(`host ${sequencer.index} on 3000 ms`, async () => (await operatorHealth(sequencer)).blockTimeMs === 3000, 10_000, 200);
    // Blocks cut after the change (one timer period of the old block time may still be under way).
    const from = (await head()) + 1;
    await waitFor('8 blocks at the governed block time', async () => (await head()) >= from + 8, 90_000, 500);
    const after = await spacing(from, from + 8);
    console.log(`blockTimeMs 1000 -> 3000 executed at consensus height ${executed.effectiveHeight}: L2 block spacing before ${before.join(',')} s, after ${after.join(',')} s`);
    expect(median(before)).toBeLessThanOrEqual(1);
    expect(median(after)).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('2. a voted rewardPerBlock reaches LockingPool as an MPC-signed, numbered update relayed by a sequencer', async () => {
    const pool = l1Contracts(devnet.addresses, l1).lockingPool;
    const before = await pool.rewardPerBlock();
    expect(await pool.paramsNonce()).toBe(0n);
    const rate = 5_000_000_000_000n;
    expect(rate).not.toBe(before);
    await enact({ rewardPerBlock: rate.toString() });
    const session = await waitFor(
      'the reward-rate signing session completed',
      async () => (await consensus.mpc()).sessions.find((candidate) => candidate.purpose === 'reward-rate' && candidate.status === 'completed'),
      60_000,
      500,
    );
    expect(session.request).toMatchObject({ rewardPerBlock: rate.toString(), nonce: 0, mpcAddress: devnet.mpcAddress });
    await waitFor('L1 paying the voted rate', async () => (await pool.rewardPerBlock()) === rate, 60_000, 500);
    expect(await pool.paramsNonce()).toBe(1n);
    const updates = await pool.queryFilter(pool.filters.BlockRewardUpdated!(), devnet.addresses.fromBlock);
    expect([...(updates.at(-1) as EventLog).args]).toEqual([before, rate]);
  }, 180_000);

  it('3. the owner key alone changes nothing at once: a pause of slashing waits the timelock, and the exit delay has a floor', async () => {
    const governance = l1Contracts(devnet.addresses, new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(l1)));
    const pool = governance.lockingPool;
    await expect(pool.setPause.staticCall()).rejects.toMatchObject({ revert: { name: 'OwnableUnauthorizedAccount' } });
    const pause = { target: devnet.addresses.lockingPool, data: pool.interface.encodeFunctionData('setPause', []) };
    const scheduled = await scheduleOwnerCall(governance.timelock, pause);
    const scheduledAt = (await l1.getBlock('latest'))!.timestamp;
    await expect(governance.timelock.execute.staticCall(pause.target, 0n, pause.data, `0x${'00'.repeat(32)}`, scheduled.salt)).rejects.toMatchObject({ revert: { name: 'TimelockUnexpectedOperationState' } });
    const hash = await executeWhenReady(governance.timelock, scheduled);
    const executedAt = (await l1.getBlock((await l1.getTransactionReceipt(hash))!.blockNumber))!.timestamp;
    expect(await pool.paused()).toBe(true);
    expect(executedAt - scheduledAt).toBeGreaterThanOrEqual(DEVNET_OWNER_DELAY_SECONDS);
    // The floor: the exit delay cannot go to 0, even through the timelock.
    const zeroDelay = await scheduleOwnerCall(governance.timelock, { target: devnet.addresses.lockingPool, data: pool.interface.encodeFunctionData('updateWithdrawDelayTimeValue', [0n]) });
    const refused = (await executeWhenReady(governance.timelock, zeroDelay).catch((error: unknown) => error)) as { data?: string };
    expect(pool.interface.parseError(refused.data ?? '0x')?.name).toBe('ExitDelayTooShort');
    expect(await pool.exitDelay()).toBe(await pool.minExitDelay());
    const unpause = await scheduleOwnerCall(governance.timelock, { target: devnet.addresses.lockingPool, data: pool.interface.encodeFunctionData('setUnpause', []) });
    await executeWhenReady(governance.timelock, unpause);
    expect(await pool.paused()).toBe(false);
  }, 120_000);
});
