import { defineConfig } from 'vitest/config';

// Node-side suites (contracts on EDR, native, hosts, consensus, e2e). The edge runs in its own project inside workerd.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/edge/**', 'test/e2e/**', '**/node_modules/**'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Whole devnets (L1, 4 sequencer processes with CometBFT, the edge): after every other suite, one file at a
        // time, so the liveness timing they exercise is not fighting the rest of the suite for the 2 cores.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      './vitest.edge.config.ts',
    ],
  },
});
