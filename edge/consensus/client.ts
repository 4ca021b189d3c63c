// The answers' types are the consensus layer's own (type-only imports: nothing of node/ is bundled into the worker).
import type { Epoch, Rotation } from '../../protocol/consensus/types.ts';
import type { AccountView, ConsensusStatus, Page, ProposalDetail, PublicProposal, TxResult, ValidatorView } from '../../protocol/consensus/query.ts';

/** No consensus query API in the list answered; `failures` says why each one did not. */
export class ConsensusUnavailableError extends Error {
  override name = 'ConsensusUnavailableError';
  readonly failures: string[];
  constructor(failures: string[]) {
    super(`no consensus query API answered: ${failures.join('; ') || 'none configured'}`);
    this.failures = failures;
  }
}

export interface ConsensusClientOptions {
  urls: string[];
  timeoutMs?: number;
}

/**
 * Reads the consensus layer's query API. Every host serves the same committed state, so any one that answers
 * will do: the client asks them in turn, starting with the last one that answered.
 */
export class ConsensusClient {
  readonly #urls: string[];
  readonly #timeoutMs: number;
  #preferred = 0;
  /** The base URL that answered last, for the status page. */
  source: string | null = null;

  constructor(options: ConsensusClientOptions) {
    this.#urls = options.urls;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
  }

  status(): Promise<ConsensusStatus> {
    return this.#get('/v1/consensus/status');
  }

  async validators(): Promise<ValidatorView[]> {
    return (await this.#get<{ items: ValidatorView[] }>('/v1/consensus/validators')).items;
  }

  epochs(from: number, limit = 100): Promise<Page<Epoch>> {
    return this.#get(`/v1/consensus/epochs?from=${from}&limit=${limit}`);
  }

  rotations(from: number, limit = 100): Promise<Page<Rotation>> {
    return this.#get(`/v1/consensus/rotations?from=${from}&limit=${limit}`);
  }

  proposals(from: number, limit = 100): Promise<Page<PublicProposal>> {
    return this.#get(`/v1/consensus/proposals?from=${from}&limit=${limit}`);
  }

  proposal(id: string | number): Promise<ProposalDetail> {
    return this.#get(`/v1/consensus/proposals/${encodeURIComponent(String(id))}`);
  }

  /** An app-tx sender's next nonce, as committed. */
  account(address: string): Promise<AccountView> {
    return this.#get(`/v1/consensus/accounts/${encodeURIComponent(address)}`);
  }

  /** Broadcasts a signed app tx; the answer is CheckTx's (code 0: accepted into the mempool). */
  submitTx(txHex: string): Promise<TxResult> {
    return this.#request('/v1/consensus/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: txHex }) });
  }

  #get<T>(path: string): Promise<T> {
    return this.#request(path, { method: 'GET' });
  }

  async #request<T>(path: string, init: RequestInit): Promise<T> {
    const failures: string[] = [];
    for (let i = 0; i < this.#urls.length; i++) {
      const index = (this.#preferred + i) % this.#urls.length;
      const base = this.#urls[index] as string;
      try {
        const response = await fetch(base + path, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
        const body = (await response.json()) as T & { error?: { message?: string } };
        if (!response.ok) {
          // A 4xx is the layer's answer about our request, the same on every host: do not ask the next one.
          if (response.status < 500) throw new ConsensusRequestError(path, response.status, body.error?.message ?? 'error');
          throw new Error(`HTTP ${response.status}: ${body.error?.message ?? ''}`);
        }
        this.#preferred = index;
        this.source = base;
        return body;
      } catch (error) {
        if (error instanceof ConsensusRequestError) throw error;
        failures.push(`${base}: ${(error as Error).message}`);
      }
    }
    throw new ConsensusUnavailableError(failures);
  }
}

/** The consensus layer refused the request itself (HTTP 4xx). */
export class ConsensusRequestError extends Error {
  override name = 'ConsensusRequestError';
  readonly status: number;
  constructor(path: string, status: number, reason: string) {
    super(`${path}: HTTP ${status}: ${reason}`);
    this.status = status;
  }
}
