import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusStatus as ConsensusStatusView, ProposalDetail, ValidatorView } from '../../../../protocol/consensus/query.ts';
import { getJson, signer, signerKey, startTestNet, waitFor, type TestNet } from '../../consensus/support.ts';
import { freePort } from '../../../support/ports.ts';
import { runCli } from './support.ts';

/**
 * The CLI's consensus commands against a real one-validator CometBFT localnet running our ABCI app: status,
 * propose, vote (nonces from the account route), proposals, register-signer's register-comet-key, and the
 * refusals CheckTx gives, each with its reason and tx code.
 */

let net: TestNet;
let url: string;
const SIGNER = { SIGNER_KEY: signerKey(0) };
const me = signer(0).address.toLowerCase();
const cli = (args: string[], env: Record<string, string> = SIGNER) => runCli([...args, '--consensus', url], env);

beforeAll(async () => {
  net = await startTestNet({ stakes: [30_000], chainId: 'cli-test', params: { govVotingPeriod: 30, govExecutionDelay: 1 } });
  url = net.localnet.queryUrl(0);
  await waitFor('the localnet to commit blocks', async () => (await getJson<ConsensusStatusView>(`${url}/v1/consensus/status`)).height >= 2);
});

afterAll(async () => {
  await net?.cleanup();
});

describe('operator CLI on the consensus layer', () => {
  it('status shows the chain, epoch, active sequencer, MPC and our validator', async () => {
    const run = await cli(['status', '--only', 'consensus', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { consensus } = run.json<{ consensus: ConsensusStatusView & { validator: ValidatorView; validators: ValidatorView[] } }>();
    expect(consensus.chainId).toBe('cli-test');
    expect(consensus.activeSequencer).toBe(me);
    expect(consensus.validators.map((validator) => validator.address)).toEqual([me]);
    expect(consensus.validator).toMatchObject({ address: me, status: 'active' });
    const human = await cli(['status', '--only', 'consensus']);
    expect(human.stdout).toContain(`active sequencer ${me}`);
    expect(human.stdout).toMatch(/you \(0x[0-9a-f]{40}\): active, power 30000, ACTIVE SEQUENCER/);
  });

  it('propose params, vote yes, and the change takes effect', async () => {
    const proposed = await cli(['propose', 'params', '--epoch-length', '40', '--min-lock', '25000', '--title', 'longer epochs', '--json']);
    expect(proposed.code, proposed.stderr).toBe(0);
    const { proposal } = proposed.json<{ proposal: ProposalDetail }>();
    expect(proposal).toMatchObject({ id: 1, kind: 'params', proposer: me, status: 'voting', change: { epochLength: 40, minLock: (25_000n * 10n ** 18n).toString() } });

    // The vote is this sender's second tx: the account route gives nonce 1 once the proposal is committed.
    const voted = await cli(['vote', '1', 'yes', '--json']);
    expect(voted.code, voted.stderr).toBe(0);
    expect(voted.json()).toMatchObject({ action: 'vote', proposalId: 1, option: 'yes', nonce: 1, power: 30_000 });

    const shown = await cli(['proposals', '1']);
    expect(shown.stdout).toContain(`#1 params`);
    expect(shown.stdout).toMatch(new RegExp(`${me}\\s+yes\\s+30000`));
    const executed = await waitFor('proposal 1 executed', async () => {
      const detail = await getJson<ProposalDetail>(`${url}/v1/consensus/proposals/1`);
      return detail.status === 'executed' ? detail : undefined;
    });
    expect(executed.tally.yes).toBe(30_000);
    const status = await getJson<ConsensusStatusView>(`${url}/v1/consensus/status`);
    expect(status.params.epochLength).toBe(40);
    const list = await cli(['proposals', '--json']);
    expect(list.json<{ items: { id: number; status: string }[] }>().items).toEqual([expect.objectContaining({ id: 1, status: 'executed' })]);
  });

  it('propose whitelist is submitted in the app format', async () => {
    const add = `0x${'ab'.repeat(20)}`;
    const run = await cli(['propose', 'whitelist', '--add', add.toUpperCase().replace('0X', '0x'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<{ proposal: ProposalDetail }>().proposal).toMatchObject({ id: 2, kind: 'whitelist', change: { add: [add], remove: [] } });
  });

  it('refusals carry the app reason and tx code', async () => {
    const unknown = await cli(['vote', '99', 'no']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: vote refused: unknown proposal 99 (tx code 6: invalid)\n');
    const outsider = await cli(['propose', 'params', '--epoch-length', '50'], { SIGNER_KEY: signerKey(9) });
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain(`propose refused: ${signer(9).address.toLowerCase()} has no stake`);
    expect(outsider.stderr).toContain('(tx code 5: unauthorized)');
    const missing = await cli(['proposals', '42', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { kind: 'query', code: 'not_found', httpStatus: 404, message: 'consensus query API: no proposal 42 (HTTP 404 not_found)' } });
  });

  it('register-signer --comet-home binds the validator key with its proof of possession and announces URLs', async () => {
    const home = net.localnet.node(0).home;
    const run = await cli(['register-signer', '--skip-l1', '--comet-home', home, '--rpc-url', 'http://127.0.0.1:9100', '--peer-url', 'ws://127.0.0.1:9102', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { consensus } = run.json<{ consensus: { cometPubKey: string; validator: ValidatorView } }>();
    expect(consensus.cometPubKey).toBe(net.localnet.node(0).key.cometPubKey);
    expect(consensus.validator).toMatchObject({ address: me, rpcUrl: 'http://127.0.0.1:9100', peerUrl: 'ws://127.0.0.1:9102', cometPubKey: consensus.cometPubKey });
    const again = await cli(['register-signer', '--skip-l1', '--comet-home', home]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing sent');
    // A key that is no validator on this layer is refused before anything is signed.
    const stranger = await cli(['register-signer', '--skip-l1', '--comet-home', home, '--wait', '0'], { SIGNER_KEY: signerKey(9) });
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('is not a validator on the consensus layer');
  });

  it('an unreachable query API exits 1 naming its URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['proposals', '--consensus', closed], SIGNER);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot reach the consensus at ${closed}: ECONNREFUSED\n`);
  });
});
