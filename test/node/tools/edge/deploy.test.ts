import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../../../node/install/paths.ts';
import { DeployConfigError, PLACEHOLDER_DATABASE_ID, parseDeployConfig, renderWranglerConfig } from '../../../../node/tools/edge/deploy-config.ts';

const EXAMPLE = join(ROOT, 'edge', 'deploy.example.json');
const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8'));
const baseToml = () => readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');

function refusal(mutate: (config: any) => void): string {
  const config = example();
  mutate(config);
  try {
    parseDeployConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('edge deploy configuration', () => {
  it('refuses what cannot work from Cloudflare or is unsafe, naming the field', () => {
    expect(refusal((c) => (c.d1.databaseId = PLACEHOLDER_DATABASE_ID))).toMatch(/^d1\.databaseId: .*placeholder/);
    expect(refusal((c) => (c.consensusUrls = ['http://seq-1.example.org']))).toMatch(/^consensusUrls\.0: must be https/);
    expect(refusal((c) => (c.consensusUrls = ['https://127.0.0.1:9004']))).toMatch(/^consensusUrls\.0: must be a public host/);
    expect(refusal((c) => (c.consensusUrls = ['https://10.0.0.7']))).toMatch(/public host/);
    expect(refusal((c) => (c.l1.rpcUrl = 'https://[::1]:8545'))).toMatch(/^l1\.rpcUrl: must be a public host/);
    expect(refusal((c) => (c.l1.lockingPool = '0x1234'))).toMatch(/^l1\.lockingPool: /);
    expect(refusal((c) => (c.l1.confirmations = 0))).toMatch(/^l1\.confirmations: at least 1/);
    expect(refusal((c) => (c.routes = []))).toMatch(/^routes: /);
    expect(refusal((c) => (c.extra = true))).toMatch(/extra/);
    const config = parseDeployConfig({ ...example(), vars: { CONSENSUS_URLS: 'http://127.0.0.1:1' } });
    expect(() => renderWranglerConfig(baseToml(), config, ROOT)).toThrow(/CONSENSUS_URLS cannot be set there/);
  });

  it("lays the deploy file over wrangler.toml: its database, routes and hosts; the repository's bindings kept", () => {
    const rendered = renderWranglerConfig(baseToml(), parseDeployConfig(example()), ROOT) as any;
    expect(rendered.d1_databases).toEqual([{ binding: 'DB', database_name: 'l2-edge', database_id: example().d1.databaseId, migrations_dir: `${ROOT}/migrations` }]);
    expect(rendered.routes).toEqual([{ pattern: 'rpc.example.org', custom_domain: true }]);
    expect(rendered.vars.CONSENSUS_URLS).toBe(example().consensusUrls.join(','));
    expect(rendered.vars.L1_CONFIRMATIONS).toBe('12');
    expect(rendered.vars.TX_LIMIT_PER_MINUTE).toBe('60');
    expect(rendered.vars.RPC_MAX_BATCH).toBe('100');
    expect(rendered.durable_objects.bindings[0].class_name).toBe('TxRateLimiter');
    expect(rendered.ratelimits[0].name).toBe('RPC_LIMITER');
    expect(rendered.dev).toBeUndefined();
    expect(rendered.workers_dev).toBe(false);
  });

  it('passes `wrangler deploy --dry-run` with the example, and exits 2 with the reason for a bad file', () => {
    const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', NO_COLOR: '1' };
    const deploy = (config: string) => spawnSync(process.execPath, [join(ROOT, 'node/tools/edge/deploy.ts'), '--config', config, '--dry-run'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    const run = deploy(EXAMPLE);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('--dry-run: exiting now');
    expect(run.stdout).toContain('env.DB (l2-edge)');
    expect(run.stdout).toContain('https://seq-1.example.org/consensus');

    const dir = mkdtempSync(join(tmpdir(), 'edge-deploy-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ ...example(), consensusUrls: ['http://127.0.0.1:9004'] }));
      const refused = deploy(bad);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/consensusUrls\.0: must be https/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
