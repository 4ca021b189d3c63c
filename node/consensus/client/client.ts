import WebSocket from 'ws';
import type { AccountView, ConsensusChange, ConsensusStatus, MpcStateView, Page, ProposalDetail, PublicProposal, TxResult, ValidatorView } from '../../../protocol/consensus/query.ts';
import type { Address, Epoch, Hex, Rotation } from '../../../protocol/consensus/types.ts';

/** Typed client of the consensus query API (docs/architecture/consensus.md) for hosts and tests. */

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

export class ConsensusClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      // A pooled keep-alive connection to a node that restarted fails once; a fresh connection is fine.
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code !== 'UND_ERR_SOCKET' && cause?.code !== 'ECONNRESET') throw error;
      response = await fetch(`${this.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    }
    const body = (await response.json()) as T & { error?: { code: string; message: string } };
    if (!response.ok) throw new ConsensusApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? `HTTP ${response.status}`);
    return body;
  }

  private static query(page: { from?: number; limit?: number } = {}): string {
    const search = new URLSearchParams();
    if (page.from !== undefined) search.set('from', String(page.from));
    if (page.limit !== undefined) search.set('limit', String(page.limit));
    const text = search.toString();
    return text ? `?${text}` : '';
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

  epochs(page?: { from?: number; limit?: number }): Promise<Page<Epoch>> {
    return this.request(`/v1/consensus/epochs${ConsensusClient.query(page)}`);
  }

  rotations(page?: { from?: number; limit?: number }): Promise<Page<Rotation>> {
    return this.request(`/v1/consensus/rotations${ConsensusClient.query(page)}`);
  }

  proposals(page?: { from?: number; limit?: number }): Promise<Page<PublicProposal>> {
    return this.request(`/v1/consensus/proposals${ConsensusClient.query(page)}`);
  }

  proposal(id: number): Promise<ProposalDetail> {
    return this.request(`/v1/consensus/proposals/${id}`);
  }

  account(address: string): Promise<AccountView> {
    return this.request(`/v1/consensus/accounts/${address}`);
  }

  mpc(): Promise<MpcStateView> {
    return this.request('/v1/consensus/mpc');
  }

  /** Submits a signed app tx (txs.ts signTx); resolves with CheckTx's verdict (code 0 = in the mempool). */
  submitTx(tx: Uint8Array | Hex): Promise<TxResult> {
    const hex = typeof tx === 'string' ? tx : (`0x${Buffer.from(tx).toString('hex')}` as Hex);
    return this.request('/v1/consensus/tx', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: hex }) });
  }

  /**
   * Calls `listener` on every committed change. With `cometWsUrl` (ws://127.0.0.1:<rpc>/websocket) it reacts to
   * CometBFT NewBlock events; otherwise, or if the socket fails, it polls every `intervalMs`. Returns unsubscribe.
   */
  subscribe(listener: (change: ConsensusChange) => void, options: { intervalMs?: number; cometWsUrl?: string; onError?: (error: Error) => void } = {}): () => void {
    let previous: ConsensusStatus | null = null;
    let stopped = false;
    let busy = false;
    let timer: NodeJS.Timeout | undefined;
    let socket: WebSocket | undefined;
    const check = async () => {
      if (stopped || busy) return;
      busy = true;
      try {
        const status = await this.status();
        if (!stopped && (!previous || status.height !== previous.height)) {
          const before = previous;
          previous = status;
          if (before && status.epoch.number !== before.epoch.number) listener({ kind: 'epoch', status, previous: before });
          if (status.nextEpoch && status.nextEpoch.number !== before?.nextEpoch?.number) listener({ kind: 'next-epoch', status, previous: before });
          listener({ kind: 'height', status, previous: before });
        }
      } catch (error) {
        options.onError?.(error as Error);
      } finally {
        busy = false;
      }
    };
    const poll = () => {
      if (stopped || timer) return;
      timer = setInterval(() => void check(), options.intervalMs ?? 200);
    };
    if (options.cometWsUrl) {
      socket = new WebSocket(options.cometWsUrl);
      socket.on('open', () => socket!.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } })));
      socket.on('message', () => void check());
      socket.on('error', (error) => {
        options.onError?.(error);
        poll();
      });
      socket.on('close', () => poll());
    } else {
      poll();
    }
    void check();
    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      socket?.removeAllListeners('close');
      socket?.close();
    };
  }
}

