import { defineConfig } from 'vitest/config';

/**
 * The store, API, delivery, security and SDK suites again, on PostgreSQL (a throwaway cluster from
 * test/postgres-global-setup.ts), plus the multi-node tests that only PostgreSQL can run.
 */
export default defineConfig({
  test: {
    include: [
      'test/api/**/*.test.ts',
      'test/delivery/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/postgres/**/*.test.ts',
      'test/sdk/**/*.test.ts',
    ],
    globalSetup: ['test/postgres-global-setup.ts'],
    env: { SWITCHBOARD_TEST_DIALECT: 'postgres' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
