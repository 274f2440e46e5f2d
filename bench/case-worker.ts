// The production worker (worker/main.ts) with a workflow cache of BENCH_WORKFLOW_CACHE entries, for
// `npm run bench:cases -- --worker-cache N`: how much memory open cases cost against how many are kept warm.
import { runWorker } from '../worker/main';

const size = Number(process.env.BENCH_WORKFLOW_CACHE);
if (!Number.isInteger(size) || size < 0) throw new Error('set BENCH_WORKFLOW_CACHE to a whole number');
runWorker(undefined, { maxCachedWorkflows: size }).catch((err) => {
  console.error(`[worker] ${(err as Error).message}`);
  process.exit(1);
});
