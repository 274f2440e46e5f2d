// The audit checkpoint, started by the worker's schedule (AUDIT_CHECKPOINT_EVERY, a day by default): mails the
// administrators the signed heads of the access log and the intrusion log (activities/audit-checkpoint.ts).
import * as wf from '@temporalio/workflow';
import type { CaseActivities } from '../activities';

const { mailAuditCheckpoint } = wf.proxyActivities<CaseActivities>({
  startToCloseTimeout: '2 minutes',
  // A mail server down for hours still gets the day's checkpoint, late; the next run does not wait for it.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

/** One schedule per deployment: a namespace may serve several, each on its own task queue. */
export const auditCheckpointScheduleId = (taskQueue: string): string => `audit-checkpoint-${taskQueue}`;

export async function auditCheckpoint(): Promise<{
  sentTo: string[];
  accessLog: number | null;
  intrusions: number | null;
}> {
  return mailAuditCheckpoint();
}
