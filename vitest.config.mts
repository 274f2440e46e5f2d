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
    // The JUnit report is what CI sums into its closing line (scripts/ci-summary.ts).
    reporters: ['default', 'junit'],
    outputFile: { junit: `test-results/junit/${process.env.DISPOSITION_FAULTS ? 'faults' : 'suite'}.xml` },
  },
});
