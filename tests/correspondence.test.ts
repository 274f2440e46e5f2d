// The correspondence file: every message sent for a case, kept with the record as the mail server was given it,
// with its delivery outcome, exported as a ZIP of .eml files and an index (CSV and JSON).
import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailTransport } from '../infra/mail/mail-transport';
import { scratchFile, unzipEntry, unzipTest } from './support/artifacts';
import { HttpHarness, type SignedIn } from './support/http-harness';

let h: HttpHarness;
let ada: SignedIn;
let refusals = 0;

// The first try at the return notice is refused by the mail server; the retry goes through.
const busyOnce = (real: MailTransport): MailTransport => ({
  async send(mail) {
    if (mail.messageId.startsWith('<notice-return-1.') && refusals === 0) {
      refusals += 1;
      throw new Error('421 4.3.2 mail service busy, try again later');
    }
    return real.send(mail);
  },
  close: () => real.close(),
});

beforeAll(async () => {
  h = await HttpHarness.start({ transport: busyOnce });
  ada = await h.login('ada');
});
afterAll(async () => h?.close());

describe('the correspondence file', () => {
  it('holds each message as sent, with its outcome and attempts, as .eml files and an index', async () => {
    const caseId = await h.cases.startCase();
    const ack = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname.split('/').pop()!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
    });
    const returnNotice = await h.cases.vendorMail(caseId, 'return');
    expect(refusals).toBe(1);

    const response = await fetch(h.url(`/api/cases/${caseId}/correspondence`), { headers: { cookie: ada.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const zip = scratchFile('correspondence.zip');
    fs.writeFileSync(zip, Buffer.from(await response.arrayBuffer()));
    expect(unzipTest(zip).status).toBe(0);

    const index = JSON.parse(unzipEntry(zip, 'index.json').toString('utf8')) as {
      caseId: string;
      messages: {
        file: string;
        messageId: string;
        kind: string;
        audience: string;
        outcome: string;
        attempts: number;
        detail: string;
        recipients: string[];
      }[];
    };
    expect(index.caseId).toBe(caseId);
    const kinds = index.messages.map((m) => `${m.kind}/${m.audience}`);
    expect(kinds).toEqual(expect.arrayContaining(['notice/vendor']));
    const retried = index.messages.find((m) => m.messageId === returnNotice.mail.messageId)!;
    expect(retried).toMatchObject({
      outcome: 'sent',
      attempts: 2,
      recipients: ['privacy@acme-learning.example', 'dana@acme-learning.example'],
    });
    expect(retried.detail).toMatch(/^250/); // the mail server's own answer

    // The .eml is the message the receiver got: same Message-ID, subject, text and HTML.
    const eml = await simpleParser(unzipEntry(zip, retried.file));
    expect(eml.messageId).toBe(returnNotice.mail.messageId);
    expect(eml.subject).toBe(returnNotice.mail.subject);
    expect(eml.text).toBe(returnNotice.mail.text);
    expect(eml.html).toBe(returnNotice.mail.html);

    const csv = unzipEntry(zip, 'index.csv').toString('utf8').trim().split('\r\n');
    expect(csv[0]).toBe('file,message_id,at,kind,audience,recipients,subject,outcome,attempts,detail');
    expect(csv).toHaveLength(index.messages.length + 1);
  });

  it('is for staff only, and a case that does not exist has none', async () => {
    expect((await fetch(h.url('/api/cases/abcdef123/correspondence'))).status).toBe(401);
    expect(
      (await fetch(h.url('/api/cases/abcdef123/correspondence'), { headers: { cookie: ada.cookie } })).status,
    ).toBe(404);
  });
});
