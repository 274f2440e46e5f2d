// Every message goes out as HTML with a plain-text alternative, made from the same blocks: the district's name,
// the task, a button to it, the due date in words and in ISO 8601; names escaped; one Message-ID per message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDistrictMail, renderVendorMail } from '../activities/mail-content';
import { dueInWords } from '../infra/mail/mail-layout';
import { daysLeftInWords } from '../domain/enforcement';
import type { MailSpec } from '../domain/mail';
import { newCaseState } from '../domain/case-state-changes';
import { CaseHarness } from './support/case-harness';
import { caseInput } from './support/fixtures';

let h: CaseHarness;

beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

describe('messages as HTML and plain text', () => {
  it('the notice: district, task, a button to the link, the due date in words and ISO, the same words in the text', async () => {
    const caseId = await h.startCase(
      caseInput({ vendor: { name: 'Acme <Learning> & Sons', contactName: 'Dana "DW" Whitfield' } }),
    );
    const { mail, link } = await h.vendorMail(caseId, 'acknowledge');
    const record = (await h.records.getCase(caseId))!;
    const dueAt = record.openTask!.dueAt;
    const left = daysLeftInWords(dueAt, Date.now());

    expect(mail.html).toContain(
      '<p style="margin:0 0 4px;font-size:13px;color:#5a6570;letter-spacing:.02em;">Riverside Unified School District</p>',
    );
    expect(mail.html).toMatch(
      new RegExp(`<a href="${link.replace(/[.?]/g, '\\$&')}" style="[^"]*">Acknowledge the notice</a>`),
    );
    expect(mail.html).toContain(`Due <strong>${dueInWords(dueAt)}</strong>`);
    expect(mail.html).toContain(`(${left})`);
    // Names are text, never markup.
    expect(mail.html).toContain('Acme &lt;Learning&gt; &amp; Sons');
    expect(mail.html).not.toContain('<Learning>');
    expect(mail.html).toContain('Dear Dana &quot;DW&quot; Whitfield,');

    expect(mail.text).toContain(`Acknowledge the notice, due ${dueInWords(dueAt)} (${left}):\n${link}`);
    expect(mail.text).toContain('Acme <Learning> & Sons');
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.messageId).toMatch(/^<notice-acknowledge-1\.vendor\./);
  });

  it("the district's messages too: a button to the case", async () => {
    const caseId = await h.startCase(caseInput({ deadlines: { acknowledge: '2s', reminderEvery: '1 day' } }));
    const escalation = await h.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'escalation',
    );
    expect(escalation.html).toMatch(
      new RegExp(`<a href="http://localhost:3000/cases/${caseId}" style="[^"]*">Open the case</a>`),
    );
    expect(escalation.text).toContain(`http://localhost:3000/cases/${caseId}`);
  });

  it('every kind of message, to the vendor and to the district, has both parts with the same words', () => {
    const at = Date.parse('2026-12-02T09:00:00Z');
    const state = newCaseState('case00000042', caseInput(), 'user:ada', at);
    state.acknowledgement = { contactName: 'Dana Whitfield', contactEmail: 'dana@acme-learning.example', at };
    state.returnRounds.push({
      round: 1,
      submittedAt: at,
      files: 2,
      bytes: 300,
      zipSha256: 'ab'.repeat(32),
      categories: [
        {
          key: 'permanent',
          label: 'Permanent student records',
          files: 2,
          bytes: 300,
          returnedRecords: 3,
          expectedRecords: 3,
        },
      ],
      shortfalls: [],
    });
    state.statement = {
      statementId: 'st-42',
      issuedAt: at,
      sha256: 'cd'.repeat(32),
      signature: 's',
      keyId: 'k',
      bytes: 1,
    };
    const task = { kind: 'return' as const, gen: 1, dueAt: at + 10 * 86_400_000 };
    const ctx = {
      districtName: 'Riverside Unified School District',
      publicUrl: 'https://disposition.district.example',
      link: 'https://disposition.district.example/v/v1.abc.def',
    };
    const vendorKinds: MailSpec[] = [
      { id: 'a', kind: 'notice', task: { ...task, kind: 'acknowledge' } },
      { id: 'b', kind: 'notice', task },
      { id: 'c', kind: 'reminder', task },
      { id: 'd', kind: 'extension', task, reason: 'asked for time' },
      { id: 'e', kind: 'rejection', task, reason: 'files missing' },
      { id: 'f', kind: 'cancellation', reason: 'renewed' },
      { id: 'g', kind: 'completion' },
    ];
    const districtKinds: MailSpec[] = [
      { id: 'h', kind: 'review_request', task: { ...task, kind: 'review' } },
      { id: 'i', kind: 'escalation', task },
      { id: 'j', kind: 'reminder', task: { ...task, kind: 'review' } },
      { id: 'k', kind: 'cancellation', reason: 'renewed' },
      { id: 'l', kind: 'completion' },
    ];
    const rendered = [
      ...vendorKinds.map((spec) => ({ spec, mail: renderVendorMail(state, spec, ctx) })),
      ...districtKinds.map((spec) => ({ spec, mail: renderDistrictMail(state, spec, ctx) })),
    ];
    for (const { spec, mail } of rendered) {
      const what = `${spec.kind} (${spec.id})`;
      expect(mail.subject, what).toBeTruthy();
      expect(mail.html, what).toContain('Riverside Unified School District</p>');
      expect(mail.html, what).toMatch(/<h1 [^>]*>[^<]+<\/h1>/);
      expect(mail.text, what).toContain('This message was sent by Disposition on behalf of the district.');
      // Every paragraph of the text is in the HTML too (escaped as HTML would write it).
      const escapeHtml = (t: string) =>
        t
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/"/g, '&quot;')
          .replace(/'/g, '&#39;');
      for (const paragraph of mail.text.split('\n\n')) {
        for (const line of paragraph
          .split('\n')
          .map((l) => l.replace(/^- /, ''))
          .filter(
            (l) =>
              l &&
              !/^https?:\/\//.test(l) &&
              !/, due .*:$/.test(l) &&
              !/:$/.test(l) &&
              !/^[A-Za-z ]+ the (notice|data|case)|^Certify|^Confirm|^Accept|^Open|^Review/.test(l),
          )) {
          expect(mail.html, `${what}: "${line}"`).toContain(escapeHtml(line));
        }
      }
      if (spec.task && spec.kind !== 'cancellation') {
        expect(mail.text, what).toContain(dueInWords(spec.task.dueAt));
        expect(mail.html, what).toContain(dueInWords(spec.task.dueAt));
      }
    }
  });
});
