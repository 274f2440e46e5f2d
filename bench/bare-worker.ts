// The worker of the bare baseline workflow (bench/bare-case-workflow.ts), on a task queue of its own, in a
// process of its own like the real worker: bundled at start, default data converter, activities that do nothing.
import { NativeConnection, Worker } from '@temporalio/worker';

const activities = {
  async nothing(): Promise<void> {
    // nothing at all
  },
};
export type BareActivities = typeof activities;

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const taskQueue = process.env.TASK_QUEUE;
  if (!address || !taskQueue) throw new Error('set TEMPORAL_ADDRESS and TASK_QUEUE');
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./bare-case-workflow'),
    activities,
    maxCachedWorkflows: 500, // as the case worker
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  console.log(`[bare-worker] polling task queue "${taskQueue}"`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[bare-worker] ${(err as Error).message}`);
    process.exit(1);
  });
}
