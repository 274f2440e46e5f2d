// The worker keeps the audit checkpoint's schedule (workflows/audit-checkpoint.ts) as configured: made when
// missing, its interval changed when AUDIT_CHECKPOINT_EVERY changed. Every worker does this at start; the
// schedule is one per task queue, so the workers of one deployment share it.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { auditCheckpointScheduleId } from '../workflows/audit-checkpoint';

export function ensureAuditCheckpointSchedule(
  client: Client,
  taskQueue: string,
  everyMs: number,
  log: (line: string) => void = () => undefined,
): Promise<'created' | 'updated' | 'kept'> {
  return soon(() => ensureOnce(client, taskQueue, everyMs), log);
}

async function ensureOnce(client: Client, taskQueue: string, everyMs: number): Promise<'created' | 'updated' | 'kept'> {
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

/**
 * A cluster whose databases were just restored (README, Backup and restore) answers before its scheduler can make
 * or describe a schedule, for up to a minute: the worker waits rather than exit at start.
 */
async function soon<T>(attempt: () => Promise<T>, log: (line: string) => void, waitMs = 120_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let tries = 0; ; tries += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      if (tries === 0)
        log(`the audit checkpoint's schedule does not answer yet (${(err as Error).message}): trying for two minutes`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
