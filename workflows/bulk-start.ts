// A bulk file's starts, as a workflow: a server that restarts mid-file loses nothing, and Temporal's UI shows
// the run. Each activity starts a batch of rows (a few at a time toward Temporal) and writes each outcome.
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';

const { startBulkRows, finishBulk } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const bulkWorkflowId = (bulkId: string): string => `bulk-${bulkId}`;

export async function bulkStart({ bulkId, actor }: { bulkId: string; actor: string }): Promise<void> {
  for (;;) {
    const { pending } = await startBulkRows({ bulkId, actor });
    if (pending === 0) break;
  }
  await finishBulk({ bulkId });
}
