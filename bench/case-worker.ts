// The production worker (worker/main.ts) with a workflow cache of BENCH_WORKFLOW_CACHE entries, for
// `npm run bench:cases -- --worker-cache N`: how much memory open cases cost against how many are kept warm.
import fs from 'node:fs';
import { runWorker } from '../worker/main';

const size = Number(process.env.BENCH_WORKFLOW_CACHE);
if (!Number.isInteger(size) || size < 0) throw new Error('set BENCH_WORKFLOW_CACHE to a whole number');
runWorker(undefined, { maxCachedWorkflows: size }).catch((err) => {
  console.error(`[worker] ${(err as Error).message}`);
  process.exit(1);
});

// Where the memory is, for a person reading along: BENCH_MEMORY_LOG=FILE appends the heap's figures every 5 s.
if (process.env.BENCH_MEMORY_LOG) {
  const file = process.env.BENCH_MEMORY_LOG;
  setInterval(() => {
    const m = process.memoryUsage();
    const mib = (n: number): string => (n / 1048576).toFixed(0);
    fs.appendFileSync(
      file,
      `${new Date().toISOString()} rss ${mib(m.rss)} heapTotal ${mib(m.heapTotal)} heapUsed ${mib(m.heapUsed)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)}\n`,
    );
  }, 5000).unref();
}
