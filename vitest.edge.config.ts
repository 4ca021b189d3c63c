import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// The edge's suites run inside workerd with the bindings of wrangler.toml and a fresh local D1 per test file.
export default defineProject(async () => {
  const migrations = await readD1Migrations(new URL('./migrations', import.meta.url).pathname);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // Tests change D1 between requests: no isolate-local reuse of the routing table.
          bindings: { TEST_MIGRATIONS: migrations, ROUTING_CACHE_MS: '0', FAILOVER_WAIT_MS: '2000', UPSTREAM_TIMEOUT_MS: '2000', TX_LIMIT_PER_MINUTE: '3' },
          // A small per-IP budget (wrangler.toml: 600 / 60 s), so the test that exhausts it stays fast.
          ratelimits: { RPC_LIMITER: { namespace_id: '1001', simple: { limit: 40, period: 60 } } },
        },
      }),
    ],
    test: {
      name: 'edge',
      include: ['test/edge/**/*.test.ts'],
      setupFiles: ['./test/edge/setup.ts'],
    },
  };
});
