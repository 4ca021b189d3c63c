import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * What the soak benchmark samples: resident memory of every process under this one (read from /proc, so the
 * figures are the kernel's, not a process's own view) and bytes on disk under each data directory.
 */

export interface ProcessSample {
  /** A stable name across samples: "seq-2", "cometbft-2", "workerd", "l1 (EDR)", ... */
  name: string;
  pid: number;
  rssBytes: number;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  rssBytes: number;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may hold spaces: the fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, ppid, cmdline, rssBytes: rssKb * 1024 };
  } catch {
    return null; // gone between the listing and the read
  }
}

/** Every live descendant of `root`. */
function descendants(root: number): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProc(Number(entry)))
    .filter((info): info is ProcInfo => info !== null);
  const children = new Map<number, ProcInfo[]>();
  for (const info of all) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  const out: ProcInfo[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const info = stack.pop()!;
    out.push(info);
    stack.push(...(children.get(info.pid) ?? []));
  }
  return out;
}

/** Names the devnet's processes by what they run; helpers (shells, esbuild) are left out. */
function nameOf(info: ProcInfo, byPid: Map<number, ProcInfo>): string | null {
  const seq = /seq-(\d+)\/sequencer\.json/.exec(info.cmdline);
  if (seq) return `seq-${seq[1]}`;
  if (/\bcometbft\b/.test(info.cmdline)) {
    const home = /seq-(\d+)\/cometbft/.exec(info.cmdline) ?? /seq-(\d+)/.exec(byPid.get(info.ppid)?.cmdline ?? '');
    return `cometbft-${home?.[1] ?? info.pid}`;
  }
  if (/\bworkerd\b/.test(info.cmdline)) return 'workerd';
  if (/hardhat.*\bnode\b/.test(info.cmdline)) return 'l1 (EDR)';
  if (/wrangler/.test(info.cmdline)) return 'wrangler (node)';
  return null;
}

/** RSS of every named process under this one; several workerd processes are summed under one name. */
export function sampleProcesses(): ProcessSample[] {
  const infos = descendants(process.pid);
  const byPid = new Map(infos.map((info) => [info.pid, info]));
  const samples = new Map<string, ProcessSample>();
  for (const info of infos) {
    const name = nameOf(info, byPid);
    if (!name) continue;
    const previous = samples.get(name);
    samples.set(name, { name, pid: previous?.pid ?? info.pid, rssBytes: (previous?.rssBytes ?? 0) + info.rssBytes });
  }
  samples.set('bench (load generator)', { name: 'bench (load generator)', pid: process.pid, rssBytes: readProc(process.pid)?.rssBytes ?? 0 });
  return [...samples.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Bytes of a file, or under a directory (apparent sizes; anything removed while walking counts as 0). */
export function diskBytes(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((total, entry) => total + diskBytes(join(path, entry)), 0);
  } catch {
    return 0; // removed meanwhile (log rotation, compaction)
  }
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** The Worker's V8 heap as its isolate reports it through wrangler dev's inspector (Chrome DevTools protocol). */
export interface WorkerHeap {
  usedBytes: number;
  totalBytes: number;
}

/**
 * Asks the Worker's isolate for its heap usage over the inspector on `inspectorPort`; with `collect`, after a full
 * garbage collection, so what is left is what the Worker's code still holds. Null when no inspector answers.
 */
export async function workerHeap(inspectorPort: number, collect = true): Promise<WorkerHeap | null> {
  const { default: WebSocket } = await import('ws');
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`, { signal: AbortSignal.timeout(5_000) })).json()) as { webSocketDebuggerUrl?: string }[];
    const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    if (!url) return null;
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve).once('error', reject);
      setTimeout(() => reject(new Error('inspector: no connection')), 10_000);
    });
    let nextId = 1;
    const call = (method: string) =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 10_000);
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, number> };
          if (message.id !== id) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve(message.result ?? {});
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id, method }));
      });
    try {
      if (collect) await call('HeapProfiler.collectGarbage');
      const usage = await call('Runtime.getHeapUsage');
      return { usedBytes: usage.usedSize ?? 0, totalBytes: usage.totalSize ?? 0 };
    } finally {
      socket.close();
    }
  } catch {
    return null;
  }
}

/** The inspector port of the wrangler dev under this process (from its command line), if one was given. */
export function edgeInspectorPort(): number | null {
  const wrangler = descendants(process.pid).find((info) => /wrangler/.test(info.cmdline) && /--inspector-port \d+/.test(info.cmdline));
  const port = wrangler ? /--inspector-port (\d+)/.exec(wrangler.cmdline)?.[1] : undefined;
  return port ? Number(port) : null;
}

function tableRows(file: string): string {
  try {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      return tables.map(({ name }) => `${name} ${(db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n}`).join(', ');
    } finally {
      db.close();
    }
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
}

/** The `count` largest files under `dir`, each "path size MB", with the row count of every table in SQLite files. */
export function largestFiles(dir: string, count: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => ({ path, stat: statSync(join(dir, path), { throwIfNoEntry: false }) }))
    .filter(({ stat }) => stat?.isFile())
    .sort((a, b) => b.stat!.size - a.stat!.size)
    .slice(0, count)
    .map(({ path, stat }) => `${path} ${(stat!.size / (1024 * 1024)).toFixed(2)} MB${path.endsWith('.sqlite') ? ` (${tableRows(join(dir, path))})` : ''}`);
}

/** A distinct IPv4 client address for client number n (the edge keys its budgets by client IP). */
export function ipOf(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
