import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { VoteOption } from '../../../protocol/consensus/types.ts';
import { parseAddress, parseIndex, parseMetis, parseUrl, requireKey, resolveConfig, type CliConfig, type GlobalFlags } from './config.ts';
import { consensusStatus, paramChange, propose, proposals, registerCometKey, vote, whitelistChange, type ParamFlags } from './consensus-commands.ts';
import { exitCodeOf, isExpected, NetworkError, RefusedError, UsageError } from './errors.ts';
import { l1Status, lock, relock, unlock, updateSigner, withdraw, withdrawPart, withdrawRewards } from './l1-commands.ts';
import { printError, printReport, processOutput, type Output, type Report } from './output.ts';
import { COMMAND_USAGE, USAGE } from './usage.ts';

/**
 * Argument parsing (node:util parseArgs, strict) and dispatch. Every command accepts the global options plus its
 * own; anything else is a usage error (exit 2) before any network access.
 */

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL_OPTIONS: Options = {
  l1: { type: 'string' },
  consensus: { type: 'string' },
  devnet: { type: 'string' },
  'locking-pool': { type: 'string' },
  'dev-sequencer': { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'string' },
  'no-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const PARAM_OPTIONS = ['epoch-length', 'block-time-ms', 'min-lock', 'max-lock', 'reward-per-block', 'liveness-timeout-ms'] as const;

const COMMAND_OPTIONS: Record<string, Options> = {
  status: { only: { type: 'string' } },
  lock: { amount: { type: 'string' } },
  relock: { amount: { type: 'string' }, 'lock-reward': { type: 'boolean' } },
  unlock: {},
  withdraw: { amount: { type: 'string' } },
  rewards: {},
  'register-signer': { 'comet-home': { type: 'string' }, 'rpc-url': { type: 'string' }, 'peer-url': { type: 'string' }, 'skip-l1': { type: 'boolean' } },
  propose: {
    ...Object.fromEntries(PARAM_OPTIONS.map((name) => [name, { type: 'string' as const }])),
    add: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    title: { type: 'string' },
  },
  vote: {},
  proposals: {},
};

const POSITIONALS: Record<string, [min: number, max: number]> = {
  status: [0, 0],
  lock: [0, 0],
  relock: [0, 0],
  unlock: [0, 0],
  withdraw: [0, 0],
  rewards: [0, 0],
  'register-signer': [0, 0],
  propose: [1, 1],
  vote: [2, 2],
  proposals: [0, 1],
};

const ALL_OPTIONS: Options = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMAND_OPTIONS));

type Values = Record<string, string | boolean | string[] | undefined>;

interface Invocation {
  command: string;
  args: string[];
  values: Values;
}

function parse(argv: string[]): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const command = parseArgs({ args: argv, options: ALL_OPTIONS, allowPositionals: true, strict: false }).positionals[0];
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : message.split('\n')[0]!, { command });
  }
  const [command, ...args] = parsed.positionals;
  if (!command) {
    if (parsed.values.help) return 'help';
    throw new UsageError('no command given');
  }
  if (command === 'help') return 'help';
  if (!(command in COMMAND_OPTIONS)) throw new UsageError(`unknown command "${command}"`);
  const allowed = { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] };
  for (const token of parsed.tokens ?? []) {
    if (token.kind === 'option' && !(token.name in allowed)) throw new UsageError(`--${token.name} is not an option of ${command}`);
  }
  return { command, args, values: parsed.values as Values };
}

function checkPositionals(invocation: Invocation): void {
  const [min, max] = POSITIONALS[invocation.command]!;
  const count = invocation.args.length;
  if (count < min) throw new UsageError(`${invocation.command} needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}`);
  if (count > max) throw new UsageError(`${invocation.command}: unexpected argument "${invocation.args[max]}"`);
}

const string = (values: Values, name: string): string | undefined => values[name] as string | undefined;

async function status(config: CliConfig, only: string | undefined): Promise<Report> {
  if (only !== undefined && only !== 'l1' && only !== 'consensus') throw new UsageError(`--only must be l1 or consensus, got "${only}"`);
  const sections = only ? [only] : ['consensus', 'l1'];
  const json: Record<string, unknown> = {};
  const lines: string[] = [];
  const failures: Error[] = [];
  const results = await Promise.allSettled(sections.map((section) => (section === 'l1' ? l1Status(config) : consensusStatus(config))));
  for (const [index, result] of results.entries()) {
    const section = sections[index]!;
    if (result.status === 'fulfilled') {
      json[section] = result.value.json;
      lines.push(...result.value.lines);
      continue;
    }
    // One side down (e.g. the consensus layer not started yet) must not hide the other: report it, exit 1.
    const error: unknown = result.reason;
    if (!isExpected(error) || sections.length === 1 || error instanceof RefusedError) throw error;
    failures.push(error);
    json[section] = { error: { message: error.message, ...(error instanceof NetworkError ? { url: error.url } : {}) } };
    lines.push(`${section === 'l1' ? 'L1' : 'consensus'}: ${error.message}`);
  }
  return { json, lines, failed: failures.length > 0 };
}

async function registerSigner(config: CliConfig, values: Values): Promise<Report> {
  const cometHome = string(values, 'comet-home');
  const skipL1 = values['skip-l1'] === true;
  if (skipL1 && cometHome === undefined) throw new UsageError('register-signer --skip-l1 needs --comet-home <dir> (there is nothing else to do)');
  const rpcUrl = string(values, 'rpc-url');
  const peerUrl = string(values, 'peer-url');
  if (cometHome === undefined && (rpcUrl !== undefined || peerUrl !== undefined)) throw new UsageError('--rpc-url and --peer-url go with --comet-home');
  const registration = {
    cometHome: cometHome ?? '',
    ...(rpcUrl === undefined ? {} : { rpcUrl: parseUrl('rpc-url', rpcUrl) }),
    ...(peerUrl === undefined ? {} : { peerUrl: parseWsUrl(peerUrl) }),
  };
  const signer = requireKey(config.keys, 'signer', 'register-signer');
  const json: Record<string, unknown> = { action: 'register-signer' };
  const lines: string[] = [];
  if (!skipL1) {
    const update = await updateSigner(config, signer);
    json.l1 = update;
    lines.push(
      update.tx
        ? `L1: sequencer #${update.sequencerId}'s signer is now ${update.signer} (was ${update.oldSigner}); tx ${update.tx}`
        : `L1: ${update.signer} is already the signer of sequencer #${update.sequencerId}; nothing sent`,
    );
  }
  if (cometHome !== undefined) {
    const report = await registerCometKey(config, signer, registration);
    json.consensus = report.json;
    lines.push(...report.lines.map((line) => `consensus: ${line}`));
  }
  return { json, lines };
}

function parseWsUrl(value: string): string {
  if (!/^(wss?|https?):\/\/[^\s]+$/.test(value)) throw new UsageError(`--peer-url must be a ws(s) or http(s) URL, got "${value}"`);
  return value;
}

async function proposeCommand(config: CliConfig, kind: string, values: Values): Promise<Report> {
  const title = string(values, 'title');
  const add = (values.add as string[] | undefined) ?? [];
  const remove = (values.remove as string[] | undefined) ?? [];
  const given = PARAM_OPTIONS.filter((name) => values[name] !== undefined);
  if (kind === 'params') {
    if (add.length + remove.length > 0) throw new UsageError('--add and --remove belong to propose whitelist');
    if (given.length === 0) throw new UsageError('propose params needs at least one parameter to change');
    const number = (name: string) => (values[name] === undefined ? undefined : parseIndex(`--${name}`, values[name] as string, 1_000_000));
    const amount = (name: string) => (values[name] === undefined ? undefined : parseMetis(`--${name}`, values[name] as string));
    const flags: ParamFlags = {};
    const set = <K extends keyof ParamFlags>(key: K, value: ParamFlags[K] | undefined) => {
      if (value !== undefined) flags[key] = value;
    };
    set('epochLength', number('epoch-length'));
    set('blockTimeMs', number('block-time-ms'));
    set('minLock', amount('min-lock'));
    set('maxLock', amount('max-lock'));
    set('rewardPerBlock', amount('reward-per-block'));
    set('livenessTimeoutMs', number('liveness-timeout-ms'));
    return propose(config, { kind: 'params', change: paramChange(flags) }, title);
  }
  if (kind === 'whitelist') {
    if (given.length > 0) throw new UsageError(`--${given[0]} belongs to propose params`);
    const change = whitelistChange(
      add.map((address) => parseAddress('--add', address).toLowerCase()),
      remove.map((address) => parseAddress('--remove', address).toLowerCase()),
    );
    return propose(config, { kind: 'whitelist', change }, title);
  }
  throw new UsageError(`propose what? "params" or "whitelist", got "${kind}"`);
}

async function dispatch(config: CliConfig, invocation: Invocation): Promise<Report> {
  const { command, args, values } = invocation;
  switch (command) {
    case 'status':
      return status(config, string(values, 'only'));
    case 'lock': {
      const amount = string(values, 'amount');
      if (amount === undefined) throw new UsageError('lock needs --amount <METIS>');
      const wei = parseMetis('--amount', amount);
      if (wei === 0n) throw new UsageError('--amount must be more than 0');
      return lock(config, wei);
    }
    case 'relock': {
      const amount = string(values, 'amount');
      const lockReward = values['lock-reward'] === true;
      if (amount === undefined && !lockReward) throw new UsageError('relock needs --amount <METIS> and/or --lock-reward');
      return relock(config, amount === undefined ? 0n : parseMetis('--amount', amount), lockReward);
    }
    case 'unlock':
      return unlock(config);
    case 'withdraw': {
      const amount = string(values, 'amount');
      if (amount === undefined) return withdraw(config);
      const wei = parseMetis('--amount', amount);
      if (wei === 0n) throw new UsageError('--amount must be more than 0');
      return withdrawPart(config, wei);
    }
    case 'rewards':
      return withdrawRewards(config);
    case 'register-signer':
      return registerSigner(config, values);
    case 'propose':
      return proposeCommand(config, args[0]!, values);
    case 'vote': {
      const [id, option] = args as [string, string];
      if (!/^[1-9]\d{0,14}$/.test(id)) throw new UsageError(`proposal id must be a positive integer, got "${id}"`);
      if (!['yes', 'no', 'abstain'].includes(option)) throw new UsageError(`vote must be yes, no or abstain, got "${option}"`);
      return vote(config, Number(id), option as VoteOption);
    }
    case 'proposals': {
      const id = args[0];
      if (id !== undefined && !/^[1-9]\d{0,14}$/.test(id)) throw new UsageError(`proposal id must be a positive integer, got "${id}"`);
      return proposals(config, id === undefined ? null : Number(id));
    }
  }
  throw new UsageError(`unknown command "${command}"`);
}

/** Runs the CLI; returns the exit code. Output goes through `output` (stdout/stderr by default). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, output: Output = processOutput, cwd = process.cwd()): Promise<number> {
  const json = argv.includes('--json');
  let usage: string | null = USAGE;
  const commandUsage = (command: string) => `usage: ${COMMAND_USAGE[command]}\n(run with --help for every command and option)`;
  try {
    const invocation = parse(argv);
    if (invocation === 'help') {
      output.out(USAGE);
      return 0;
    }
    usage = commandUsage(invocation.command);
    if (invocation.values.help) {
      output.out(usage);
      return 0;
    }
    checkPositionals(invocation);
    const config = resolveConfig(invocation.values as GlobalFlags, env, cwd);
    const report = await dispatch(config, invocation);
    printReport(output, report, config.json);
    return report.failed ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError && error.command && error.command in COMMAND_USAGE) usage = commandUsage(error.command);
    printError(output, error, json, usage);
    return exitCodeOf(error);
  }
}
