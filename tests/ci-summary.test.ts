import { describe, expect, it } from 'vitest';
import { countReport } from '../scripts/ci-summary';

describe('the CI closing line', () => {
  it('sums the suites of a report, not the outer <testsuites> again', () => {
    const xml = `<?xml version="1.0"?>
<testsuites tests="5" failures="1" errors="0" skipped="1">
  <testsuite name="a" tests="3" failures="1" errors="0" skipped="0"><testcase name="x"/></testsuite>
  <testsuite name="b" timestamp="2026-11-28T00:00:00" tests="2" failures="0" errors="1" skipped="1"></testsuite>
</testsuites>`;
    expect(countReport(xml)).toEqual({ tests: 5, failed: 2, skipped: 1 });
  });

  it('counts nothing in a report without suites', () => {
    expect(countReport('<testsuites tests="4"></testsuites>')).toEqual({ tests: 0, failed: 0, skipped: 0 });
  });
});
