/**
 * Renders the status page in headless Chromium and saves a screenshot, to look at by eye (not part of `npm test`:
 * CI machines have no browser; the automated tests assert on the HTML).
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/edge/screenshot.ts [out.png]   (default .wrangler/status-page.png)
 * Needs /usr/bin/chromium (Debian: apt-get install -y chromium).
 *
 * The edge runs in `wrangler dev --local` with a local D1 holding a plausible network: four hosts (one stalled),
 * rotations including a liveness failover, batches on L1, and a rotation trigger the scheduler sent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { executeLocalD1, migrateLocalD1, startLocalEdge } from '../../node/tools/edge/local-edge.ts';
import { freePort } from '../support/ports.ts';

const CHROMIUM = '/usr/bin/chromium';
const out = resolve(process.argv[2] ?? '.wrangler/status-page.png');
if (!existsSync(CHROMIUM)) {
  console.error(`skipped: ${CHROMIUM} is missing (Debian: apt-get install -y chromium)`);
  process.exit(0);
}

const now = Date.now();
const addr = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(20)}`;
const root = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}`;
const hosts = [0, 1, 2, 3].map((i) => ({ address: addr(0xa0 + i), url: `http://127.0.0.1:${9000 + 10 * i}` }));

const sql = [
  `INSERT INTO network VALUES (1, 'l2-devnet', 1843, 59902, 3, 2001, 3000, 'liveness', NULL, '${hosts[1]?.address}', 2417, 2400, 2304, '${addr(0xcc)}', 3, '${JSON.stringify(hosts.map((h) => h.address))}', '{"epochLength":1000,"livenessTimeoutMs":3000}', 'http://127.0.0.1:9004', ${now - 12_000});`,
  ...hosts.map(
    (h, i) =>
      `INSERT INTO hosts (address, sequencer_id, owner, rpc_url, peer_url, stake, power, status, is_active, healthy, l2_height, height_changed_at, latency_ms, checked_at, last_error)
       VALUES ('${h.address}', ${i + 1}, '${addr(0xf0 + i)}', '${h.url}', 'ws://127.0.0.1:${9002 + 10 * i}', '${(20_000 + 5_000 * i).toString()}000000000000000000000', ${20_000 + 5_000 * i}, 'active', ${i === 1 ? 1 : 0}, ${i === 0 ? 0 : 1},
               ${i === 0 ? 2040 : 2417 - i}, ${now - 12_000}, ${i === 0 ? 'NULL' : 3 + i}, ${now - 12_000}, ${i === 0 ? "'connect ECONNREFUSED 127.0.0.1:9000'" : 'NULL'});`,
  ),
  `INSERT INTO rotations VALUES (1, NULL, '${hosts[0]?.address}', 'genesis', 1, 1);`,
  `INSERT INTO rotations VALUES (2, '${hosts[0]?.address}', '${hosts[2]?.address}', 'epoch', 1001, 612);`,
  `INSERT INTO rotations VALUES (3, '${hosts[2]?.address}', '${hosts[1]?.address}', 'liveness', 2041, 1290);`,
  ...[0, 1, 2, 3, 4].map((i) => `INSERT INTO batches VALUES (${i}, ${i * 500 + 1}, ${(i + 1) * 500}, '${root(0x10 + i)}', '${root(0x20 + i)}', '${root(0x30 + i)}', '${addr(0xee)}', ${40 + 7 * i}, '${root(0x40 + i)}');`),
  `INSERT INTO rotation_triggers (key, epoch, reason, status, holder, lease_until, attempts, observed_l2_height, tx_hash, code, log, updated_at)
   VALUES ('2:liveness', 2, 'liveness', 'sent', 'run', ${now}, 1, 2040, 'A1B2', 0, '', ${now - 600_000});`,
].join('\n');

const persistTo = mkdtempSync(join(tmpdir(), 'edge-screenshot-'));
let edge: Awaited<ReturnType<typeof startLocalEdge>> | null = null;
try {
  await migrateLocalD1(persistTo);
  await executeLocalD1(persistTo, sql);
  edge = await startLocalEdge({ port: await freePort(), inspectorPort: await freePort(), persistTo, vars: { CONSENSUS_URLS: '' } });
  execFileSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,1100', `--screenshot=${out}`, `${edge.url}/status`], { stdio: 'pipe' });
  console.log(`saved ${out}`);
} finally {
  await edge?.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
