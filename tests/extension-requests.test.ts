// The vendor asks for more time (actions/extension-request): through its current link, by API and by page; the
// administrators are mailed and decide on the case page, by API or from the CLI; a grant moves the due time as an
// extension does, a refusal keeps it; the vendor is mailed the decision; both steps are on the timeline, in
// GET /api/cases/:caseId and on the statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMoment, readableMoment } from '../domain/dates';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL } from './support/case-harness';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { HttpHarness, type SignedIn } from './support/http-harness';

const dayAfter = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const tokenOf = (link: string): string => new URL(link).pathname.split('/').pop()!;

describe('a request for more time', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  /** A destroy-only case whose certification task is open; its link. */
  async function certifying(
    contractId: string,
  ): Promise<{ caseId: string; link: string; input: ReturnType<typeof caseInput> }> {
    const input = caseInput({
      contract: { id: contractId },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: 'privacy@acme-learning.example',
    });
    return { caseId, link: (await h.cases.vendorMail(caseId, 'certify')).link, input };
  }

  it('is asked through the link, decided by API, moves the due time as extend does, and is on the statement', async () => {
    const { caseId, link, input } = await certifying('CT-MORE-1');
    const token = tokenOf(link);
    const before = (await h.cases.records.getCase(caseId))!.openTask!.dueAt;
    const until = dayAfter(90);

    // Refused by field, and nothing recorded: a date that is not later, and no reason.
    const early = await h.as(undefined, 'POST', `/api/vendor/${token}/extension-requests`, {
      until: '2020-01-01',
      reason: 'late',
    });
    expect(early.status).toBe(400);
    expect(early.json.error.message).toContain('The new due date: ask for a date later than the current due date');
    expect((await h.as(undefined, 'POST', `/api/vendor/${token}/extension-requests`, { until })).status).toBe(400);
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.extensionRequests).toEqual([]);

    const asked = await h.as(undefined, 'POST', `/api/vendor/${token}/extension-requests`, {
      until,
      reason: 'Our backup vendor needs three more weeks to purge the archive tier.',
    });
    expect(asked.status).toBe(202);
    expect(asked.json.message).toContain('Until then the due date stands');
    // A double click answers the first result; a second, different request waits for the first to be decided.
    const again = await h.as(undefined, 'POST', `/api/vendor/${token}/extension-requests`, {
      until,
      reason: 'Our backup vendor needs three more weeks to purge the archive tier.',
    });
    expect(again.status).toBe(202);
    const second = await h.as(undefined, 'POST', `/api/vendor/${token}/extension-requests`, {
      until: dayAfter(120),
      reason: 'Even longer',
    });
    expect(second.status).toBe(409);
    expect(second.json.error.message).toContain("still waiting for the district's decision");

    // The administrators are mailed, with the case page to decide on.
    const toAdmins = await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-case') === caseId && m.subject.startsWith('Request for more time'),
      30_000,
      'the request to the administrators',
    );
    expect(toAdmins.to).toContain(ADMIN_EMAIL);
    expect(toAdmins.text).toContain('Our backup vendor needs three more weeks');
    expect(toAdmins.text).toContain(`/cases/${caseId}`);

    const pending = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(pending.extensionRequests).toEqual([
      expect.objectContaining({
        id: 'r1',
        task: 'certify',
        until,
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
      }),
    ]);
    expect((await h.cases.records.getCase(caseId))!.openTask!.dueAt).toBe(before);

    // Decided: a bad decision is refused by field; an unknown request by its id; the grant moves the due time.
    expect(
      (await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r1`, { decision: 'maybe', reason: 'x' }))
        .status,
    ).toBe(400);
    expect(
      (await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r9`, { decision: 'grant', reason: 'x' }))
        .status,
    ).toBe(400);
    const lee = await h.login('lee');
    expect(
      (await h.as(lee, 'POST', `/api/cases/${caseId}/extension-requests/r1`, { decision: 'grant', reason: 'x' }))
        .status,
    ).toBe(403);
    const granted = await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r1`, {
      decision: 'grant',
      reason: 'The archive purge is scheduled with us.',
    });
    expect(granted.status).toBe(200);
    expect(granted.json.message).toBe('Request granted: the due date is moved, and the vendor is told.');
    // A repeat (the same update id) answers the first result.
    expect(
      (
        await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r1`, {
          decision: 'grant',
          reason: 'The archive purge is scheduled with us.',
        })
      ).json,
    ).toMatchObject({ message: granted.json.message });
    expect(
      (
        await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r1`, {
          decision: 'refuse',
          reason: 'changed my mind',
        })
      ).status,
    ).toBe(409);
    const record = (await h.cases.records.getCase(caseId))!;
    expect(record.openTask!.dueAt).toBe(parseMoment(until));

    // The vendor is mailed the new due date with a fresh link, as after an extension.
    const toVendor = await h.cases.vendorMail(caseId, 'certify', { kind: 'extension' });
    expect(toVendor.mail.text).toContain('The archive purge is scheduled with us.');
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.extensionRequests[0]).toMatchObject({
      status: 'granted',
      decidedBy: 'user:ada',
      decisionReason: 'The archive purge is scheduled with us.',
    });
    expect(details.extensionRequests[0].decidedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(details.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['extension_requested', 'deadline_extended']),
    );

    // The statement carries both steps.
    await h.cases.vendorAct(toVendor.link, messages.certify, { certification: certification(input) });
    await h.cases.waitForStatus(caseId, 'completed');
    const statement = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: ada.cookie } });
    const text = popplerText(Buffer.from(await statement.arrayBuffer())).replace(/\s+/g, ' ');
    expect(text).toContain('The vendor asked for more time');
    expect(text).toContain('Request r1 granted');
  }, 180_000);

  it('is refused from the CLI: the due time stands and the vendor is told why', async () => {
    const { caseId, link } = await certifying('CT-MORE-2');
    const before = (await h.cases.records.getCase(caseId))!.openTask!.dueAt;
    const asked = await h.as(undefined, 'POST', `/api/vendor/${tokenOf(link)}/extension-requests`, {
      until: dayAfter(60),
      reason: 'Holidays',
    });
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    const run = (args: string[]) => h.cases.cli(args).then(({ status, out }) => ({ code: status, out }));
    const usage = await run(['case', 'extension-request', caseId, 'r1', '--reason', 'no']);
    expect(usage.code).toBe(2);
    expect(usage.out).toContain('give either --grant or --refuse');
    const done = await run([
      'case',
      'extension-request',
      caseId,
      'r1',
      '--refuse',
      '--reason',
      'The contract gives thirty days; no more.',
    ]);
    expect(done.out).toContain('Request refused: the due date stands');
    expect(done.code).toBe(0);
    const record = (await h.cases.records.getCase(caseId))!;
    expect(record.openTask!.dueAt).toBe(before);
    expect(record.state.extensionRequests![0]).toMatchObject({
      status: 'refused',
      decisionReason: 'The contract gives thirty days; no more.',
    });
    expect(record.state.extensionRequests![0]!.decidedBy).toMatch(/^cli:/);
    const toVendor = await h.cases.vendorMail(caseId, 'certify', { kind: 'written' });
    expect(toVendor.mail.subject).toContain('not granted');
    expect(toVendor.mail.text).toContain('The contract gives thirty days; no more.');
    expect(toVendor.mail.text).toContain(`stays due ${readableMoment(before)}`);
    // Refused, the vendor may ask again.
    const anew = await h.as(undefined, 'POST', `/api/vendor/${tokenOf(link)}/extension-requests`, {
      until: dayAfter(75),
      reason: 'Half of it, then',
    });
    expect(anew.status, JSON.stringify(anew.json)).toBe(202);
  }, 120_000);

  it('is asked and decided on the pages, without JavaScript', async () => {
    const { caseId, link } = await certifying('CT-MORE-3');
    const vendorPath = new URL(link).pathname;
    const taskPage = await (await fetch(h.url(vendorPath))).text();
    expect(taskPage).toContain(`action="${vendorPath}/extension-requests"`);
    const form = (url: string, fields: Record<string, string>, cookie?: string) =>
      fetch(h.url(url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(fields).toString(),
      });
    // A refusal shows the page again with the field's error and the reason kept.
    const refused = await form(`${vendorPath}/extension-requests`, {
      until: '2020-01-01',
      reason: 'Our export is slow',
    });
    expect(refused.status).toBe(400);
    const refusedPage = await refused.text();
    expect(refusedPage).toContain('ask for a date later than the current due date');
    expect(refusedPage).toContain('>Our export is slow</textarea>');
    const asked = await form(`${vendorPath}/extension-requests`, { until: dayAfter(80), reason: 'Our export is slow' });
    expect(asked.status, await asked.clone().text()).toBe(303);
    const after = await (await fetch(h.url(asked.headers.get('location')!))).text();
    expect(after).toContain('Your request for more time is with the district');
    expect(after).toContain("is waiting for the district's decision");

    const casePage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(casePage).toContain('Requests for more time');
    expect(casePage).toContain(`action="/cases/${caseId}/extension-requests/r1"`);
    const decided = await form(
      `/cases/${caseId}/extension-requests/r1`,
      { _csrf: ada.csrfToken, requestId: 'r1', decision: 'grant', reason: 'Fine by us' },
      ada.cookie,
    );
    expect(decided.status).toBe(303);
    const decidedPage = await (
      await fetch(h.url(decided.headers.get('location')!), { headers: { cookie: ada.cookie } })
    ).text();
    expect(decidedPage).toContain('Request granted: the due date is moved, and the vendor is told.');
    expect(decidedPage).toContain('granted by user:ada');
  }, 120_000);

  it('is asked by a subprocessor through its own link; a grant moves its due time and it gets a fresh link', async () => {
    const { caseId, link, input } = await certifying('CT-MORE-4');
    const base = certification(input);
    const certified = await h.certifyByLink(tokenOf(link), {
      ...base,
      destruction: {
        ...base.destruction,
        subprocessors: [{ name: 'Quiet Storage Ltd', contactEmail: 'legal@quiet-storage.example' }],
      },
    });
    expect(certified.status).toBe(200);
    const notice = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'subprocessor_notice',
      30_000,
      'the subprocessor notice',
    );
    const subLink = new URL((/https?:\/\/\S+\/v\/[A-Za-z0-9._-]+/.exec(notice.text) ?? [''])[0]);
    const before = (await h.cases.records.getCase(caseId))!.state.subprocessors![0]!.dueAt;
    const until = dayAfter(100);
    const asked = await h.as(undefined, 'POST', `/api/vendor/${tokenOf(subLink.href)}/extension-requests`, {
      until,
      reason: 'Our tape library is offsite until spring.',
    });
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    const requested = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.extensionRequests;
    expect(requested).toEqual([
      expect.objectContaining({ id: 'r1', task: 'subprocessor_certify', subprocessorId: 's1', status: 'pending' }),
    ]);
    expect(
      (
        await h.as(ada, 'POST', `/api/cases/${caseId}/extension-requests/r1`, {
          decision: 'grant',
          reason: 'Agreed with the vendor.',
        })
      ).status,
    ).toBe(200);
    const sub = (await h.cases.records.getCase(caseId))!.state.subprocessors![0]!;
    expect(sub.dueAt).toBe(parseMoment(until));
    expect(sub.dueAt).toBeGreaterThan(before);
    const told = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'written' &&
        m.to.includes('legal@quiet-storage.example'),
      30_000,
      'the decision to the subprocessor',
    );
    expect(told.subject).toContain('granted');
    expect(told.text).toContain(`now due ${readableMoment(sub.dueAt)}`);
    expect(told.cc).toContain('privacy@acme-learning.example');
  }, 120_000);
});
