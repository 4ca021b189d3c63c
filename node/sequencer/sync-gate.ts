import type { ProductionHolds } from './holds.ts';

/**
 * A restarted sequencer must not trust its consensus state until its CometBFT node has caught up: the app's stored
 * state still names it for heights that a failover has since given to someone else, and producing them would fork
 * its own replica. So the host starts paused (no blocks, no transactions) and resumes once CometBFT is no longer
 * catching up, the app has committed CometBFT's latest block, and that block is recent. Only the startup is gated:
 * the operator's own pause/resume stays the operator's.
 */
export function holdUntilConsensusSynced(options: {
  holds: ProductionHolds;
  cometRpcUrl: string;
  appHeight: () => number;
  /** How recent CometBFT's latest block must be (by this host's clock). */
  maxBlockAgeMs?: number;
  intervalMs?: number;
  log: (message: string) => void;
}): { readonly synced: Promise<void>; cancel(): void } {
  const { holds, log } = options;
  const maxAge = options.maxBlockAgeMs ?? 10_000;
  holds.hold('consensus-sync');
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  let done: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => {
    done = resolve;
    const check = async () => {
      if (cancelled) return resolve();
      try {
        const response = await fetch(`${options.cometRpcUrl}/status`, { signal: AbortSignal.timeout(2_000) });
        const { result } = (await response.json()) as { result: { sync_info: { latest_block_height: string; latest_block_time: string; catching_up: boolean } } };
        const info = result.sync_info;
        const height = Number(info.latest_block_height);
        const age = Date.now() - Date.parse(info.latest_block_time);
        if (!info.catching_up && height > 0 && options.appHeight() >= height && age < maxAge) {
          holds.release('consensus-sync');
          log(`consensus synced at height ${height} after ${Date.now() - started} ms: producing and accepting transactions when elected`);
          return resolve();
        }
      } catch {
        // CometBFT is still starting
      }
      timer = setTimeout(() => void check(), options.intervalMs ?? 200);
    };
    void check();
  });
  return {
    synced,
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
      done();
    },
  };
}
