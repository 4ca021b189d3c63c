import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsensusClient } from '../../../node/consensus/client/client.ts';
import type { Localnet } from '../../../node/tools/localnet/localnet.ts';
import { devAccount, DEVNET_ROLES, sequencerKeys } from '../../../node/tools/devnet/accounts.ts';
import { bootstrapL1, l1Contracts, type L1Addresses } from '../../../node/tools/devnet/l1-bootstrap.ts';
import type { L1Node } from '../../../node/tools/devnet/edr-node.ts';
import { startTestL1 } from '../../support/l1.ts';
import { lockingPoolLocalnet, lockingPoolObservers } from './l1-localnet.ts';
import { METIS, waitFor } from './support.ts';

/**
 * Real L1 (EDR + LockingPool) into real CometBFT: the genesis validator set is read from LockingPool, and each
 * validator's L1 watcher reports LockingPool events through its vote extensions; a relock or a withdraw changes a
 * CometBFT voting power, an unlock removes a validator, once >2/3 of stake reported them.
 */
describe('L1 LockingPool -> consensus validator set', () => {
  let l1: L1Node;
  let addresses: L1Addresses;
  let localnet: Localnet;
  let dir: string;
  let stopWatchers: (() => Promise<unknown>) | undefined;
  const STAKES = [30_000, 25_000, 25_000, 20_000];

  beforeAll(async () => {
    l1 = await startTestL1();
    addresses = await bootstrapL1({ url: l1.url, stakes: STAKES, exitDelaySeconds: 60 });
    dir = mkdtempSync(join(tmpdir(), 'consensus-l1-'));
    const pool = { url: l1.url, addresses };
    localnet = await lockingPoolLocalnet(pool, { dir, chainId: 'consensus-l1', count: STAKES.length, l2ChainId: 59902, params: { epochLength: 50, l1Confirmations: 0, govVotingPeriod: 10 } });
    const watching = lockingPoolObservers(pool, STAKES.length);
    stopWatchers = watching.stop;
    await localnet.start(watching.observers);
  });

  afterAll(async () => {
    await stopWatchers?.();
    await localnet?.stop();
    await l1?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  const cometValidators = async (): Promise<{ address: string; voting_power: string }[]> => {
    const response = await fetch(`${localnet.rpcUrl(0)}/validators`);
    return ((await response.json()) as { result: { validators: { address: string; voting_power: string }[] } }).result.validators;
  };

  it('starts with the LockingPool set as validators, power = whole METIS locked', async () => {
    const client = new ConsensusClient(localnet.queryUrl(0));
    await waitFor('first block', async () => (await client.status()).height >= 2, 30_000);
    const validators = await client.validators();
    expect(validators.map((validator) => validator.power)).toEqual(STAKES);
    expect((await cometValidators()).map((validator) => Number(validator.voting_power)).sort()).toEqual([...STAKES].sort());
  });

  it('a relock on L1 raises the validator power in CometBFT, a withdraw lowers it; an unlock removes the validator', async () => {
    const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const keys = sequencerKeys(0);
      const owner = new NonceManager(keys.owner.connect(provider));
      const ownerContracts = l1Contracts(addresses, owner);
      const extra = parseEther('10000');
      const minter = l1Contracts(addresses, new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider)));
      await (await minter.token.mint(keys.owner.address, extra)).wait();
      await (await ownerContracts.token.approve(addresses.lockingPool, extra)).wait();
      const [id] = (await ownerContracts.lockingPool.getSequencerBySigner(keys.signer.address)) as unknown as [bigint];
      await (await ownerContracts.lockingPool.relock(id, extra, false)).wait();

      const client = new ConsensusClient(localnet.queryUrl(2));
      const raised = await waitFor('relock applied', async () => (await client.validators()).find((validator) => validator.sequencerId === Number(id) && validator.power === 40_000), 30_000);
      expect(raised.stake).toBe((40_000n * METIS).toString());
      await waitFor('CometBFT power 40000', async () => (await cometValidators()).some((validator) => validator.voting_power === '40000'), 30_000);

      // Part of it taken out again (Metis's withdraw): the power drops at once, the tokens wait the exit delay.
      await (await ownerContracts.lockingPool.withdraw(id, parseEther('15000'))).wait();
      const lowered = await waitFor('withdraw applied', async () => (await client.validators()).find((validator) => validator.sequencerId === Number(id) && validator.power === 25_000), 30_000);
      expect(lowered.stake).toBe((25_000n * METIS).toString());
      await waitFor('CometBFT power 25000 for it', async () => !(await cometValidators()).some((validator) => validator.voting_power === '40000'), 30_000);

      const last = sequencerKeys(3);
      const lastOwner = l1Contracts(addresses, new NonceManager(last.owner.connect(provider)));
      const [lastId] = (await lastOwner.lockingPool.getSequencerBySigner(last.signer.address)) as unknown as [bigint];
      await (await lastOwner.lockingPool.unlock(lastId)).wait();
      await waitFor('unlock applied', async () => (await client.validators()).find((validator) => validator.sequencerId === Number(lastId) && validator.status === 'unlocking'), 30_000);
      await waitFor('CometBFT set of 3', async () => (await cometValidators()).length === 3, 30_000);
      const mpc = await client.mpc();
      // No MPC key yet (keygen pending), so the set change re-targets the pending keygen to the 3 remaining. (Other
      // sessions may come after it: with no hosts here, liveness failovers open rewards reports.)
      const keygen = mpc.sessions.filter((session) => session.kind === 'keygen').at(-1);
      expect(keygen).toMatchObject({ kind: 'keygen', status: 'pending' });
      expect(keygen!.participants).toHaveLength(3);
      expect(mpc.sessions.filter((session) => session.kind === 'keygen' && session.status === 'pending')).toHaveLength(1);
    } finally {
      provider.destroy();
    }
  });
});
