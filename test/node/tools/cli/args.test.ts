import { describe, expect, it } from 'vitest';
import { runCli } from '../../../../node/tools/cli/cli.ts';
import type { Output } from '../../../../node/tools/cli/output.ts';
import { freePort } from '../../../support/ports.ts';

/**
 * Argument handling, in process (the same runCli that main.ts calls; l1.test.ts runs the real child process):
 * every bad invocation exits 2 with the reason and the usage, before any network access (the URLs given here
 * point at a closed loopback port, so a command that did reach the network would exit 1 instead).
 */

const closed = `http://127.0.0.1:${await freePort()}`;

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const output: Output = { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) };
  const endpoints = ['--l1', '--consensus'].flatMap((flag) => (args.includes(flag) ? [] : [flag, closed]));
  const code = await runCli([...args, ...endpoints], env, output);
  return { code, stdout, stderr };
}

const SIGNER_KEY = `0x${'11'.repeat(32)}`;

describe('operator CLI arguments', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['lock'], 'lock needs --amount <METIS>'],
    [['lock', '--amount=-5'], '--amount must be an amount of METIS'],
    [['lock', '--amount', '1e3'], '--amount must be an amount of METIS'],
    [['lock', '--amount', '0'], '--amount must be more than 0'],
    [['lock', '--amount', '1.0000000000000000001'], '--amount must be an amount of METIS'],
    [['relock'], 'relock needs --amount <METIS> and/or --lock-reward'],
    [['unlock', 'now'], 'unlock: unexpected argument "now"'],
    [['status', '--only', 'edge'], '--only must be l1 or consensus'],
    [['status', '--bogus'], 'unknown option --bogus'],
    [['status', '--l1', 'ftp://example'], '--l1 must be an http(s) URL'],
    [['status', '--locking-pool', '0x12'], '--locking-pool must be a 0x-prefixed 20-byte address'],
    [['status', '--dev-sequencer', 'one'], '--dev-sequencer must be an integer'],
    [['status', '--wait', '5', '--no-wait'], '--wait and --no-wait exclude each other'],
    [['vote', '1'], 'vote needs 2 arguments'],
    [['vote', '0', 'yes'], 'proposal id must be a positive integer, got "0"'],
    [['vote', '1', 'maybe'], 'vote must be yes, no or abstain, got "maybe"'],
    [['proposals', 'latest'], 'proposal id must be a positive integer, got "latest"'],
    [['propose'], 'propose needs 1 argument'],
    [['propose', 'treasury'], 'propose what? "params" or "whitelist", got "treasury"'],
    [['propose', 'params'], 'propose params needs at least one parameter to change'],
    [['propose', 'params', '--epoch-length', '1'], 'propose params: epochLength:'],
    [['propose', 'params', '--block-time-ms', '10'], 'propose params: blockTimeMs:'],
    [['propose', 'params', '--min-lock', 'much'], '--min-lock must be an amount of METIS'],
    [['propose', 'params', '--epoch-length', '100', '--add', `0x${'ab'.repeat(20)}`], '--add and --remove belong to propose whitelist'],
    [['propose', 'whitelist'], 'propose whitelist: '],
    [['propose', 'whitelist', '--add', '0x1234'], '--add must be a 0x-prefixed 20-byte address'],
    [['propose', 'whitelist', '--add', `0x${'ab'.repeat(20)}`, '--epoch-length', '9'], '--epoch-length belongs to propose params'],
    [['register-signer', '--skip-l1'], 'register-signer --skip-l1 needs --comet-home <dir>'],
    [['register-signer', '--rpc-url', 'http://127.0.0.1:9000'], '--rpc-url and --peer-url go with --comet-home'],
    [['register-signer', '--comet-home', '/tmp', '--peer-url', 'nope'], '--peer-url must be a ws(s) or http(s) URL'],
  ])('%j -> exit 2: %s', async (args, reason) => {
    const result = await run(args, { SIGNER_KEY });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error: ${reason}`);
    expect(result.stderr).toContain('usage: ');
    expect(result.stdout).toBe('');
  });

  it('--json puts the usage error on stdout as one document too', async () => {
    const result = await run(['vote', '1', 'maybe', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { kind: 'usage', message: 'vote must be yes, no or abstain, got "maybe"' } });
  });

  it('--help, and a command with --help, print the usage and exit 0', async () => {
    const all = await run(['--help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('register-signer [--comet-home <dir>]');
    const one = await run(['lock', '--help']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('usage: lock --amount <METIS>');
  });

  it('a command that needs a key says which variable, without usage noise', async () => {
    const result = await run(['vote', '1', 'yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: vote needs SIGNER_KEY');
    expect(result.stderr).not.toContain('usage: ');
  });

  it('--dev-sequencer supplies the devnet keys, so the same command gets as far as the network', async () => {
    const result = await run(['vote', '1', 'yes', '--dev-sequencer', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: cannot reach the consensus at ${closed}: ECONNREFUSED\n`);
  });
});
