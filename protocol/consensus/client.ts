import type { AccountView, ConsensusStatus, MpcStateView, Page, ProposalDetail, PublicProposal, TxResult, ValidatorView } from './query.ts';
import type { Address, Epoch, Rotation } from './types.ts';

/**
 * The one client of the consensus query API (docs/architecture/consensus.md), for hosts, the CLI and the edge: Web
 * fetch only, so it runs in Node and in the Worker alike.
 */

/** The consensus layer answered, and refused the request itself (HTTP 4xx): the same on every host. */
export class ConsensusApiError extends Error {
  override name = 'ConsensusApiError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** No query API in the list answered; `failures` says why each one did not. */
export class ConsensusUnavailableError extends Error {
  override name = 'ConsensusUnavailableError';
  readonly failures: { url: string; reason: string }[];
  constructor(failures: { url: string; reason: string }[]) {
    super(`no consensus query API answered: ${failures.map(({ url, reason }) => `${url}: ${reason}`).join('; ') || 'none configured'}`);
    this.failures = failures;
  }
}

export interface PageRequest {
  from?: number;
  limit?: number;
}

/**
 * Every host serves the same committed state, so any one that answers will do: the client asks its URLs in turn,
 * starting with the last one that answered. A 4xx is the layer's answer about the request and is not asked again.
 */
export class ConsensusClient {
  readonly urls: readonly string[];
  /** The base URL that answered last (null before the first answer). */
  source: string | null = null;
  private readonly timeoutMs: number;
  private preferred = 0;

  constructor(urls: string | readonly string[], options: { timeoutMs?: number } = {}) {
    this.urls = (typeof urls === 'string' ? [urls] : urls).map((url) => url.replace(/\/$/, ''));
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** The first URL, for log lines. */
  get baseUrl(): string {
    return this.urls[0] ?? '';
  }

  status(): Promise<ConsensusStatus> {
    return this.request('/v1/consensus/status');
  }

  async validators(): Promise<ValidatorView[]> {
    return (await this.request<{ items: ValidatorView[] }>('/v1/consensus/validators')).items;
  }

  /** Who may produce L2 block `l2Block`; null while nobody is elected for it yet. */
  async sequencerFor(l2Block: number): Promise<{ l2Block: number; sequencer: Address; epoch: number } | null> {
    try {
      return await this.request(`/v1/consensus/sequencer?l2Block=${l2Block}`);
    } catch (error) {
      if (error instanceof ConsensusApiError && error.code === 'not_elected') return null;
      throw error;
    }
  }

  epochs(page?: PageRequest): Promise<Page<Epoch>> {
    return this.request(`/v1/consensus/epochs${pageQuery(page)}`);
  }

  rotations(page?: PageRequest): Promise<Page<Rotation>> {
    return this.request(`/v1/consensus/rotations${pageQuery(page)}`);
  }

  proposals(page?: PageRequest): Promise<Page<PublicProposal>> {
    return this.request(`/v1/consensus/proposals${pageQuery(page)}`);
  }

  proposal(id: number | string): Promise<ProposalDetail> {
    return this.request(`/v1/consensus/proposals/${encodeURIComponent(String(id))}`);
  }

  /** An app-tx sender's next nonce, as committed. */
  account(address: string): Promise<AccountView> {
    return this.request(`/v1/consensus/accounts/${encodeURIComponent(address)}`);
  }

  mpc(): Promise<MpcStateView> {
    return this.request('/v1/consensus/mpc');
  }

  /** Submits a signed app tx (bytes or 0x-hex); resolves with CheckTx's verdict (code 0 = in the mempool). */
  submitTx(tx: Uint8Array | string): Promise<TxResult> {
    if (typeof tx !== 'string') tx = `0x${Array.from(tx, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
    return this.request('/v1/consensus/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx }) });
  }

  private async request<T>(path: string, init: RequestInit = { method: 'GET' }): Promise<T> {
    const failures: { url: string; reason: string }[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.preferred + i) % this.urls.length;
      const base = this.urls[index] as string;
      try {
        const body = await this.fetchJson<T>(base + path, init);
        this.preferred = index;
        this.source = base;
        return body;
      } catch (error) {
        if (error instanceof ConsensusApiError) throw error;
        failures.push({ url: base, reason: this.reasonOf(error as Error) });
      }
    }
    throw new ConsensusUnavailableError(failures);
  }

  /** The system's error code (ECONNREFUSED) rather than fetch's "fetch failed", a timeout in words. */
  private reasonOf(error: Error): string {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code) return code;
    return error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : error.message;
  }

  private async fetchJson<T>(url: string, init: RequestInit): Promise<T> {
    const response = await this.fetchOnce(url, init);
    const body = (await response.json().catch(() => {
      throw new Error(`the answer is not JSON (is ${url} a consensus query API?)`);
    })) as T & { error?: { code?: string; message?: string } };
    if (response.ok) return body;
    const reason = body.error?.message ?? `HTTP ${response.status}`;
    if (response.status < 500) throw new ConsensusApiError(response.status, body.error?.code ?? 'http_error', reason);
    throw new Error(`HTTP ${response.status}: ${reason}`);
  }

  private async fetchOnce(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      // A pooled keep-alive connection to a node that restarted fails once (undici); a fresh connection is fine.
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw error;
      return fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    }
  }
}

function pageQuery(page: PageRequest = {}): string {
  const search = new URLSearchParams();
  if (page.from !== undefined) search.set('from', String(page.from));
  if (page.limit !== undefined) search.set('limit', String(page.limit));
  const text = search.toString();
  return text ? `?${text}` : '';
}
