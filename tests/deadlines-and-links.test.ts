// Deadlines, reminders, escalation, extension, resent links and refused payloads, with short durations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseService, workflowIdOf } from '../client/case-service';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL, CaseHarness } from './support/case-harness';
import { caseInput } from './support/fixtures';
import { readableMoment } from '../domain/dates';

let h: CaseHarness;
beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

async function visibleAsOverdue(caseId: string): Promise<boolean> {
  for await (const execution of h.client.workflow.list({
    query: `WorkflowId = '${workflowIdOf(caseId)}' AND Overdue = true`,
  })) {
    return execution.workflowId === workflowIdOf(caseId);
  }
  return false;
}

describe('the reminder cadence', () => {
  it('may not be shorter than REMINDER_MIN (1 hour unless set): the case is refused, nothing starts', async () => {
    const strict = new CaseService(h.client, h.records, h.keyring, { taskQueue: h.taskQueue });
    const before = (await h.records.listCases()).length;
    await expect(
      strict.startCase(caseInput({ deadlines: { reminderEvery: '5 minutes' } }), 'test:admin'),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: 'How often to remind must be at least 1 hour, so the vendor is not mailed more often than that.',
      details: [{ field: 'deadlines.reminderEvery' }],
    });
    expect((await h.records.listCases()).length).toBe(before);
    const { caseId } = await strict.startCase(caseInput({ deadlines: { reminderEvery: '1 hour' } }), 'test:admin');
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_acknowledgement');
  });
});

describe('a vendor who does not answer', () => {
  it('is reminded on the cadence, then escalated to the administrators; the case goes on; an extension clears it', async () => {
    const caseId = await h.startCase(caseInput({ deadlines: { acknowledge: '4s', reminderEvery: '1500ms' } }));
    const notice = await h.vendorMail(caseId, 'acknowledge');

    const reminder = await h.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'reminder',
    );
    expect(reminder.subject).toContain('Reminder: Acknowledge the termination notice');
    expect(reminder.to).toEqual(['privacy@acme-learning.example']);
    expect(
      await h.service.checkLink((await h.vendorMail(caseId, 'acknowledge', { kind: 'reminder' })).link),
    ).toMatchObject({ valid: true, claims: { gen: 1 } });

    const escalation = await h.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'escalation',
    );
    expect(escalation.to).toEqual([ADMIN_EMAIL]);
    expect(escalation.subject).toContain('Overdue: Acknowledge the termination notice');
    const overdue = await h.waitFor('overdue in the record', async () => {
      const record = await h.records.getCase(caseId);
      return record?.overdue ? record : undefined;
    });
    expect(overdue.status).toBe('awaiting_acknowledgement');
    expect((await h.records.listCases({ overdue: true })).map((c) => c.caseId)).toContain(caseId);
    expect(await waitForVisibility(() => visibleAsOverdue(caseId), true)).toBe(true);
    // Escalated once per due time, however many reminders follow.
    await new Promise((r) => setTimeout(r, 3000));
    expect(h.mailsOf(caseId, 'escalation')).toHaveLength(1);
    const reminders = h.mailsOf(caseId, 'reminder');
    expect(reminders.length).toBeGreaterThanOrEqual(2);
    expect(new Set(reminders.map((m) => m.messageId)).size).toBe(reminders.length);

    // Extension: a date in the past or before the due time is refused; a later one clears the overdue flag.
    await expect(
      h.service.perform('extend', caseId, { task: 'acknowledge', until: '2020-01-01', reason: 'typo' }, 'test:admin'),
    ).rejects.toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('later than') });
    await expect(
      h.service.perform('extend', caseId, { task: 'return', until: '2099-01-01', reason: 'wrong task' }, 'test:admin'),
    ).rejects.toMatchObject({ code: 'wrong_state' });
    await expect(
      h.service.perform('extend', caseId, { task: 'acknowledge', until: 'next week', reason: 'x' }, 'test:admin'),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('The new due date must be a date'),
    });
    const until = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const extended = await h.service.perform(
      'extend',
      caseId,
      { task: 'acknowledge', until, reason: 'Vendor asked for time' },
      'test:admin',
    );
    // The sentence the case page shows after the form, word for word (actions/extend/handler.ts).
    expect(extended.message).toBe(
      `Due time extended: "Acknowledge the termination notice" is now due ${readableMoment(Date.parse(until))}.`,
    );
    const record = (await h.records.getCase(caseId))!;
    expect(record.overdue).toBe(false);
    expect(record.openTask?.dueAt).toBe(Date.parse(until));
    const extension = await h.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'extension',
    );
    expect(extension.text).toContain('Vendor asked for time');
    expect(await waitForVisibility(() => visibleAsOverdue(caseId), false)).toBe(false);

    // The original notice's link still works for the same task and generation.
    const ack = await h.vendorAct(notice.link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    expect(ack.status).toBe('awaiting_return');
  });
});

describe('links', () => {
  it('resendLink raises the generation: the older link is refused as stale, the new one works', async () => {
    const caseId = await h.startCase();
    const old = await h.vendorMail(caseId, 'acknowledge', { gen: 1 });
    // A double click on "resend" (two requests at once) sends one link, not two.
    const [resent, twice] = await Promise.all([
      h.service.perform('resendLink', caseId, {}, 'test:admin'),
      h.service.perform('resendLink', caseId, {}, 'test:admin'),
    ]);
    expect(resent.message).toContain('new link');
    expect(twice).toEqual(resent);
    const fresh = await h.vendorMail(caseId, 'acknowledge', { gen: 2 });
    expect(fresh.mail.subject).toContain('(new link)');
    expect(await h.service.checkLink(old.link)).toMatchObject({ valid: false, reason: 'superseded' });
    await expect(
      h.vendorAct(old.link, messages.acknowledgeNotice, {
        contactName: 'Dana',
        contactEmail: 'privacy@acme-learning.example',
      }),
    ).rejects.toMatchObject({ code: 'stale_link', message: expect.stringContaining('replaced by a newer one') });
    await new Promise((r) => setTimeout(r, 500));
    expect(h.mailsOf(caseId).filter((m) => m.subject.includes('(new link)'))).toHaveLength(1);
    await h.vendorAct(fresh.link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_return');
  });

  it('refuses a tampered or expired token before it reaches the case', async () => {
    const caseId = await h.startCase();
    const { link } = await h.vendorMail(caseId, 'acknowledge');
    // One character of the signature changed for another: the one replaced is looked at, not the last one.
    const at = link.length - 3;
    const tampered = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
    expect(tampered).not.toBe(link);
    await expect(
      h.vendorAct(tampered, messages.acknowledgeNotice, { contactName: 'Eve', contactEmail: 'eve@evil.example' }),
    ).rejects.toMatchObject({ code: 'link_refused' });
    expect(await h.service.checkLink(link, Date.now() + 400 * 86_400_000)).toMatchObject({
      valid: false,
      reason: 'expired',
    });
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_acknowledgement');
  });
});

describe('bad payloads', () => {
  it('are refused with the zod message naming the field, and the case keeps what it holds', async () => {
    await expect(
      h.service.startCase({ ...caseInput(), vendor: { name: 'X', contactEmail: 'not-an-email' } }, 'test:admin'),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining("The vendor's contact email must be an email address"),
    });

    const caseId = await h.startCase();
    const { link } = await h.vendorMail(caseId, 'acknowledge');
    await expect(
      h.vendorAct(link, messages.acknowledgeNotice, { contactName: '', contactEmail: 'dana@acme-learning.example' }),
    ).rejects.toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('Enter your name.') });
    await expect(h.vendorAct(link, messages.submitReturn, { files: [] })).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('stage at least one file'),
    });
    await h.vendorAct(link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const { link: returnLink } = await h.vendorMail(caseId, 'return');
    await h.stage(caseId, 'permanent', 'a.csv', 'id\n1\n');
    const staged = await h.stagedRefs(caseId);
    await expect(
      h.vendorAct(returnLink, messages.submitReturn, { files: [{ ...staged[0]!, category: 'payroll' }] }),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('"payroll", which this case does not request'),
    });
    await expect(
      h.vendorAct(returnLink, messages.submitReturn, { files: [{ ...staged[0]!, sha256: 'xyz' }] }),
    ).rejects.toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('files.0.sha256') });
    await expect(h.service.perform('review', caseId, { decision: 'accept' }, 'test:admin')).rejects.toMatchObject({
      code: 'wrong_state',
      message: expect.stringContaining('no returned data waiting for review'),
    });
    const record = (await h.records.getCase(caseId))!;
    expect(record.status).toBe('awaiting_return');
    expect((await h.storage.listStaged(caseId)).map((f) => f.name)).toEqual(['a.csv']);
  });
});

/** Visibility is eventually consistent: poll until it says `expected`, or give up and return the last answer. */
async function waitForVisibility(probe: () => Promise<boolean>, expected: boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  let last = await probe();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    last = await probe();
  }
  return last;
}
