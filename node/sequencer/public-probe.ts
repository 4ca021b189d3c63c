/**
 * This host's own probe of another sequencer's public JSON-RPC, asked for after the edge's rotation trigger
 * (node/consensus/app/observations.ts). ExtendVote must answer from memory, so `result` returns the last finished
 * probe and starts the next one in the background, at most one at a time and one per `intervalMs`.
 * Reachable means: the URL answered eth_blockNumber with a JSON-RPC result within `timeoutMs`.
 */
export interface PublicProbeOptions {
  timeoutMs?: number;
  intervalMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export class PublicRpcProber {
  private readonly timeoutMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private last: { key: string; reachable: boolean; error: string | null } | null = null;
  private running: Promise<void> | null = null;
  private startedAt = Number.NEGATIVE_INFINITY;
  probes = 0;

  constructor(options: PublicProbeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.intervalMs = options.intervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
  }

  /** The last finished probe of `rpcUrl` for `epoch`, or null; starts another one when due. */
  result(epoch: number, rpcUrl: string): boolean | null {
    const key = `${epoch}:${rpcUrl}`;
    if (!this.running && this.now() - this.startedAt >= this.intervalMs) this.start(key, rpcUrl);
    return this.last?.key === key ? this.last.reachable : null;
  }

  /** Why the last probe failed (for logs), or null. */
  lastError(): string | null {
    return this.last?.error ?? null;
  }

  /** Resolves when the probe in flight (if any) has finished. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private start(key: string, rpcUrl: string): void {
    this.startedAt = this.now();
    this.probes++;
    this.running = this.reach(rpcUrl)
      .then((error) => {
        this.last = { key, reachable: error === null, error };
      })
      .finally(() => (this.running = null));
  }

  /** null when the endpoint answered with a JSON-RPC result, else why not. */
  private async reach(rpcUrl: string): Promise<string | null> {
    try {
      const response = await this.fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) return `HTTP ${response.status}`;
      const body = JSON.parse(text) as { result?: unknown };
      return typeof body.result === 'string' ? null : 'no eth_blockNumber result';
    } catch (error) {
      return (error as Error).message;
    }
  }
}
