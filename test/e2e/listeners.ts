import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A TCP socket in LISTEN state, as /proc/net/tcp{,6} shows it. */
export interface Listener {
  address: string;
  port: number;
}

/** `pid` and all its descendants (a sequencer's CometBFT runs under a watchdog shell). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the parent pid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(parents.get(tree[index]!) ?? []));
  return tree;
}

/** Every listening TCP socket the processes `pids` hold open. */
export function listenersOf(pids: readonly number[]): Listener[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // closed meanwhile
      }
    }
  }
  return [...procListeners('/proc/net/tcp', 4), ...procListeners('/proc/net/tcp6', 6)].filter((entry) => inodes.has(entry.inode)).map(({ address, port }) => ({ address, port }));
}

const LISTEN = '0A';

function procListeners(file: string, family: 4 | 6): (Listener & { inode: string })[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== LISTEN) return [];
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      return [{ address: decodeAddress(hexAddress, family), port: Number.parseInt(hexPort, 16), inode: fields[9]! }];
    });
}

/** /proc prints addresses as 32-bit words in host (little-endian) order. */
function decodeAddress(hex: string, family: 4 | 6): string {
  const words = hex.match(/.{8}/g)!.map((word) => Buffer.from(word, 'hex').reverse());
  const bytes = Buffer.concat(words);
  if (family === 4) return [...bytes].join('.');
  if (bytes.subarray(0, 12).equals(Buffer.from('00000000000000000000ffff', 'hex'))) return [...bytes.subarray(12)].join('.');
  return (bytes.toString('hex').match(/.{4}/g) ?? []).join(':');
}
