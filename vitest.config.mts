import { defineConfig } from 'vitest/config';

// The long drills run alone, each by its own npm script, and report to a JUnit file of their own.
const drill = process.env.DISPOSITION_FAULTS ? 'faults' : process.env.DISPOSITION_SCALE ? 'scale' : undefined;

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The long fault drills run with `npm run test:faults` (several minutes: killed workers, a restarted server),
    // the scale-out drill with `npm run test:scale` (processes on PostgreSQL, MinIO and a Temporal server).
    exclude: [
      '**/node_modules/**',
      ...(drill === 'faults' ? [] : ['tests/faults.test.ts']),
      ...(drill === 'scale' ? [] : ['tests/scale-drill.test.ts', 'tests/backup-services.test.ts']),
    ],
    pool: 'forks',
    maxWorkers: 2,
    // The backup drill on the services stops and restores their Temporal server: no other file of the drills may
    // run beside it.
    fileParallelism: drill !== 'scale',
    // The scale drill brings its own services (scripts/services) and needs neither the dev server nor a bundle; each
    // setup stops, at the end, every service the run started and left running.
    globalSetup: drill === 'scale' ? ['tests/support/services-guard.ts'] : ['tests/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
    // The JUnit report is what CI sums into its closing line (scripts/ci-summary.ts).
    reporters: ['default', 'junit'],
    outputFile: { junit: `test-results/junit/${drill ?? 'suite'}.xml` },
  },
});
