// The worker keeps the audit checkpoint's schedule (workflows/audit-checkpoint.ts) as configured: made when
// missing, its interval changed when AUDIT_CHECKPOINT_EVERY changed. Every worker does this at start; the
// schedule is one per task queue, so the workers of one deployment share it.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { auditCheckpointScheduleId } from '../workflows/audit-checkpoint';

export async function ensureAuditCheckpointSchedule(
  client: Client,
  taskQueue: string,
  everyMs: number,
): Promise<'created' | 'updated' | 'kept'> {
  const scheduleId = auditCheckpointScheduleId(taskQueue);
  const spec = { intervals: [{ every: everyMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'auditCheckpoint',
    taskQueue,
    args: [],
    workflowId: scheduleId,
  };
  try {
    // A missed run (every worker down) is made up within a day; two never overlap.
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const described = await handle.describe();
  const current = described.spec.intervals?.[0]?.every;
  if (current === everyMs) return 'kept';
  await handle.update((previous) => ({ ...previous, spec, action }));
  return 'updated';
}
