import { TxCode } from '../consensus/app/errors.ts';
import type { Address, Epoch, Proposal, ProposalVote, ValidatorStatus } from '../consensus/app/types.ts';
import { signTx, type TxPayload, type TxType } from '../consensus/txs.ts';
import type { AnyWallet } from './config.ts';
import { NetworkError, QueryError, RefusedError, TimeoutError } from './errors.ts';

/**
 * A small client of the consensus query API (/tmp/team/consensus-api.md) for the CLI, and the submission of
 * signed app txs. The API has no account route, so a sender's next nonce is learned from CheckTx itself: the
 * app refuses a wrong nonce with code badNonce and names the expected one ("… is not the next nonce of 0x… (7)"),
 * and the tx is re-signed once with it. CheckTx counts txs already in the mempool, so this stays right while the
 * host signs its own txs with the same key.
 */

export interface ConsensusStatusView {
  chainId: string;
  height: number;
  appHash: string;
  l2ChainId: number;
  epoch: Epoch;
  nextEpoch: Epoch | null;
  activeSequencer: Address;
  l2: { latest: number | null; safe: number | null; finalized: number | null };
  mpc: { address: Address | null; threshold: number; parties: Address[] };
  params: { epochLength: number; blockTimeMs: number; minLock: string; maxLock: string; rewardPerBlock: string; livenessTimeoutMs: number };
}

export interface ValidatorView {
  address: Address;
  sequencerId: number;
  owner: Address;
  stake: string;
  power: number;
  status: ValidatorStatus;
  cometPubKey: string | null;
  rpcUrl: string;
  peerUrl: string;
  coolDownUntilEpoch: number;
}

export type ProposalView = Omit<Proposal, 'votes'>;
export type ProposalDetail = ProposalView & { votes: ProposalVote[] };

export interface TxResult {
  hash: string;
  code: number;
  log: string;
}

const TX_CODE_NAMES = Object.fromEntries(Object.entries(TxCode).map(([name, code]) => [code, name])) as Record<number, string>;

export function txCodeName(code: number): string {
  return TX_CODE_NAMES[code] ?? `code${code}`;
}

/** The nonce a badNonce refusal names, or null. */
export function expectedNonceOf(log: string): number | null {
  const match = /is not the next nonce of 0x[0-9a-f]{40} \((\d+)\)/i.exec(log);
  return match ? Number(match[1]) : null;
}

export class ConsensusApi {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new NetworkError('consensus', this.url, cause?.code ?? ((error as Error).name === 'TimeoutError' ? 'no answer within 15 s' : (error as Error).message));
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new NetworkError('consensus', this.url, `HTTP ${response.status} on ${path} is not JSON (is this the consensus query API?)`);
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } }).error;
      if (response.status === 502 || response.status === 503) throw new NetworkError('consensus', this.url, error?.message ?? `HTTP ${response.status}`);
      throw new QueryError(response.status, error?.code ?? 'error', error?.message ?? `${init?.method ?? 'GET'} ${path} failed`);
    }
    return body as T;
  }

  status(): Promise<ConsensusStatusView> {
    return this.request('/v1/consensus/status');
  }

  async validators(): Promise<ValidatorView[]> {
    return (await this.request<{ items: ValidatorView[] }>('/v1/consensus/validators')).items;
  }

  /** Every proposal (the API pages by 100 at most). */
  async proposals(from = 0): Promise<ProposalView[]> {
    const items: ProposalView[] = [];
    let next: number | null = from;
    while (next !== null) {
      const page: { items: ProposalView[]; next: number | null } = await this.request(`/v1/consensus/proposals?from=${next}&limit=100`);
      items.push(...page.items);
      next = page.next;
    }
    return items;
  }

  proposal(id: number): Promise<ProposalDetail> {
    return this.request(`/v1/consensus/proposals/${id}`);
  }

  submitTx(bytes: Uint8Array): Promise<TxResult> {
    return this.request('/v1/consensus/tx', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: `0x${Buffer.from(bytes).toString('hex')}` }),
    });
  }
}

export interface SentTx {
  hash: string;
  nonce: number;
  from: string;
}

/** Signs `payload` as a `type` tx by `signer`, learning the nonce from CheckTx (see above); CheckTx refusals become RefusedError. */
export async function sendAppTx<T extends TxType>(api: ConsensusApi, action: string, signer: AnyWallet, chainId: string, type: T, payload: TxPayload<T>, firstNonce = 0): Promise<SentTx> {
  let nonce = firstNonce;
  for (let attempt = 0; attempt < 4; attempt++) {
    const bytes = signTx<T>(signer.privateKey, { chainId, type, nonce, payload } as Parameters<typeof signTx<T>>[1]);
    const result = await api.submitTx(bytes);
    if (result.code === TxCode.ok) return { hash: result.hash, nonce, from: signer.address.toLowerCase() };
    const expected = result.code === TxCode.badNonce ? expectedNonceOf(result.log) : null;
    if (expected !== null && expected !== nonce) {
      nonce = expected;
      continue;
    }
    throw new RefusedError(action, txCodeName(result.code), `${result.log} (tx code ${result.code}: ${txCodeName(result.code)})`, { txCode: result.code, log: result.log });
  }
  throw new RefusedError(action, 'badNonce', `the nonce of ${signer.address} kept moving (another process is sending txs with this key)`);
}

/** Polls `probe` until it returns a value, for at most `seconds`. */
export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | null>, details: Record<string, unknown> = {}): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() >= deadline) throw new TimeoutError(`${what}: not seen in committed state within ${seconds} s (the tx was accepted into the mempool; check later with \`proposals\` or \`status\`)`, details);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
