import { defineConfig } from 'vitest/config';

/**
 * One process per test file (`forks`): kernel tests switch the main thread's network
 * namespace with setns(2), which must never leak into another file's tests.
 */
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.switchyard/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/harness/global-guard.ts'],
    reporters: ['default'],
  },
});
