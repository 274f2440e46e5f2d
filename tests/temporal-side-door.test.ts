// Temporal as a side door (security round two, item 6): someone who can reach the Temporal namespace but holds
// no district key acts on a case with Temporal's own CLI, around the server's link tokens and access log. The
// worker refuses every payload the district's codec did not seal (workflows/sealed-messages.ts); the same
// request sealed is taken, so the seal is the whole difference.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import type { LogEntry } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workflowIdOf } from '../client/case-service';
import { CaseHarness, quietRuntime } from './support/case-harness';

const heard: LogEntry[] = [];
quietRuntime('WARN', heard);

let h: CaseHarness;
beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

/**
 * Temporal's CLI against the tests' server: what anyone with the namespace's address can run. Run beside the
 * event loop, not blocking it: the worker that answers is in this process.
 */
const temporal = (args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      inject('temporalCli'),
      [...args, '--address', inject('temporalAddress'), '--namespace', 'default'],
      { encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });

const forgedAcknowledgement = {
  contactName: 'Mallory Made-Up',
  contactEmail: 'mallory@example.org',
  link: { task: 'acknowledge', gen: 1 },
};

/** `temporal workflow update execute --name acknowledgeNotice`, with `input` as its JSON (none when absent). */
const updateByCli = (workflowId: string, input?: string) =>
  temporal([
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    workflowId,
    '--name',
    'acknowledgeNotice',
    ...(input === undefined ? [] : ['--input', input]),
  ]);

const eventTypes = async (workflowId: string): Promise<string[]> =>
  ((await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).map((e) => String(e.eventType));

describe('a case reached through Temporal instead of Disposition', () => {
  it("refuses an update sent with Temporal's CLI before it reaches the history, and takes the same request sealed", async () => {
    const caseId = await h.startCase();
    await h.waitForStatus(caseId, 'awaiting_acknowledgement');
    const workflowId = workflowIdOf(caseId);
    const before = await eventTypes(workflowId);

    const forged = await updateByCli(workflowId, JSON.stringify(forgedAcknowledgement));
    expect(forged.status, forged.stdout).not.toBe(0);
    expect(`${forged.stdout}${forged.stderr}`).toContain('not sealed with a district key');
    const record = await h.records.getCase(caseId);
    expect(record?.status).toBe('awaiting_acknowledgement');
    expect(JSON.stringify(record?.state)).not.toContain('Mallory');
    const after = await eventTypes(workflowId);
    expect(after.filter((t) => t.includes('UPDATE'))).toEqual([]);
    expect(after.filter((t) => t.includes('ACTIVITY_TASK_SCHEDULED'))).toEqual(
      before.filter((t) => t.includes('ACTIVITY_TASK_SCHEDULED')),
    );

    // An update with no payload at all is refused alike.
    const bare = await updateByCli(workflowId);
    expect(bare.status).not.toBe(0);
    expect(`${bare.stdout}${bare.stderr}`).toContain('not sealed with a district key');

    // The same request, sealed as the server seals it once the link checks out, is taken.
    await h.client.workflow.getHandle(workflowId).executeUpdate('acknowledgeNotice', { args: [forgedAcknowledgement] });
    await h.waitFor('the sealed acknowledgement', async () => {
      const acknowledged = await h.records.getCase(caseId);
      return (
        acknowledged?.status !== 'awaiting_acknowledgement' && JSON.stringify(acknowledged?.state).includes('Mallory')
      );
    });
  });

  it('drops a signal sent around the codec, with a warning in the worker log', async () => {
    const caseId = await h.startCase();
    await h.waitForStatus(caseId, 'awaiting_acknowledgement');
    const workflowId = workflowIdOf(caseId);
    const signalled = await temporal([
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'subprocessorNews',
      '--input',
      JSON.stringify({ subprocessorId: 's1', event: 'overdue', at: Date.now() }),
    ]);
    expect(signalled.status, signalled.stderr).toBe(0); // Temporal takes it into the history; the worker does not
    const warning = await h.waitFor('the worker to drop the signal', () =>
      heard.find(
        (e) =>
          e.message === 'a signal not sealed with a district key was dropped' &&
          e.meta?.signal === 'subprocessorNews' &&
          e.meta?.workflowId === workflowId,
      ),
    );
    expect(warning.level).toBe('WARN');
    // The case goes on: a sealed update after it is taken as usual.
    await h.client.workflow.getHandle(workflowId).executeUpdate('acknowledgeNotice', { args: [forgedAcknowledgement] });
    await h.waitFor(
      'the case to go on',
      async () => (await h.records.getCase(caseId))?.status !== 'awaiting_acknowledgement',
    );
  });

  it('fails a workflow started with an unsealed input, or none', async () => {
    for (const input of [['--input', JSON.stringify({ deliveryId: 'whd-forged' })], []]) {
      const workflowId = `forged-${crypto.randomBytes(4).toString('hex')}`;
      const started = await temporal([
        'workflow',
        'start',
        '--type',
        'webhookDelivery',
        '--task-queue',
        h.taskQueue,
        '--workflow-id',
        workflowId,
        ...input,
      ]);
      expect(started.status, started.stderr).toBe(0);
      const failure = await h.client.workflow
        .getHandle(workflowId)
        .result()
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause?.message).toContain('not sealed with a district key');
    }
  });
});
