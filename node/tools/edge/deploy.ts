/**
 * Deploys the edge Worker to one Cloudflare account (docs/edge-deploy.md):
 *   node node/tools/edge/deploy.ts --config edge.deploy.json [--dry-run] [--migrate]
 * It checks the deploy file, writes wrangler's config for it under .wrangler/deploy/, applies the D1 migrations
 * with --migrate, and runs `wrangler deploy` (with --dry-run: bundles and checks, uploads nothing, needs no login).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../../install/paths.ts';
import { DeployConfigError, parseDeployConfig, renderWranglerConfig } from './deploy-config.ts';
import { WRANGLER, QUIET_WRANGLER } from './local-edge.ts';

const OUT = join(ROOT, '.wrangler', 'deploy');

function main(): number {
  const { values } = parseArgs({ options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' }, migrate: { type: 'boolean' } } });
  if (!values.config) {
    console.error('usage: node node/tools/edge/deploy.ts --config <edge.deploy.json> [--dry-run] [--migrate]');
    return 2;
  }
  let rendered: Record<string, unknown>;
  try {
    const deploy = parseDeployConfig(JSON.parse(readFileSync(values.config, 'utf8')));
    rendered = renderWranglerConfig(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'), deploy, ROOT);
  } catch (error) {
    const reason = error instanceof DeployConfigError || error instanceof SyntaxError ? error.message : String(error);
    console.error(`${values.config}: ${reason}`);
    return 2;
  }
  mkdirSync(OUT, { recursive: true });
  const configPath = join(OUT, 'wrangler.json');
  writeFileSync(configPath, `${JSON.stringify(rendered, null, 2)}\n`);
  console.log(`wrote ${configPath}`);
  if (values.migrate && !values['dry-run']) {
    const migrated = wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '--config', configPath]);
    if (migrated !== 0) return migrated;
  }
  const dryRun = values['dry-run'] ? ['--dry-run', '--outdir', join(OUT, 'dist')] : [];
  return wrangler(['deploy', '--config', configPath, ...dryRun]);
}

function wrangler(args: string[]): number {
  const run = spawnSync(process.execPath, [WRANGLER, ...args], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...QUIET_WRANGLER } });
  return run.status ?? 1;
}

process.exit(main());
