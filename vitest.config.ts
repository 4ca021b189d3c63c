import { defineConfig } from 'vitest/config';

// Node-side suites (contracts on EDR, native, hosts, consensus, e2e). The edge runs in its own project inside workerd.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/edge/**', '**/node_modules/**'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      './vitest.edge.config.ts',
    ],
    benchmark: { include: ['test/**/*.bench.ts'] },
  },
});
