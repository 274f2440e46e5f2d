// Durable retries: a failing collaborator, a worker killed mid-package, and months of reminders.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { workflowIdOf } from '../client/case-service';
import type { MailTransport } from '../infra/mail/mail-transport';
import { writeReturnPackage } from '../infra/package/return-package';
import * as messages from '../workflows/messages';
import { CaseHarness } from './support/case-harness';
import { caseInput } from './support/fixtures';

const harnesses: CaseHarness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

describe('an activity that fails twice', () => {
  it('is retried, and the notice arrives exactly once', async () => {
    let failures = 0;
    const flaky = (real: MailTransport): MailTransport => ({
      async send(mail) {
        if (mail.messageId.startsWith('<notice-acknowledge-1.') && failures < 2) {
          failures += 1;
          throw new Error('421 mail service busy');
        }
        return real.send(mail);
      },
      close: () => real.close(),
    });
    const h = await CaseHarness.start({ transport: flaky });
    harnesses.push(h);
    const caseId = await h.startCase();
    const { mail } = await h.vendorMail(caseId, 'acknowledge');
    expect(failures).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.smtp.mails.filter((m) => m.messageId === mail.messageId)).toHaveLength(1);
    const history = await h.client.workflow.getHandle(workflowIdOf(caseId)).fetchHistory();
    const attempts = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.attempt)
      .filter((a): a is number => !!a);
    expect(Math.max(...attempts)).toBe(3);
  });
});

describe('a worker killed while packaging', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  function startWorkerProcess(h: CaseHarness): ChildProcess {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../worker/main.ts')], {
      env: {
        ...process.env,
        DATA_DIR: h.dataDir,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TASK_QUEUE: h.taskQueue,
        SMTP_URL: h.config.smtpUrl!,
        ADMIN_EMAIL: h.config.adminEmail!,
        PUBLIC_URL: h.config.publicUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.on('exit', (code, signal) => {
      if (code) console.error(`worker process exited ${code} ${signal}: ${output.slice(-2000)}`);
    });
    return proc;
  }

  it('is replaced by a new worker that finishes the case with the same ZIP hash', async () => {
    const h = await CaseHarness.start({ noWorker: true });
    harnesses.push(h);
    child = startWorkerProcess(h);
    const caseId = await h.startCase();
    await h.vendorAct((await h.vendorMail(caseId, 'acknowledge', {})).link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    const { link } = await h.vendorMail(caseId, 'return');
    // Enough incompressible bytes that packaging takes a few seconds.
    for (let i = 0; i < 4; i += 1)
      await h.stage(caseId, 'electronic', `scan-${i}.bin`, crypto.randomBytes(40 * 1024 * 1024));
    await h.stage(caseId, 'permanent', 'students.csv', 'id,name\n1,Ana\n2,Ben\n3,Chen\n');
    const files = await h.stagedRefs(caseId);
    await h.vendorAct(link, messages.submitReturn, { files });

    const packagesDir = path.join(h.dataDir, 'packages', caseId);
    await h.waitFor(
      'packaging under way',
      () =>
        fs.existsSync(packagesDir) &&
        fs
          .readdirSync(packagesDir)
          .some((f) => f.endsWith('.part') && fs.statSync(path.join(packagesDir, f)).size > 1024 * 1024),
      60_000,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    expect((await h.records.getCase(caseId))?.status).toBe('packaging');

    child = startWorkerProcess(h);
    const record = await h.waitForStatus(caseId, 'awaiting_review', 90_000);
    const round = record.returnPackages[0]!;

    // The same files packaged without any crash give the same bytes.
    const staged = await h.storage.listStaged(caseId);
    expect(staged.map((f) => f.fileId).sort()).toEqual(files.map((f) => f.fileId).sort());
    const hash = crypto.createHash('sha256');
    const reference = await writeReturnPackage(
      staged.map((f) => ({ ...f, open: () => h.storage.openStaged(caseId, f.fileId) })),
      new Writable({
        write(chunk, _e, cb) {
          hash.update(chunk);
          cb();
        },
      }),
      { caseId, round: 1 },
    );
    expect(reference.zipSha256).toBe(hash.digest('hex'));
    expect(round.zipSha256).toBe(reference.zipSha256);
    expect(fs.readdirSync(packagesDir).filter((f) => f.endsWith('.part'))).toEqual([]);
    const history = await h.client.workflow.getHandle(workflowIdOf(caseId)).fetchHistory();
    const packagingAttempts = (history.events ?? []).filter(
      (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 0) > 1,
    );
    expect(packagingAttempts.length).toBeGreaterThanOrEqual(1);
  }, 180_000);
});

describe('a long case', () => {
  it('continues as new while reminders repeat, keeping its state, its links and a bounded history', async () => {
    const h = await CaseHarness.start();
    harnesses.push(h);
    const caseId = await h.startCase(caseInput({ deadlines: { acknowledge: '1 hour', reminderEvery: '1s' } }), {
      historyBudget: 60,
    });
    const { link } = await h.vendorMail(caseId, 'acknowledge');
    await h.waitFor(
      'several reminders',
      async () => ((await h.records.getCase(caseId))?.state.tasks[0]?.reminders ?? 0) >= 8,
      60_000,
    );
    const runs: string[] = [];
    for await (const execution of h.client.workflow.list({ query: `WorkflowId = '${workflowIdOf(caseId)}'` }))
      runs.push(execution.runId);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const current = await h.client.workflow.getHandle(workflowIdOf(caseId)).describe();
    expect(current.historyLength).toBeLessThan(120);
    const reminders = h.mailsOf(caseId, 'reminder');
    expect(new Set(reminders.map((m) => m.messageId)).size).toBe(reminders.length);
    // The state crossed over: the first link still acknowledges, and the timeline is whole.
    const ack = await h.vendorAct(link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    expect(ack.status).toBe('awaiting_return');
    const record = (await h.records.getCase(caseId))!;
    expect(record.timeline[0]!.type).toBe('case_started');
    expect(record.timeline.filter((e) => e.type === 'reminder_sent').length).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
