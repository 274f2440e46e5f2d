// Every message goes out as HTML with a plain-text alternative, made from the same blocks: the district's name,
// the task, a button to it, the due date in words and in ISO 8601; names escaped; one Message-ID per message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueInWords, isoSeconds } from '../activities/mail-layout';
import { CaseHarness } from './support/case-harness';
import { caseInput } from './support/fixtures';

let h: CaseHarness;

beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

describe('messages as HTML and plain text', () => {
  it('the notice: district, task, a button to the link, the due date in words and ISO, the same words in the text', async () => {
    const caseId = await h.startCase(caseInput({ vendor: { name: 'Acme <Learning> & Sons', contactName: 'Dana "DW" Whitfield' } }));
    const { mail, link } = await h.vendorMail(caseId, 'acknowledge');
    const record = (await h.records.getCase(caseId))!;
    const dueAt = record.openTask!.dueAt;
    const iso = isoSeconds(dueAt);

    expect(mail.html).toContain('<p style="margin:0 0 4px;font-size:13px;color:#5a6570;letter-spacing:.02em;">Riverside Unified School District</p>');
    expect(mail.html).toMatch(new RegExp(`<a href="${link.replace(/[.?]/g, '\\$&')}" style="[^"]*">Acknowledge the notice</a>`));
    expect(mail.html).toContain(`Due <strong>${dueInWords(dueAt)}</strong>`);
    expect(mail.html).toContain(iso);
    // Names are text, never markup.
    expect(mail.html).toContain('Acme &lt;Learning&gt; &amp; Sons');
    expect(mail.html).not.toContain('<Learning>');
    expect(mail.html).toContain('Dear Dana &quot;DW&quot; Whitfield,');

    expect(mail.text).toContain(`Acknowledge the notice, due ${dueInWords(dueAt)} (${iso}):\n${link}`);
    expect(mail.text).toContain('Acme <Learning> & Sons');
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.messageId).toMatch(/^<notice-acknowledge-1\.vendor\./);
  });

  it('the district\'s messages too: a button to the case', async () => {
    const caseId = await h.startCase(caseInput({ deadlines: { acknowledge: '2s', reminderEvery: '1 day' } }));
    const escalation = await h.smtp.waitFor((m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'escalation');
    expect(escalation.html).toMatch(new RegExp(`<a href="http://localhost:3000/cases/${caseId}" style="[^"]*">Open the case</a>`));
    expect(escalation.text).toContain(`http://localhost:3000/cases/${caseId}`);
  });
});
