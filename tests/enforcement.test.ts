// A vendor that goes quiet (issue 13, item 4): its overdue task is reminded and escalated, an administrator marks
// it as not cooperating with a note, then refers the case to legal; legal staff get a letter with the case's
// history. Each step is visible and filterable; each refusal says what must come first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseInput } from './support/fixtures';
import { popplerText } from './support/artifacts';
import { HttpHarness, type SignedIn } from './support/http-harness';

describe('a vendor that does not answer', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  let lee: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
    lee = await h.login('lee');
  }, 120_000);
  afterAll(async () => h?.close());

  const listed = async (query: string): Promise<string[]> =>
    (await h.as(ada, 'GET', `/api/cases?${query}`)).json.cases.map((c: { caseId: string }) => c.caseId);

  it('is walked from reminded and escalated to not cooperating and referred to legal, with a letter for legal staff', async () => {
    const started = await h.as(
      ada,
      'POST',
      '/api/cases',
      caseInput({ contract: { id: 'CT-QUIET-1' }, deadlines: { acknowledge: '3s', reminderEvery: '1s' } }),
    );
    const caseId = started.json.caseId as string;
    // Before its task is overdue, the case cannot be marked, nor referred.
    const early = await h.as(ada, 'POST', `/api/cases/${caseId}/not-cooperating`, { note: 'No answer yet' });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toContain('only a vendor task that is overdue');
    // Reminded, then overdue and escalated (the administrators are told).
    await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'escalation',
      30_000,
      'the escalation',
    );
    await expect
      .poll(async () => (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.enforcement.stage, { timeout: 10_000 })
      .toBe('escalated');
    expect(await listed('enforcement=escalated')).toContain(caseId);
    const item = (await h.as(ada, 'GET', `/api/cases?enforcement=escalated`)).json.cases.find(
      (c: { caseId: string }) => c.caseId === caseId,
    );
    expect(item.daysLeft).toBeLessThanOrEqual(0);

    const tooSoon = await h.as(ada, 'POST', `/api/cases/${caseId}/refer-to-legal`, { note: 'Please act' });
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.json.error.message).toBe('mark the vendor as not cooperating first, with a note');
    expect((await h.as(lee, 'POST', `/api/cases/${caseId}/not-cooperating`, { note: 'x' })).status).toBe(403);
    expect((await h.as(ada, 'POST', `/api/cases/${caseId}/not-cooperating`, {})).status).toBe(400);

    const marked = await h.as(ada, 'POST', `/api/cases/${caseId}/not-cooperating`, {
      note: 'Two reminders and the escalation unanswered; the privacy office did not return a call on 2 June.',
    });
    expect(marked.status).toBe(200);
    expect(await listed('enforcement=not_cooperating')).toContain(caseId);
    const referred = await h.as(ada, 'POST', `/api/cases/${caseId}/refer-to-legal`, {
      note: 'Send the breach letter under section 9.',
    });
    expect(referred.status).toBe(200);
    expect(await listed('enforcement=referred_to_legal')).toEqual([caseId]);

    // Legal staff (and the administrators) get the letter, which holds the history and the notes.
    const mail = await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'referral',
      30_000,
      'the referral',
    );
    expect(mail.to).toEqual(expect.arrayContaining(['lee@district.example', 'ada@district.example']));
    expect(mail.text).toContain('Their note: Send the breach letter under section 9.');
    const letter = mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    const text = popplerText(letter.content).replace(/\s+/g, ' ');
    expect(text).toContain('Referral to Legal Counsel');
    expect(text).toContain('Vendor not cooperating');
    expect(text).toContain('Two reminders and the escalation unanswered');
    expect(text).toContain('overdue');
    expect(text).not.toContain('Statement referral');
    // The same letter, as of now, from the case; the case page shows the stage and links it.
    const download = await fetch(h.url(`/api/cases/${caseId}/referral-letter`), { headers: { cookie: lee.cookie } });
    expect(download.status).toBe(200);
    expect(popplerText(Buffer.from(await download.arrayBuffer()))).toContain('Send the breach letter under section 9.');
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('Referred to legal · <a href="/api/cases/');
    expect(page).not.toContain('action="/cases/' + caseId + '/refer-to-legal"');
    // The timeline keeps both steps with who took them.
    const timeline = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.timeline as {
      type: string;
      actor: string;
    }[];
    expect(
      timeline.filter((e) => e.type === 'vendor_not_cooperating' || e.type === 'referred_to_legal').map((e) => e.actor),
    ).toEqual(['user:ada', 'user:ada']);
    expect(
      (
        await fetch(
          h.url(
            `/api/cases/${(await h.as(ada, 'POST', '/api/cases', caseInput({ contract: { id: 'CT-FINE' } }))).json.caseId}/referral-letter`,
          ),
          { headers: { cookie: lee.cookie } },
        )
      ).status,
    ).toBe(404);
  }, 120_000);

  it('is marked from the case page without JavaScript, and the note is required', async () => {
    const caseId = (
      await h.as(
        ada,
        'POST',
        '/api/cases',
        caseInput({ contract: { id: 'CT-QUIET-2' }, deadlines: { acknowledge: '2s', reminderEvery: '1s' } }),
      )
    ).json.caseId as string;
    await expect
      .poll(async () => (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.enforcement.next, { timeout: 30_000 })
      .toBe('not_cooperating');
    const form = (note: string) =>
      fetch(h.url(`/cases/${caseId}/not-cooperating`), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: ada.csrfToken, note }).toString(),
      });
    expect((await form('')).status).toBe(400);
    const done = await form('No answer by phone or mail.');
    expect(done.status).toBe(303);
    const page = await (await fetch(h.url(done.headers.get('location')!), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('The vendor is marked as not cooperating.');
    expect(page).toContain('action="/cases/' + caseId + '/refer-to-legal"');
  }, 120_000);
});
