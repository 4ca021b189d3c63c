import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, NonceManager, parseEther, Wallet, type HDNodeWallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccount, DEVNET_ROLES, sequencerKeys } from '../../../../node/tools/devnet/accounts.ts';
import { deployL1, SequencerStatus, type L1Deployment } from '../../../../node/l1/deploy.ts';
import type { L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { lockingPoolDomain, SUBMIT_REWARDS_TYPES } from '../../../../node/l1/typed-data.ts';
import { startTestL1 } from '../../../support/l1.ts';
import { freePort } from '../../../support/ports.ts';
import { runCli } from './support.ts';

/**
 * The operator CLI against a real EDR L1 with the real contracts, run as a child process with keys in its
 * environment: the whole life of a sequencer (lock, relock, rewards, signer change, partial withdraw, unlock,
 * withdraw) and the refusals an operator meets on the way, each named by the contract's custom error.
 */

const EXIT_DELAY = 3_600n;
const FUNDS = parseEther('200000');

let l1: L1Node;
let provider: JsonRpcProvider;
let deployment: L1Deployment;
let devnetDir: string;
const mpc = Wallet.createRandom();
const alice = devAccount(DEVNET_ROLES.ownerBase + 10);
const bob = devAccount(DEVNET_ROLES.ownerBase + 11);
const mallory = devAccount(DEVNET_ROLES.ownerBase + 12);
const aliceSigner = Wallet.createRandom();
const aliceNextSigner = Wallet.createRandom();
const bobSigner = Wallet.createRandom();

const keys = (owner: HDNodeWallet, signer?: { privateKey: string }) => ({ OPERATOR_KEY: owner.privateKey, ...(signer ? { SIGNER_KEY: signer.privateKey } : {}) });
/** The CLI on our chain through the devnet-style l1.json. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--l1', l1.url, '--devnet', devnetDir], env);

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return await provider.send(method, params);
}

beforeAll(async () => {
  l1 = await startTestL1();
  provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
  deployment = await deployL1({ runner: deployer, exitDelay: EXIT_DELAY, signerUpdateThrottle: 0n, whitelist: [alice.address, bob.address, sequencerKeys(0).owner.address], mpc: mpc.address });
  for (const owner of [alice, bob, mallory, sequencerKeys(0).owner]) await (await deployment.token.mint(owner.address, FUNDS)).wait();
  devnetDir = mkdtempSync(join(tmpdir(), 'cli-devnet-'));
  const addresses = { chainId: Number(deployment.chainId), ...deployment.addresses, fromBlock: deployment.fromBlock };
  writeFileSync(join(devnetDir, 'l1.json'), JSON.stringify({ genesisDate: new Date().toISOString(), addresses }));
});

afterAll(async () => {
  provider?.destroy();
  await l1?.stop();
  if (devnetDir) rmSync(devnetDir, { recursive: true, force: true });
});

describe('operator CLI on L1', () => {
  it('refuses a lock below minLock by name, leaving no approval behind', async () => {
    const run = await cli(['lock', '--amount', '10'], keys(alice, aliceSigner));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lock refused: BelowMinLock(amount: 10 METIS, minLock: 20000 METIS)');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await deployment.token.allowance(alice.address, deployment.addresses.lockingPool)).toBe(0n);
  });

  it('refuses an owner that is not whitelisted, with the custom error in --json', async () => {
    const run = await cli(['lock', '--amount', '20000', '--json'], keys(mallory, Wallet.createRandom()));
    expect(run.code).toBe(1);
    const { error } = run.json<{ error: { kind: string; code: string; args: Record<string, string> } }>();
    expect(error.kind).toBe('refused');
    expect(error.code).toBe('NotWhitelisted');
    expect(error.args.account).toBe(mallory.address);
    expect(run.stderr).toContain('lock refused: NotWhitelisted(');
  });

  it('locks: approve + lockFor, then status shows the sequencer Active with its stake', async () => {
    const run = await cli(['lock', '--amount', '25000', '--json'], keys(alice, aliceSigner));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ action: 'lock', sequencerId: '1', signer: aliceSigner.address, amount: parseEther('25000').toString(), status: 'Active' });

    const status = await cli(['status', '--only', 'l1', '--json'], keys(alice));
    expect(status.code, status.stderr).toBe(0);
    const { l1: view } = status.json<{ l1: { sequencer: Record<string, unknown>; activeSequencers: Record<string, unknown>[]; totalActiveStake: string } }>();
    expect(view.sequencer).toMatchObject({ id: '1', status: 'Active', stake: parseEther('25000').toString(), signer: aliceSigner.address, owner: alice.address, unlockClaimTime: null });
    expect(view.activeSequencers).toEqual([{ id: '1', signer: aliceSigner.address, owner: alice.address, stake: parseEther('25000').toString() }]);
    expect(view.totalActiveStake).toBe(parseEther('25000').toString());

    const human = await cli(['status', '--only', 'l1'], keys(alice));
    expect(human.stdout).toContain('your sequencer #1: Active, stake 25000 METIS');
    // A second lock by the same owner is refused: one sequencer per owner.
    const again = await cli(['lock', '--amount', '20000'], keys(alice, Wallet.createRandom()));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('lock refused: OwnerHasSequencer(');
  });

  it('a signer already used by another sequencer is refused', async () => {
    const run = await cli(['lock', '--amount', '20000'], keys(bob, aliceSigner));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`lock refused: SignerAlreadyUsed(signer: ${aliceSigner.address})`);
  });

  it('relocks, and refuses a relock above maxLock', async () => {
    const run = await cli(['relock', '--amount', '1000'], keys(alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('sequencer #1 now has 26000 METIS at stake');
    expect((await deployment.lockingPool.getSequencer(1)).amount).toBe(parseEther('26000'));

    const over = await cli(['relock', '--amount', '80000'], keys(alice));
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('relock refused: AboveMaxLock(amount: 106000 METIS, maxLock: 100000 METIS)');
    expect(await deployment.token.allowance(alice.address, deployment.addresses.lockingPool)).toBe(0n);
  });

  it('withdraws accrued rewards, and refuses when there are none', async () => {
    const none = await cli(['rewards'], keys(alice));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('rewards refused: NoRewards(sequencerId: 1)');

    // The MPC reports 1000 L2 blocks for sequencer 1 (what the sequencers' threshold key does on the devnet).
    const deployer = new NonceManager(devAccount(DEVNET_ROLES.deployer).connect(provider));
    await (await deployment.token.connect(deployer).mint(await deployer.getAddress(), parseEther('10'))).wait();
    await (await deployment.token.connect(deployer).approve(deployment.addresses.lockingPool, parseEther('10'))).wait();
    await (await deployment.lockingPool.connect(deployer).fundRewards(parseEther('10'))).wait();
    const message = { rewardBatchId: 1n, startEpoch: 0n, endEpoch: 0n, sequencerIds: [1n], blockCounts: [1000n] };
    const signature = await mpc.signTypedData(lockingPoolDomain(deployment.chainId, deployment.addresses.lockingPool), SUBMIT_REWARDS_TYPES, message);
    await (await deployment.lockingPool.connect(deployer).submitRewards(1n, 0n, 0n, [1n], [1000n], signature)).wait();

    const before = await deployment.token.balanceOf(alice.address);
    const run = await cli(['rewards', '--json'], keys(alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ action: 'rewards', sequencerId: '1', amount: parseEther('0.761').toString(), recipient: alice.address });
    expect(await deployment.token.balanceOf(alice.address)).toBe(before + parseEther('0.761'));
  });

  it('register-signer moves the L1 signer to SIGNER_KEY, and is a no-op the second time', async () => {
    const run = await cli(['register-signer'], keys(alice, aliceNextSigner));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`signer is now ${aliceNextSigner.address} (was ${aliceSigner.address})`);
    expect((await deployment.lockingPool.getSequencer(1)).signer).toBe(aliceNextSigner.address);
    const again = await cli(['register-signer'], keys(alice, aliceNextSigner));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing sent');
    // The burned signer can never come back.
    const back = await cli(['register-signer'], keys(alice, aliceSigner));
    expect(back.code).toBe(1);
    expect(back.stderr).toContain('register-signer refused: SignerAlreadyUsed(');
  });

  it('withdraw before unlock is refused with what to do', async () => {
    const run = await cli(['withdraw'], keys(alice));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('withdraw refused: InvalidStatus(sequencerId: 1, status: Active): run unlock first');
  });

  it('withdraw --amount takes part of the stake out; its claim waits the exit delay; below minLock is refused', async () => {
    const below = await cli(['withdraw', '--amount', '7000'], keys(alice));
    expect(below.code).toBe(1);
    expect(below.stderr).toContain('withdraw refused: BelowMinLock(amount: 19000 METIS, minLock: 20000 METIS)');
    const bad = await cli(['withdraw', '--amount', '0'], keys(alice));
    expect(bad.code).toBe(2);

    const part = await cli(['withdraw', '--amount', '6000'], keys(alice));
    expect(part.code, part.stderr).toBe(0);
    expect(part.stdout).toContain('took 6000 METIS out of sequencer #1: 20000 METIS stays at stake');
    expect(part.stdout).toMatch(/6000 METIS pending, slashable until it is paid: run withdraw again from \S+ \(in 1h\)/);
    expect((await deployment.lockingPool.getSequencer(1)).amount).toBe(parseEther('20000'));

    const early = await cli(['withdraw', '--json'], keys(alice));
    expect(early.code).toBe(1);
    expect(early.json<{ error: { code: string } }>().error.code).toBe('WithdrawalNotReady');
    await rpc('evm_increaseTime', [Number(EXIT_DELAY) + 1]);
    await rpc('evm_mine');
    const before = await deployment.token.balanceOf(alice.address);
    const claim = await cli(['withdraw'], keys(alice));
    expect(claim.code, claim.stderr).toBe(0);
    expect(claim.stdout).toContain(`withdrew 6000 METIS (the pending withdrawal) to ${alice.address}: sequencer #1 stays Active`);
    expect(await deployment.token.balanceOf(alice.address)).toBe(before + parseEther('6000'));
  });

  it('unlock, early withdraw refused with the time it becomes possible, withdraw after the exit delay', async () => {
    const unlock = await cli(['unlock'], keys(alice));
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain('sequencer #1 is Unlocking');
    expect(unlock.stdout).toMatch(/withdraw possible from \S+ \(in 1h\)/);
    expect((await deployment.lockingPool.getSequencer(1)).status).toBe(SequencerStatus.Unlocking);

    const status = await cli(['status', '--only', 'l1', '--json'], keys(alice));
    const { l1: view } = status.json<{ l1: { sequencer: { status: string; unlockClaimTime: string; withdrawable: boolean }; activeSequencers: unknown[] } }>();
    expect(view.sequencer.status).toBe('Unlocking');
    expect(view.sequencer.withdrawable).toBe(false);
    expect(view.activeSequencers).toEqual([]);

    const early = await cli(['withdraw', '--json'], keys(alice));
    expect(early.code).toBe(1);
    const { error } = early.json<{ error: { code: string; possibleAt: number; waitSeconds: number } }>();
    expect(error.code).toBe('UnlockNotReady');
    expect(error.possibleAt).toBe(Number(view.sequencer.unlockClaimTime));
    expect(error.waitSeconds).toBeGreaterThan(3_500);
    expect(early.stderr).toMatch(/withdraw refused: UnlockNotReady\(sequencerId: 1, unlockClaimTime: \S+\); withdraw possible from \S+ \(in (59m|1h)/);

    await rpc('evm_increaseTime', [Number(EXIT_DELAY) + 1]);
    await rpc('evm_mine');
    const before = await deployment.token.balanceOf(alice.address);
    const run = await cli(['withdraw'], keys(alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`withdrew 20000 METIS to ${alice.address}: sequencer #1 is Unlocked`);
    expect(await deployment.token.balanceOf(alice.address)).toBe(before + parseEther('20000'));

    const after = await cli(['status', '--only', 'l1', '--json'], keys(alice));
    expect(after.json<{ l1: { sequencer: unknown } }>().l1.sequencer).toBeNull();
    const gone = await cli(['unlock'], keys(alice));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('unlock refused: NoSequencerForOwner(');
  });

  it('--dev-sequencer i locks with the dev mnemonic keys of sequencer i', async () => {
    const { owner, signer } = sequencerKeys(0);
    const run = await cli(['lock', '--amount', '30000', '--dev-sequencer', '0', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ owner: owner.address, signer: signer.address, sequencerId: '2' });
  });

  it('status with the consensus layer down still shows L1, names the consensus URL and exits 1', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await cli(['status', '--consensus', closed, '--dev-sequencer', '0']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`consensus: cannot reach the consensus at ${closed}: ECONNREFUSED`);
    expect(run.stdout).toContain('your sequencer #2: Active, stake 30000 METIS');
  });

  it('--locking-pool works without a devnet directory; a wrong address is named', async () => {
    const run = await runCli(['status', '--only', 'l1', '--l1', l1.url, '--locking-pool', deployment.addresses.lockingPool, '--devnet', '/nonexistent']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`LockingPool ${deployment.addresses.lockingPool}`);
    const wrong = await runCli(['status', '--only', 'l1', '--l1', l1.url, '--locking-pool', bob.address]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`no contract at LockingPool address ${bob.address}`);
  });
});

describe('operator CLI: bad input', () => {
  it('bad arguments exit 2 with the usage, before touching the network (more cases in args.test.ts)', async () => {
    const runs = await Promise.all([runCli([]), runCli(['lock', '--amount', 'lots']), runCli(['unlock', '--amount', '5']), runCli(['vote', '1', 'maybe'])]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^error: .+\n\nusage: /);
      expect(run.stdout).toBe('');
    }
    expect(runs[1]!.stderr).toContain('--amount must be an amount of METIS such as 20000 or 0.5, got "lots"');
    expect(runs[2]!.stderr).toContain('--amount is not an option of unlock');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('OPERATOR_KEY');
  });

  it('keys come only from the environment; a missing or malformed key is named but never echoed', async () => {
    const missing = await cli(['lock', '--amount', '20000'], { SIGNER_KEY: bobSigner.privateKey });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('lock needs OPERATOR_KEY');
    const malformed = await cli(['unlock'], { OPERATOR_KEY: '0xnot-a-key-secret-value' });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('OPERATOR_KEY must be a 32-byte hex private key');
    expect(malformed.stderr).not.toContain('not-a-key-secret-value');
  });

  it('an unreachable L1 exits 1 naming its URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['unlock', '--l1', url, '--devnet', devnetDir], keys(alice));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot reach the L1 at ${url}: ECONNREFUSED\n`);
  });
});
