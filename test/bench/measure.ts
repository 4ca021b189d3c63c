import { availableParallelism, loadavg } from 'node:os';

/** Wall-clock and CPU time (all threads of this process) of one run, in milliseconds. */
export interface Timing {
  wallMs: number;
  cpuMs: number;
}

export function timeOnce(f: () => unknown): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  f();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** Fastest of `runs` runs (by wall clock), so a busy machine's worst moments drop out. */
export function best(runs: number, f: () => unknown): Timing {
  let fastest: Timing = { wallMs: Infinity, cpuMs: Infinity };
  for (let i = 0; i < runs; i++) {
    const t = timeOnce(f);
    if (t.wallMs < fastest.wallMs) fastest = t;
  }
  return fastest;
}

/**
 * Where the numbers came from. CPU time is reported beside wall time because shared CI machines are
 * busy: wall time then depends on neighbours, CPU time much less.
 */
export function machine(): string {
  const load = loadavg()[0]!.toFixed(1);
  return `${availableParallelism()} cores, load average ${load} at start, Node ${process.versions.node}`;
}

/** The q-quantile (0..1) of an ascending list, nearest rank below; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
