import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeLocalD1, migrateLocalD1, startLocalEdge, type LocalEdge } from '../../node/tools/edge/local-edge.ts';
import { launchBrowser } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { statusSeedSql } from './status-seed.ts';

// The status page as a person sees it: the real Worker in `wrangler dev --local` with a seeded D1, opened in a real
// headless Chromium. What it shows must be what /v1/status says, and it must follow changes by itself.

interface StatusJson {
  activeSequencer: string;
  epoch: { number: number; firstBlock: number; lastBlock: number };
  l2: { latest: number; safe: number; finalized: number };
  lastBatch: { batchIndex: number; lastBlock: number } | null;
  mpc: { address: string };
  hosts: { address: string; healthy: boolean }[];
}

/** The page's cards, label → text, as rendered. */
function cards(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.card', (nodes) => Object.fromEntries(nodes.map((node) => [node.querySelector('.label')?.textContent ?? '', node.querySelector('.value')?.textContent?.trim() ?? ''])));
}

describe('the status page in a real browser', () => {
  let edge: LocalEdge;
  let browser: Browser;
  let persistTo: string;

  beforeAll(async () => {
    persistTo = mkdtempSync(join(tmpdir(), 'status-page-'));
    await migrateLocalD1(persistTo);
    await executeLocalD1(persistTo, statusSeedSql(Date.now()));
    edge = await startLocalEdge({ port: await freePort(), inspectorPort: await freePort(), persistTo, vars: { CONSENSUS_URLS: '' } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it('renders the numbers /v1/status gives, and follows a change without being reloaded', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${edge.url}/status`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('L2 sequencer status');

    const api = (await (await fetch(`${edge.url}/v1/status`)).json()) as StatusJson;
    const shown = await cards(page);
    expect(shown['active sequencer']).toBe(api.activeSequencer);
    expect(shown.epoch).toBe(`${api.epoch.number} (blocks ${api.epoch.firstBlock}–${api.epoch.lastBlock})`);
    expect(shown['L2 latest / safe / finalized']).toBe(`${api.l2.latest} / ${api.l2.safe} / ${api.l2.finalized}`);
    expect(shown['last L1 batch']).toBe(`#${api.lastBatch!.batchIndex} (to block ${api.lastBatch!.lastBlock})`);
    expect(shown['MPC address']).toBe(api.mpc.address);
    expect(shown['hosts healthy']).toBe(`${api.hosts.filter((host) => host.healthy).length} of ${api.hosts.length}`);
    const rows = await page.$$eval('h2', (headings) => {
      const table = headings.find((h) => h.textContent === 'Hosts')?.nextElementSibling;
      return table ? table.querySelectorAll('tbody tr').length : 0;
    });
    expect(rows).toBe(api.hosts.length);
    await page.screenshot({ path: join(persistTo, 'status-page.png') });

    // The network moves on; the open page must show it on its own (it refreshes itself every 15 s).
    const next = { latest: api.l2.latest + 83, safe: api.l2.safe + 80, finalized: api.l2.finalized + 500 };
    await executeLocalD1(persistTo, `UPDATE network SET l2_latest = ${next.latest}, l2_safe = ${next.safe}, l2_finalized = ${next.finalized} WHERE id = 1;`);
    const after = (await (await fetch(`${edge.url}/v1/status`)).json()) as StatusJson;
    expect(after.l2).toEqual(next);
    await page.waitForFunction(
      (text) => Array.from(document.querySelectorAll('.card .value')).some((node) => node.textContent?.trim() === text),
      { timeout: 45_000, polling: 500 },
      `${next.latest} / ${next.safe} / ${next.finalized}`,
    );
  }, 120_000);
});
