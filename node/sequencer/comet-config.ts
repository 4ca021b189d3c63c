import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPort } from '../net/listen-address.ts';

// The CometBFT settings a sequencer owns in its node's config.toml: where it listens and what it advertises. The
// sequencer's own config is the truth, so they are written at every start.

export interface CometListeners {
  abci: { host: string; port: number };
  rpc: { host: string; port: number };
  p2p?: { host: string; port: number; advertise: string };
}

/** Rewrites the listen and advertised addresses in an existing CometBFT home (the sequencer's config is the truth). */
export function applyCometListeners(home: string, listeners: CometListeners): void {
  const file = join(home, 'config', 'config.toml');
  let text = readFileSync(file, 'utf8');
  for (const [section, key, value] of listenerEdits(listeners)) text = setToml(text, section, key, value);
  writeFileSync(file, text);
}

/** Sets `key` in `section` (null: the top level) of a config.toml text; throws when the key is missing. */
export function setToml(text: string, section: string | null, key: string, value: string): string {
  const lines = text.split('\n');
  let current: string | null = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current === section && new RegExp(`^${key}\\s*=`).test(line)) {
      lines[index] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new Error(`config.toml has no ${section ? `[${section}] ` : ''}${key}`);
}

/** The config.toml edits for `listeners`: [section, key, TOML value]. */
export function listenerEdits(listeners: CometListeners): [string | null, string, string][] {
  const quoted = (value: string) => JSON.stringify(value);
  const edits: [string | null, string, string][] = [
    [null, 'proxy_app', quoted(`tcp://${hostPort(listeners.abci.host, listeners.abci.port)}`)],
    ['rpc', 'laddr', quoted(`tcp://${hostPort(listeners.rpc.host, listeners.rpc.port)}`)],
  ];
  const p2p = listeners.p2p;
  if (p2p) edits.push(['p2p', 'laddr', quoted(`tcp://${hostPort(p2p.host, p2p.port)}`)], ['p2p', 'external_address', quoted(hostPort(p2p.advertise, p2p.port))]);
  return edits;
}
