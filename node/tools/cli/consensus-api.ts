import { TxCode } from '../../../protocol/consensus/errors.ts';
import { ConsensusApiError, ConsensusClient } from '../../consensus/client/client.ts';
import type { ConsensusStatus, ProposalDetail, PublicProposal, ValidatorView } from '../../../protocol/consensus/query.ts';
import { AppTxSender } from '../../consensus/client/tx-sender.ts';
import type { TxPayload, TxType } from '../../consensus/app/txs.ts';
import type { AnyWallet } from './config.ts';
import { NetworkError, QueryError, RefusedError, TimeoutError } from './errors.ts';

/**
 * The CLI's use of the consensus layer's own ConsensusClient: the same calls, with failures turned into the CLI's
 * errors (an unreachable or broken endpoint is a NetworkError naming its URL, a 4xx answer a QueryError), and the
 * submission of signed app txs through the layer's AppTxSender.
 */

const TIMEOUT_MS = 15_000;

export class CliConsensus {
  readonly url: string;
  readonly client: ConsensusClient;
  constructor(url: string) {
    this.url = url;
    this.client = new ConsensusClient(url, { timeoutMs: TIMEOUT_MS });
  }

  /** Runs one or more client calls, reporting their failures as the CLI's errors. */
  async call<T>(path: string, run: (client: ConsensusClient) => Promise<T>): Promise<T> {
    try {
      return await run(this.client);
    } catch (error) {
      throw this.cliError(path, error);
    }
  }

  private cliError(path: string, error: unknown): Error {
    if (error instanceof ConsensusApiError) {
      if (error.status === 502 || error.status === 503) return new NetworkError('consensus', this.url, error.message);
      return new QueryError(error.status, error.code, error.message);
    }
    if (error instanceof SyntaxError) return new NetworkError('consensus', this.url, `the answer on ${path} is not JSON (is this the consensus query API?)`);
    if (error instanceof NetworkError || error instanceof QueryError || error instanceof RefusedError) return error;
    const cause = (error as { cause?: { code?: string } }).cause;
    return new NetworkError('consensus', this.url, cause?.code ?? ((error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as Error).message));
  }

  status(): Promise<ConsensusStatus> {
    return this.call('/v1/consensus/status', (client) => client.status());
  }

  validators(): Promise<ValidatorView[]> {
    return this.call('/v1/consensus/validators', (client) => client.validators());
  }

  /** Every proposal (the API pages by 100 at most). */
  proposals(): Promise<PublicProposal[]> {
    return this.call('/v1/consensus/proposals', async (client) => {
      const items: PublicProposal[] = [];
      let next: number | null = 0;
      while (next !== null) {
        const page = await client.proposals({ from: next, limit: 100 });
        items.push(...page.items);
        next = page.next;
      }
      return items;
    });
  }

  proposal(id: number): Promise<ProposalDetail> {
    return this.call(`/v1/consensus/proposals/${id}`, (client) => client.proposal(id));
  }
}

const TX_CODE_NAMES = Object.fromEntries(Object.entries(TxCode).map(([name, code]) => [code, name])) as Record<number, string>;

export function txCodeName(code: number): string {
  return TX_CODE_NAMES[code] ?? `code${code}`;
}

export interface SentTx {
  hash: string;
  nonce: number;
  from: string;
}

/**
 * Signs `payload` as a `type` tx by `signer` with the consensus layer's AppTxSender (nonce from the account route,
 * re-read once after a bad-nonce refusal); CheckTx refusals become RefusedError.
 */
export async function sendAppTx<T extends TxType>(api: CliConsensus, action: string, signer: AnyWallet, chainId: string, type: T, payload: TxPayload<T>): Promise<SentTx> {
  const sender = new AppTxSender({ consensus: api.client, key: signer.privateKey, chainId });
  const result = await api.call('/v1/consensus/tx', () => sender.send(type, payload));
  if (result.code === TxCode.ok) return { hash: result.hash, nonce: result.nonce, from: sender.address };
  const moving = result.code === TxCode.badNonce ? ' (another process is sending txs with this key; try again)' : '';
  throw new RefusedError(action, txCodeName(result.code), `${result.log} (tx code ${result.code}: ${txCodeName(result.code)})${moving}`, { txCode: result.code, log: result.log });
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
