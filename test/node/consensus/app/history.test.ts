import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appHashOf } from '../../../../node/consensus/app/block.ts';
import { HISTORY_IN_STATE } from '../../../../node/consensus/app/history.ts';
import type { Epoch, Rotation } from '../../../../protocol/consensus/types.ts';
import { History, type HistoryView } from '../../../../node/consensus/store/history-archive.ts';
import { answerQuery } from '../../../../node/consensus/query/routes.ts';
import { SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];

/** A network that went through `epochs` short epochs (2 L2 blocks each), with every archived item kept in `history`. */
function longNet(epochs: number): SimNet {
  const net = new SimNet(STAKES, { epochLength: 2 });
  for (let head = 2; net.state.epochs.at(-1)!.number < epochs; head += 2) {
    net.produceL2(head);
    net.blocks(2);
  }
  return net;
}

const get = (net: SimNet, path: string, history: HistoryView = net.history) => answerQuery({ state: net.state, appHash: appHashOf(net.state), history }, path.split('?')[0]!, new URLSearchParams(path.split('?')[1] ?? ''));

describe('consensus history: the state keeps recent epochs, the node archives the rest', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('bounds the hashed state while the query API still serves every epoch and rotation from 0', () => {
    const net = longNet(HISTORY_IN_STATE + 40);
    const latest = net.state.epochs.at(-1)!.number;
    expect(net.state.epochs).toHaveLength(HISTORY_IN_STATE);
    expect(net.state.rotations.length).toBeLessThanOrEqual(HISTORY_IN_STATE);
    expect(net.state.archived!.epochs).toBe(net.history.epochs.length);
    expect(net.state.archived!.rotations).toBe(net.history.rotations.length);
    expect(net.state.epochs[0]!.number).toBe(net.history.epochs.length);

    // Paging from 0 walks the archive and then the state, numbers contiguous, ranges contiguous.
    const all: Epoch[] = [];
    for (let from: number | null = 0; from !== null; ) {
      const page = get(net, `/v1/consensus/epochs?from=${from}&limit=30`).body as { items: Epoch[]; next: number | null };
      all.push(...page.items);
      from = page.next;
    }
    expect(all.map((epoch) => epoch.number)).toEqual(Array.from({ length: all.length }, (_, index) => index));
    expect(all.at(-1)!.number).toBeGreaterThanOrEqual(latest);
    for (let index = 1; index < all.length; index++) expect(all[index]!.firstBlock).toBe(all[index - 1]!.lastBlock + 1);
    const rotations = get(net, '/v1/consensus/rotations?from=0&limit=100').body as { items: Rotation[] };
    expect(rotations.items[0]).toMatchObject({ epoch: 0, reason: 'genesis' });

    // Who sequenced an archived block, and a block still in the state.
    const old = net.history.epochs[3]!;
    expect(get(net, `/v1/consensus/sequencer?l2Block=${old.firstBlock}`).body).toEqual({ l2Block: old.firstBlock, sequencer: old.sequencer, epoch: old.number });
    const recent = net.state.epochs[5]!;
    expect(get(net, `/v1/consensus/sequencer?l2Block=${recent.lastBlock}`).body).toMatchObject({ epoch: recent.number });
    // Without the archive (a node that lost it) the old block is simply not known: a 404, not a wrong answer.
    expect(get(net, `/v1/consensus/sequencer?l2Block=${old.firstBlock}`, { epochs: [], rotations: [] }).status).toBe(404);
  });

  it('persists the archive append-only: a reload gives it back, a replayed block adds nothing, a torn line is dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    dirs.push(dir);
    const net = new SimNet(STAKES, { epochLength: 2 });
    const disk = new History(dir);
    let replayed = 0;
    for (let head = 2; net.state.epochs.at(-1)!.number < HISTORY_IN_STATE + 10; head += 2) {
      net.produceL2(head);
      for (let block = 0; block < 2; block++) {
        const result = net.block();
        disk.append(result.archived, net.state.archived);
        if (result.archived.epochs.length > 0) {
          // A crash after the append and before the state save: CometBFT replays the block; nothing is written twice.
          disk.append(result.archived, net.state.archived);
          replayed += 1;
        }
      }
    }
    expect(replayed).toBeGreaterThan(0);
    expect(disk.epochs).toEqual(net.history.epochs);
    expect(new History(dir).epochs).toEqual(net.history.epochs);
    expect(new History(dir).rotations).toEqual(net.history.rotations);

    appendFileSync(join(dir, 'history-epochs.jsonl'), '{"number": 99, "firstB');
    expect(new History(dir).epochs).toEqual(net.history.epochs);
    expect(readFileSync(join(dir, 'history-epochs.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBe(net.history.epochs.length + 1);
  });

  it('refuses to place items after a gap (an archive that lost lines the state counts)', () => {
    const net = longNet(HISTORY_IN_STATE + 3);
    const fresh = new History(null);
    const epoch = net.history.epochs.at(-1)!;
    expect(() => fresh.append({ epochs: [epoch], rotations: [] }, { epochs: net.history.epochs.length, rotations: 0 })).toThrow(/holds 0 items, the state counts/);
  });
});
