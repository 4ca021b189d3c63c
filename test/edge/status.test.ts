import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batches, hosts, network, rotations } from '../../edge/db/schema.ts';
import { runScheduled } from '../../edge/scheduler/index.ts';
import { status, validator } from './support/consensus-fixtures.ts';
import { FakeNetwork } from './support/fake-network.ts';
import { db } from './support/seed.ts';

// GET /v1/status (JSON) and GET /status (the page), before and after the scheduler has synced.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';

beforeEach(async () => {
  for (const table of [hosts, network, rotations, batches]) await db().delete(table);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function sync(): Promise<void> {
  const net = new FakeNetwork();
  const a = net.host('http://a.hosts.test');
  const b = net.host('http://b.hosts.test');
  b.mode = 'down';
  net
    .consensusApi('http://127.0.0.1:9004')
    .set('/v1/consensus/status', status({ l2: { latest: 120, safe: 110, finalized: 64 } }))
    .set('/v1/consensus/validators', { items: [validator(A, a.url), validator(B, b.url)] })
    .set('/v1/consensus/epochs', { items: [], next: null })
    .set('/v1/consensus/rotations', {
      items: [
        { epoch: 1, from: null, to: A, reason: 'genesis', l2StartBlock: 1, height: 1 },
        { epoch: 2, from: A, to: B, reason: 'liveness', l2StartBlock: 77, height: 40 },
      ],
      next: null,
    })
    .set('/v1/consensus/proposals', { items: [], next: null });
  net.install();
  await runScheduled(env, Date.now());
  await db().insert(batches).values({ batchIndex: 4, firstBlock: 1, lastBlock: 64, txRoot: `0x${'aa'.repeat(32)}`, stateRoot: `0x${'bb'.repeat(32)}`, dataHash: `0x${'cc'.repeat(32)}`, relayer: B, l1Block: 9, l1TxHash: `0x${'dd'.repeat(32)}` });
  vi.restoreAllMocks();
}

describe('GET /v1/status', () => {
  it('says it has not synced yet, rather than failing, before the first scheduler run', async () => {
    const response = await exports.default.fetch('http://edge.test/v1/status');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ synced: false, activeSequencer: null, epoch: null, l2: null, lastBatch: null, hosts: [] });
  });

  it('reports the active sequencer, epoch, L2 heights, last batch, MPC address and each host’s health', async () => {
    await sync();
    const body = (await (await exports.default.fetch('http://edge.test/v1/status')).json()) as Record<string, any>;
    expect(body).toMatchObject({
      synced: true,
      activeSequencer: A,
      epoch: { number: 1, firstBlock: 1, lastBlock: 1000, reason: 'genesis', next: null },
      l2: { latest: 120, safe: 110, finalized: 64 },
      lastBatch: { batchIndex: 4, lastBlock: 64 },
      mpc: { address: '0x00000000000000000000000000000000000000cc', threshold: 3 },
      consensus: { chainId: 'l2-consensus-test', height: 42, source: 'http://127.0.0.1:9004' },
    });
    expect(body.hosts.map((h: any) => [h.address, h.active, h.healthy, h.l2Height])).toEqual([
      [A, true, true, 100],
      [B, false, false, null],
    ]);
    expect(body.hosts[1].lastError).toMatch(/ECONNREFUSED/);
  });
});

describe('GET /status', () => {
  it('renders the same for a person, with the rotation history and recent batches', async () => {
    await sync();
    const response = await exports.default.fetch('http://edge.test/status');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain(`<code>${A}</code>`);
    expect(html).toContain('1 (blocks 1–1000)');
    expect(html).toContain('120 / 110 / 64');
    expect(html).toContain('#4 (to block 64)');
    expect(html).toContain('1 of 2');
    const hostsTable = html.slice(html.indexOf('<table id="hosts">'), html.indexOf('</table>', html.indexOf('<table id="hosts">')));
    expect(hostsTable.match(/<tr>/g)).toHaveLength(3);
    expect(hostsTable).toContain('<span class="pill">sequencing</span>');
    expect(hostsTable).toContain('class="bad">unhealthy');
    expect(hostsTable).toContain('ECONNREFUSED');
    const rotationsTable = html.slice(html.indexOf('<table id="rotations">'));
    expect(rotationsTable).toContain('<td>liveness</td>');
    expect(rotationsTable).toContain('<td>77</td>');
    expect(html).toContain('<table id="batches">');
  });

  it('says so when the edge has not synced yet', async () => {
    const html = await (await exports.default.fetch('http://edge.test/status')).text();
    expect(html).toContain('the edge has not synced with the consensus layer yet');
    expect(html).toContain('no rotations yet');
    expect(html).toContain('none: every epoch ended on time');
    expect(html).toContain('no batches on L1 yet');
  });
});
