import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../node/install/paths.ts';

// The layout of docs/architecture/layout.md, checked on the source itself: imports only go down the tiers, no
// folder imports (directly or round a loop) a folder that imports it back, and the edge, the node and protocol/
// meet only in protocol/.

/** node/'s top folders from the bottom tier up; a folder may import its own tier and the ones below. */
const NODE_TIERS: readonly (readonly string[])[] = [
  ['node/encoding', 'node/storage', 'node/net', 'node/install'],
  ['node/identity', 'node/l1'],
  ['node/p2p', 'node/consensus'],
  ['node/host', 'node/mpc'],
  ['node/sequencer', 'node/derive'],
  ['node/tools'],
];

const SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import of the source tree, as [importing file, imported file], both relative to the root. */
function imports(): [string, string][] {
  return ['protocol', 'node', 'edge'].flatMap(sourceFiles).flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(SPECIFIER)].map((match): [string, string] => [file, normalize(join(dirname(file), match[1]!))]);
  });
}

const folderOf = (file: string, depth: number): string => dirname(file).split('/').slice(0, depth).join('/');

/** The folder pairs on an import loop (strongly connected components of the folder graph), at one depth. */
function folderLoops(depth: number): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [from, to] of imports()) {
    const a = folderOf(from, depth);
    const b = folderOf(to, depth);
    if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
  }
  const reaches = (start: string, goal: string): boolean => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const at = stack.pop()!;
      for (const next of edges.get(at) ?? []) {
        if (next === goal) return true;
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(next);
      }
    }
    return false;
  };
  return [...edges].flatMap(([a, targets]) => [...targets].filter((b) => reaches(b, a)).map((b) => [a, b]));
}

const tierOf = (file: string): number => NODE_TIERS.findIndex((tier) => tier.some((folder) => file.startsWith(`${folder}/`)));

describe('source layout', () => {
  it('has no folder-level import loop at any depth', () => {
    for (const depth of [2, 3, 4]) expect(folderLoops(depth), `depth ${depth}`).toEqual([]);
  });

  it('places every node/ file in a tier, and imports only from its tier or below', () => {
    const files = sourceFiles('node');
    expect(files.filter((file) => tierOf(file) < 0)).toEqual([]);
    const upward = imports()
      .filter(([from, to]) => from.startsWith('node/') && to.startsWith('node/') && tierOf(to) > tierOf(from))
      .map(([from, to]) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });

  it('lets the edge and protocol/ import nothing of node/, and protocol/ nothing outside itself', () => {
    const crossing = imports().filter(([from, to]) => {
      if (from.startsWith('protocol/')) return !to.startsWith('protocol/');
      if (from.startsWith('edge/')) return !(to.startsWith('edge/') || to.startsWith('protocol/') || to.startsWith('contracts/artifacts'));
      return false;
    });
    expect(crossing.map(([from, to]) => `${from} -> ${to}`)).toEqual([]);
  });

  it('finds the imports it checks', () => {
    // Guards the checks above against a specifier pattern that silently matches nothing.
    expect(imports().some(([from, to]) => from === 'node/host/host.ts' && to.startsWith('node/host/engine/'))).toBe(true);
  });
});
