import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The long fault drills run with `npm run test:faults` (several minutes: killed workers, a restarted server).
    exclude: ['**/node_modules/**', ...(process.env.DISPOSITION_FAULTS ? [] : ['tests/faults.test.ts'])],
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
  },
});
