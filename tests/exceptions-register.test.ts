// The exceptions register (issue 13, item 3): data the vendor may keep, and why, recorded at the start or later;
// the vendor certifies all but those, the statement lists them, and the administrators hear when one ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../domain/dates';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL } from './support/case-harness';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { HttpHarness, type SignedIn } from './support/http-harness';

describe('the exceptions register', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  it('is certified around, printed on the statement, and reminds the administrators the day one ends', async () => {
    const today = dayOf(Date.now());
    const input = caseInput({
      contract: { id: 'CT-EXC-1' },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
      exceptions: [
        {
          kind: 'deidentified',
          scope: 'De-identified usage statistics by school',
          reason: 'NDPA de-identified data',
          endsOn: today,
        },
      ],
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    // A second one later, from the API; a bad one is refused by field and changes nothing.
    const bad = await h.as(ada, 'POST', `/api/cases/${caseId}/exceptions`, {
      kind: 'because',
      scope: 'x',
      reason: 'y',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('kind');
    const added = await h.as(ada, 'POST', `/api/cases/${caseId}/exceptions`, {
      kind: 'student_accounts',
      scope: 'Accounts of graduating students who chose to keep them',
      reason: 'Their own consent, given in the app',
    });
    expect(added.status).toBe(200);
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.exceptions.map((e: { id: string; kind: string }) => [e.id, e.kind])).toEqual([
      ['x1', 'deidentified'],
      ['x2', 'student_accounts'],
    ]);

    // The exception that ends today: the administrators are told.
    const ends = await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'exception_ends',
      30_000,
      'the exception reminder',
    );
    expect(ends.to).toContain(ADMIN_EMAIL);
    expect(ends.text).toContain('De-identified usage statistics by school');

    // The vendor certifies all but the exceptions: its notice and its page list them.
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: 'privacy@acme-learning.example',
    });
    const { mail, link } = await h.cases.vendorMail(caseId, 'certify');
    expect(mail.text).toContain('except the exceptions listed below');
    expect(mail.text).toContain('Accounts of graduating students who chose to keep them');
    const page = await (await fetch(h.url(new URL(link).pathname))).text();
    expect(page).toContain('Exceptions the district allows');
    expect(page).toContain(', except the data listed as exceptions above.');
    await h.cases.vendorAct(link, messages.certify, { certification: certification(input) });
    // After the certification, no exception can be added: it would change what the vendor certified.
    const late = await h.as(ada, 'POST', `/api/cases/${caseId}/exceptions`, {
      kind: 'retention_law',
      scope: 'Invoices',
      reason: 'Tax law',
    });
    expect(late.status).toBe(409);
    const record = await h.cases.waitForStatus(caseId, 'completed');
    const statement = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: ada.cookie } });
    const text = popplerText(Buffer.from(await statement.arrayBuffer())).replace(/\s+/g, ' ');
    expect(text).toContain('Exceptions: data the vendor may keep');
    expect(text).toContain('De-identified usage statistics by school');
    expect(text).toContain('Accounts of graduating students who chose to keep them');
    expect(text).toContain('except the data listed under "Exceptions"');
    expect(record.state.statement).toBeDefined();
  }, 120_000);

  it('is recorded from the case page without JavaScript', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput({ contract: { id: 'CT-EXC-2' } }))).json
      .caseId as string;
    const post = (fields: Record<string, string>) =>
      fetch(h.url(`/cases/${caseId}/exceptions`), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: ada.csrfToken, ...fields }).toString(),
      });
    expect((await post({ kind: 'retention_law', scope: '', reason: 'Tax law' })).status).toBe(400);
    const done = await post({
      kind: 'retention_law',
      scope: 'Invoices naming the district',
      reason: 'Seven years under tax law',
      endsOn: '2033-06-30',
    });
    expect(done.status).toBe(303);
    const page = await (await fetch(h.url(done.headers.get('location')!), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('Exception recorded.');
    expect(page).toContain('<td data-label="Data">Invoices naming the district</td>');
    expect(page).toContain('<td data-label="Until">2033-06-30</td>');
  }, 60_000);
});
