import { paramChangeSchema, whitelistChangeSchema } from '../../consensus/app/txs.ts';
import { describeIssues } from '../../consensus/app/schemas.ts';
import type { ParamChange, VoteOption, WhitelistChange } from '../../../protocol/consensus/types.ts';
import { requireKey, type AnyWallet, type CliConfig } from './config.ts';
import { cometKeyProof, readCometKey } from '../../consensus/client/comet-key.ts';
import type { ProposalDetail, PublicProposal, ValidatorView } from '../../../protocol/consensus/query.ts';
import { CliConsensus, sendAppTx, waitFor } from './consensus-api.ts';
import { RefusedError, UsageError } from './errors.ts';
import { metis, table, type Report } from './output.ts';

/**
 * The operator's consensus actions, signed by the sequencer's signer key (SIGNER_KEY) and sent to the query API's
 * POST /v1/consensus/tx: propose (params, whitelist), vote, register-comet-key; and the read-only views status and
 * proposals. An accepted tx is only in the mempool, so each action then waits (--wait, default 30 s) until its
 * effect shows in committed state, and reports it (the proposal id, the counted vote, the bound key).
 */

export async function consensusStatus(config: CliConfig): Promise<Report> {
  const api = new CliConsensus(config.consensusUrl);
  const [status, validators] = await Promise.all([api.status(), api.validators()]);
  const signer = config.keys.signer?.address.toLowerCase() ?? null;
  const mine = signer ? (validators.find((validator) => validator.address === signer) ?? null) : null;
  const { epoch, nextEpoch, l2, mpc, params } = status;
  const lines = [
    `consensus ${config.consensusUrl} (chain ${status.chainId}, height ${status.height}, L2 chain ${status.l2ChainId})`,
    `  epoch ${epoch.number}: L2 blocks ${epoch.firstBlock}–${epoch.lastBlock}, sequencer ${epoch.sequencer} (${epoch.reason})`,
    ...(nextEpoch ? [`  next epoch ${nextEpoch.number}: from L2 block ${nextEpoch.firstBlock}, sequencer ${nextEpoch.sequencer} (${nextEpoch.reason})`] : []),
    `  active sequencer ${status.activeSequencer}`,
    `  L2 heads: latest ${l2.latest ?? '-'}, safe ${l2.safe ?? '-'}, finalized ${l2.finalized ?? '-'}`,
    mpc.address ? `  MPC ${mpc.address} (threshold ${mpc.threshold} of ${mpc.parties.length})` : `  MPC not generated yet${mpc.parties.length > 0 ? ` (keygen among ${mpc.parties.length})` : ''}`,
    `  params: epoch ${params.epochLength} L2 blocks, block time ${params.blockTimeMs} ms, lock ${metis(params.minLock)} to ${metis(params.maxLock)}, reward ${metis(params.rewardPerBlock)} per block, liveness timeout ${params.livenessTimeoutMs} ms`,
    `  ${validators.length} validator${validators.length === 1 ? '' : 's'}`,
  ];
  if (validators.length > 0) {
    lines.push(
      ...table(
        [
          ['sequencer', 'id', 'stake', 'power', 'status', 'comet key'],
          ...validators.map((validator) => [validator.address, `#${validator.sequencerId}`, metis(validator.stake), String(validator.power), validator.status, validator.cometPubKey ? 'registered' : 'none']),
        ],
        '    ',
      ),
    );
  }
  if (signer) {
    lines.push(
      mine
        ? `  you (${signer}): ${mine.status}, power ${mine.power}${mine.address === status.activeSequencer ? ', ACTIVE SEQUENCER' : ''}, comet key ${mine.cometPubKey ?? 'not registered (run register-signer --comet-home <dir>)'}`
        : `  you (${signer}): not a validator yet (the layer adds a signer once its L1 lock is observed)`,
    );
  }
  return { json: { ...status, url: config.consensusUrl, validators, validator: mine }, lines };
}

function proposalLine(proposal: PublicProposal): string {
  const { tally } = proposal;
  return `#${proposal.id} ${proposal.kind} ${proposal.status} by ${proposal.proposer}: ${JSON.stringify(proposal.change)}; yes ${tally.yes} / no ${tally.no} / abstain ${tally.abstain} of ${tally.totalPower}; voting ends at height ${proposal.votingEndHeight}, effective at ${proposal.effectiveHeight}`;
}

export async function proposals(config: CliConfig, id: number | null): Promise<Report> {
  const api = new CliConsensus(config.consensusUrl);
  if (id !== null) {
    const proposal = await api.proposal(id);
    const lines = [proposalLine(proposal)];
    if (proposal.votes.length > 0) lines.push(...table([['voter', 'option', 'power', 'height'], ...proposal.votes.map((vote) => [vote.voter, vote.option, String(vote.power), String(vote.height)])]));
    else lines.push('  no votes yet');
    return { json: { proposal }, lines };
  }
  const items = await api.proposals();
  return { json: { items }, lines: items.length === 0 ? ['no proposals'] : items.map(proposalLine) };
}

export interface ParamFlags {
  epochLength?: number;
  blockTimeMs?: number;
  minLock?: bigint;
  maxLock?: bigint;
  rewardPerBlock?: bigint;
  livenessTimeoutMs?: number;
}

/** The params change as the app's schema wants it (wei as decimal strings); refused here exactly as CheckTx would. */
export function paramChange(flags: ParamFlags): ParamChange {
  const change: Record<string, unknown> = {};
  if (flags.epochLength !== undefined) change.epochLength = flags.epochLength;
  if (flags.blockTimeMs !== undefined) change.blockTimeMs = flags.blockTimeMs;
  if (flags.minLock !== undefined) change.minLock = flags.minLock.toString();
  if (flags.maxLock !== undefined) change.maxLock = flags.maxLock.toString();
  if (flags.rewardPerBlock !== undefined) change.rewardPerBlock = flags.rewardPerBlock.toString();
  if (flags.livenessTimeoutMs !== undefined) change.livenessTimeoutMs = flags.livenessTimeoutMs;
  const parsed = paramChangeSchema.safeParse(change);
  if (!parsed.success) throw new UsageError(`propose params: ${describeIssues(parsed.error)}`);
  return parsed.data as ParamChange;
}

export function whitelistChange(add: string[], remove: string[]): WhitelistChange {
  const parsed = whitelistChangeSchema.safeParse({ add, remove });
  if (!parsed.success) throw new UsageError(`propose whitelist: ${describeIssues(parsed.error)}`);
  return parsed.data as WhitelistChange;
}

function sameChange(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort()) : item));
  return canonical(a) === canonical(b);
}

export async function propose(config: CliConfig, proposal: { kind: 'params'; change: ParamChange } | { kind: 'whitelist'; change: WhitelistChange }, title: string | undefined): Promise<Report> {
  const signer = requireKey(config.keys, 'signer', 'propose');
  const api = new CliConsensus(config.consensusUrl);
  const status = await api.status();
  const payload = { kind: proposal.kind, change: proposal.change, ...(title === undefined ? {} : { title }) } as Parameters<typeof sendAppTx<'propose'>>[5];
  const sent = await sendAppTx(api, 'propose', signer, status.chainId, 'propose', payload);
  const json: Record<string, unknown> = { action: 'propose', tx: sent.hash, nonce: sent.nonce, from: sent.from, kind: proposal.kind, change: proposal.change };
  if (config.waitSeconds === 0) return { json, lines: [`proposal submitted (tx ${sent.hash}); its id shows in \`proposals\` once committed`] };
  const found = await waitFor(`proposal by ${sent.from}`, config.waitSeconds, async () => {
    const items = await api.proposals();
    return items.find((item) => item.proposer === sent.from && item.submittedHeight > status.height && item.kind === proposal.kind && sameChange(item.change, proposal.change)) ?? null;
  }, { tx: sent.hash });
  return {
    json: { ...json, proposal: found },
    lines: [`proposal #${found.id} (${found.kind}) is open for voting until height ${found.votingEndHeight}; if it passes it takes effect at height ${found.effectiveHeight}`, `vote with: vote ${found.id} yes|no|abstain  (tx ${sent.hash})`],
  };
}

export async function vote(config: CliConfig, proposalId: number, option: VoteOption): Promise<Report> {
  const signer = requireKey(config.keys, 'signer', 'vote');
  const api = new CliConsensus(config.consensusUrl);
  const status = await api.status();
  const sent = await sendAppTx(api, 'vote', signer, status.chainId, 'vote', { proposalId, option });
  const json: Record<string, unknown> = { action: 'vote', tx: sent.hash, nonce: sent.nonce, from: sent.from, proposalId, option };
  if (config.waitSeconds === 0) return { json, lines: [`vote ${option} on proposal #${proposalId} submitted (tx ${sent.hash})`] };
  const counted = await waitFor(`vote of ${sent.from} on proposal ${proposalId}`, config.waitSeconds, async () => {
    const proposal: ProposalDetail = await api.proposal(proposalId);
    const mine = proposal.votes.find((item) => item.voter === sent.from && item.option === option && item.height > status.height);
    return mine ? { proposal, vote: mine } : null;
  }, { tx: sent.hash });
  const { tally } = counted.proposal;
  return {
    json: { ...json, power: counted.vote.power, proposal: counted.proposal },
    lines: [`voted ${option} on proposal #${proposalId} with power ${counted.vote.power}; tally yes ${tally.yes} / no ${tally.no} / abstain ${tally.abstain} of ${tally.totalPower} (${counted.proposal.status})`, `tx ${sent.hash}`],
  };
}

export interface CometRegistration {
  cometHome: string;
  rpcUrl?: string;
  peerUrl?: string;
}

/** register-comet-key: binds the signer to its validator's CometBFT key (and optionally announces its URLs). */
export async function registerCometKey(config: CliConfig, signer: AnyWallet, registration: CometRegistration): Promise<Report> {
  const key = readCometKey(registration.cometHome);
  const api = new CliConsensus(config.consensusUrl);
  const from = signer.address.toLowerCase();
  // After an L1 updateSigner the layer knows the new signer only once it has observed that L1 event.
  const findSelf = async (): Promise<ValidatorView | null> => (await api.validators()).find((validator) => validator.address === from) ?? null;
  let known = await findSelf();
  if (!known && config.waitSeconds > 0) known = await waitFor(`validator ${from} on the consensus layer`, config.waitSeconds, findSelf).catch(() => null);
  if (!known) {
    throw new RefusedError('register-comet-key', 'unauthorized', `${from} is not a validator on the consensus layer (it must be the signer of an L1 lock the layer has observed)`);
  }
  if (known.cometPubKey === key.pubKey && (registration.rpcUrl ?? known.rpcUrl) === known.rpcUrl && (registration.peerUrl ?? known.peerUrl) === known.peerUrl) {
    return { json: { action: 'register-comet-key', from, cometPubKey: key.pubKey, cometAddress: key.address, tx: null }, lines: [`${from} is already bound to CometBFT key ${key.pubKey} (${key.address}); nothing sent`] };
  }
  const status = await api.status();
  const payload = {
    pubKey: key.pubKey,
    proof: cometKeyProof(key, status.chainId, from),
    ...(registration.rpcUrl === undefined ? {} : { rpcUrl: registration.rpcUrl }),
    ...(registration.peerUrl === undefined ? {} : { peerUrl: registration.peerUrl }),
  };
  const sent = await sendAppTx(api, 'register-comet-key', signer, status.chainId, 'register-comet-key', payload);
  const json: Record<string, unknown> = { action: 'register-comet-key', from, cometPubKey: key.pubKey, cometAddress: key.address, tx: sent.hash, nonce: sent.nonce };
  if (config.waitSeconds === 0) return { json, lines: [`register-comet-key submitted for ${from} -> ${key.pubKey} (tx ${sent.hash})`] };
  const bound = await waitFor(`CometBFT key of ${from}`, config.waitSeconds, async () => {
    const self = await findSelf();
    const done = self && self.cometPubKey === key.pubKey && (registration.rpcUrl === undefined || self.rpcUrl === registration.rpcUrl) && (registration.peerUrl === undefined || self.peerUrl === registration.peerUrl);
    return done ? self : null;
  }, { tx: sent.hash });
  return {
    json: { ...json, validator: bound },
    lines: [`${from} is bound to CometBFT key ${key.pubKey} (validator ${key.address}); rpc ${bound.rpcUrl}, peer ${bound.peerUrl}`, `tx ${sent.hash}`],
  };
}
