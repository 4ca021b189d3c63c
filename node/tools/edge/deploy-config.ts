import { isIP } from 'node:net';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { isLoopback } from '../../net/listen-address.ts';

/**
 * The edge's production configuration: what differs between the devnet's `wrangler.toml` and one operator's
 * Cloudflare account (the D1 database, the routes, the hosts and L1). `renderWranglerConfig` lays it over the
 * repository's wrangler.toml, so bindings, limits and migrations stay defined once.
 */

/** The deploy file is malformed or unsafe; the message names the field and why. */
export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** wrangler.toml's placeholder: a database id nobody owns, fine for `wrangler dev --local`, never for a deploy. */
export const PLACEHOLDER_DATABASE_ID = '00000000-0000-4000-8000-000000000000';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x-prefixed 20-byte address');

const publicUrl = z
  .string()
  .url()
  .refine((value) => new URL(value).protocol === 'https:', 'must be https: (the edge calls it across the internet)')
  .refine((value) => !isPrivateHost(new URL(value).hostname), 'must be a public host (loopback and private ranges are unreachable from Cloudflare)');

const route = z.union([
  z.object({ pattern: z.string().min(1), zoneName: z.string().min(1) }).strict(),
  z.object({ customDomain: z.string().min(1) }).strict(),
]);

export const DeployConfigSchema = z
  .object({
    /** The Worker's name in the account. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    accountId: z.string().regex(/^[0-9a-f]{32}$/, 'the 32-hex-digit account id').optional(),
    d1: z
      .object({
        databaseName: z.string().min(1),
        databaseId: z.string().uuid().refine((id) => id !== PLACEHOLDER_DATABASE_ID, "is wrangler.toml's placeholder; create the database (wrangler d1 create) and use its id"),
      })
      .strict(),
    routes: z.array(route).min(1, 'at least one route or custom domain'),
    /** The consensus query APIs the edge learns hosts from (each sequencer's public query endpoint). */
    consensusUrls: z.array(publicUrl).min(1),
    l1: z
      .object({
        rpcUrl: publicUrl,
        lockingPool: address,
        batchChain: address,
        startBlock: z.number().int().nonnegative(),
        confirmations: z.number().int().min(1, 'at least 1 on a real L1 (reorgs)'),
      })
      .strict(),
    /** Overrides of wrangler.toml's other [vars] (limits, timeouts), by their names there. */
    vars: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type DeployConfig = z.infer<typeof DeployConfigSchema>;

/** The vars the deploy file sets through its own fields; `vars` may not override them. */
const OWN_VARS = ['CONSENSUS_URLS', 'L1_RPC_URL', 'LOCKING_POOL_ADDRESS', 'BATCH_CHAIN_ADDRESS', 'L1_START_BLOCK', 'L1_CONFIRMATIONS'];

export function parseDeployConfig(value: unknown): DeployConfig {
  const parsed = DeployConfigSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new DeployConfigError(`${first.path.join('.') || '(root)'}: ${first.message}`);
  }
  return parsed.data;
}

/**
 * wrangler's JSON config for this deploy: the repository's wrangler.toml with the deploy file's name, account,
 * D1 database, routes and vars. `root` is the repository (wrangler resolves `main` and `migrations_dir` from it).
 */
export function renderWranglerConfig(baseToml: string, deploy: DeployConfig, root: string): Record<string, unknown> {
  const base = parseToml(baseToml) as Record<string, unknown> & { vars: Record<string, string>; d1_databases: Record<string, unknown>[] };
  const unknownVars = Object.keys(deploy.vars).filter((name) => !(name in base.vars) || OWN_VARS.includes(name));
  if (unknownVars.length > 0) throw new DeployConfigError(`vars: ${unknownVars.join(', ')} cannot be set there (unknown, or set by its own field)`);
  const { dev: _dev, ...production } = base;
  return {
    ...production,
    name: deploy.name,
    ...(deploy.accountId ? { account_id: deploy.accountId } : {}),
    main: `${root}/${base.main as string}`,
    workers_dev: false,
    routes: deploy.routes.map((r) => ('customDomain' in r ? { pattern: r.customDomain, custom_domain: true } : { pattern: r.pattern, zone_name: r.zoneName })),
    vars: {
      ...base.vars,
      ...deploy.vars,
      CONSENSUS_URLS: deploy.consensusUrls.join(','),
      L1_RPC_URL: deploy.l1.rpcUrl,
      LOCKING_POOL_ADDRESS: deploy.l1.lockingPool,
      BATCH_CHAIN_ADDRESS: deploy.l1.batchChain,
      L1_START_BLOCK: String(deploy.l1.startBlock),
      L1_CONFIRMATIONS: String(deploy.l1.confirmations),
    },
    d1_databases: base.d1_databases.map((db) => ({
      ...db,
      database_name: deploy.d1.databaseName,
      database_id: deploy.d1.databaseId,
      migrations_dir: `${root}/${db.migrations_dir as string}`,
    })),
  };
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(host) || host.endsWith('.localhost')) return true;
  const version = isIP(host);
  if (version === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 10 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (version === 6) return host === '::' || /^f[cd]/i.test(host) || /^fe[89ab]/i.test(host);
  return false;
}
