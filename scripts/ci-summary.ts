// `tsx scripts/ci-summary.ts REPORT.xml...`: the closing line of a CI run, summed over the JUnit reports that
// vitest (the suite, the fault drills) and schemathesis (the fuzz runs) wrote. CI reads a run's closing line to
// know that tests ran; vitest's own summary is not a format it reads, and schemathesis (built on pytest) ends
// on a pytest-style line that counts warnings, not tests. A run that counted no test at all fails here.
import fs from 'node:fs';

interface Counts {
  tests: number;
  failed: number;
  skipped: number;
}

/** The counts of every `<testsuite>` in one report (the outer `<testsuites>` would count them twice). */
export function countReport(xml: string): Counts {
  const counts: Counts = { tests: 0, failed: 0, skipped: 0 };
  for (const [tag] of xml.matchAll(/<testsuite\s[^>]*>/g)) {
    const attribute = (name: string): number => Number(new RegExp(`\\s${name}="(\\d+)"`).exec(tag)?.[1] ?? 0);
    counts.tests += attribute('tests');
    counts.failed += attribute('failures') + attribute('errors');
    counts.skipped += attribute('skipped');
  }
  return counts;
}

function main(files: string[]): number {
  const total: Counts = { tests: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    if (!fs.existsSync(file)) {
      console.error(`ci-summary: ${file} is missing: the run that writes it did not finish`);
      return 1;
    }
    const counts = countReport(fs.readFileSync(file, 'utf8'));
    console.log(`ci-summary: ${file}: ${counts.tests} tests, ${counts.failed} failed, ${counts.skipped} skipped`);
    total.tests += counts.tests;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
  const passed = total.tests - total.failed - total.skipped;
  console.log(`${passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  if (total.tests === 0) {
    console.error('ci-summary: no test ran');
    return 1;
  }
  return total.failed > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
