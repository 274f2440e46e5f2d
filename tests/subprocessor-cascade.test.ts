// The subprocessor cascade (issue 13, item 2): the vendor names each subprocessor that held district data with a
// contact email; each becomes a child workflow with its own link, its own certification (the vendor's destruction
// fields and checks), reminders and escalation. The case completes only when each has certified or been waived
// with a reason, and the statement names each with its certification or waiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdOf } from '../client/case-service';
import { dayOf } from '../domain/dates';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL } from './support/case-harness';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { HttpHarness, signatoryCodeIn, type SignedIn } from './support/http-harness';
import { linkIn, type ReceivedMail } from './support/smtp-receiver';

const VENDOR_EMAIL = 'privacy@acme-learning.example';

describe('subprocessors certify their own destruction', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  const subprocessorMail = (caseId: string, kind: string, to: string): Promise<ReceivedMail> =>
    h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === kind &&
        m.to.includes(to),
      30_000,
      `${kind} to ${to}`,
    );
  const tokenOf = (link: string): string => new URL(link).pathname.slice('/v/'.length);
  const form = (fields: Record<string, string>): RequestInit => ({
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it('runs a child per subprocessor; one certifies through its link, one is waived, and the statement names both', async () => {
    const today = dayOf(Date.now());
    const input = caseInput({
      contract: { id: 'CT-SUB-1' },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: VENDOR_EMAIL,
    });
    const { link: vendorLink } = await h.cases.vendorMail(caseId, 'certify');
    const vendorToken = tokenOf(vendorLink);

    // A subprocessor without its email is refused by field, and the case keeps waiting for the certification.
    const named = [
      { name: 'Cloud Hosting Co.', contactEmail: 'privacy@cloud-hosting.example', contactName: 'Mei Tanaka' },
      { name: 'Example Analytics LLC', contactEmail: 'dpo@example-analytics.example' },
    ];
    const base = certification(input);
    const withoutEmail = {
      ...base,
      destruction: { ...base.destruction, subprocessors: [named[0], { name: 'Example Analytics LLC' }] },
    };
    const refused = await h.as(undefined, 'POST', `/api/vendor/${vendorToken}/certify`, withoutEmail);
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("Enter a subprocessor's contact email.");
    expect(refused.json.error.details[0].field).toBe('destruction.subprocessors.1.contactEmail');
    let record = await h.cases.records.getCase(caseId);
    expect(record?.status).toBe('awaiting_certification');
    expect(record?.state.certification).toBeUndefined();
    expect(record?.state.subprocessors).toBeUndefined();

    const certified = await h.certifyByLink(vendorToken, {
      ...base,
      destruction: { ...base.destruction, subprocessors: named },
    });
    expect(certified.status).toBe(200);
    expect(certified.json.status).toBe('awaiting_subprocessors');
    expect(certified.json.message).toContain('We have written to your 2 subprocessors, with you copied');

    // Each subprocessor is a child of the case in Temporal, with its own notice and link (the vendor copied).
    const notices = await Promise.all(
      named.map((s) => subprocessorMail(caseId, 'subprocessor_notice', s.contactEmail)),
    );
    expect(notices[0]!.cc).toContain(VENDOR_EMAIL);
    expect(notices[0]!.text).toContain('Dear Mei Tanaka,');
    expect(notices[0]!.text).toContain("Cloud Hosting Co. held the district's student data as its subprocessor");
    for (const id of ['s1', 's2']) {
      const child = await h.cases.client.workflow.getHandle(`subprocessor-${caseId}-${id}`).describe();
      expect(child.type).toBe('subprocessorFollowUp');
      expect(child.parentExecution?.workflowId).toBe(workflowIdOf(caseId));
    }
    const [hostLink, analyticsLink] = notices.map(linkIn) as [string, string];
    expect(hostLink).not.toBe(analyticsLink);

    // The subprocessor's page names it; its form is the vendor's destruction fields, checked the same way.
    const page = await (await fetch(h.url(new URL(hostLink).pathname))).text();
    expect(page).toContain('<bdi>Cloud Hosting Co.</bdi>, subprocessor of <bdi>');
    expect(page).toContain('action="/v/');
    const fields = {
      signatoryName: 'Mei Tanaka',
      signatoryTitle: 'Data Protection Officer',
      signatoryEmail: 'privacy@cloud-hosting.example',
      completedOn: today,
      method: 'destroy',
      technique: 'Shredding of the decommissioned drives that held the tenant volumes',
      verification: 'Certificate of destruction from the shredding contractor, serials checked',
      'backups.destroyed': 'true',
    };
    const unattested = await fetch(h.url(`${new URL(hostLink).pathname}/subprocessor-certify`), form(fields));
    expect(unattested.status).toBe(400);
    expect(await unattested.text()).toContain('the subprocessor must attest');
    // The vendor's own link cannot certify for a subprocessor, and a subprocessor's link cannot certify for the vendor.
    const { 'backups.destroyed': _destroyed, ...json } = fields;
    const wrongLink = await h.as(undefined, 'POST', `/api/vendor/${vendorToken}/subprocessor-certify`, {
      ...json,
      backups: { destroyed: true },
      attestation: true,
    });
    expect(wrongLink.status).toBe(409);
    expect(wrongLink.json.error.message).toContain('this action belongs to the link a subprocessor was sent');
    expect(
      (
        await h.as(undefined, 'POST', `/api/vendor/${tokenOf(hostLink)}/certify`, {
          ...base,
          destruction: { ...base.destruction, subprocessors: [] },
        })
      ).status,
    ).toBe(409);
    expect((await h.cases.records.getCase(caseId))?.state.subprocessors?.[0]?.certification).toBeUndefined();

    // On the page, without JavaScript: the first submit emails the signatory a code and shows the form again,
    // filled in, asking for it; the second carries it.
    const before = h.cases.smtp.mails.length;
    const asked = await fetch(
      h.url(`${new URL(hostLink).pathname}/subprocessor-certify`),
      form({ ...fields, attestation: 'true' }),
    );
    expect(asked.status).toBe(200);
    const askedPage = await asked.text();
    expect(askedPage).toContain('We emailed a 6-digit code to privacy@cloud-hosting.example');
    expect(askedPage).toContain('name="verificationCode"');
    expect(askedPage).toContain('value="Mei Tanaka"');
    expect((await h.cases.records.getCase(caseId))?.state.subprocessors?.[0]?.certification).toBeUndefined();
    const codeMail = await h.cases.smtp.waitFor(
      (m) => h.cases.smtp.mails.indexOf(m) >= before && m.headers.get('x-disposition-mail') === 'signatory_code',
      30_000,
      "the signatory's code",
    );
    expect(codeMail.to).toEqual(['privacy@cloud-hosting.example']);
    const done = await fetch(
      h.url(`${new URL(hostLink).pathname}/subprocessor-certify`),
      form({ ...fields, attestation: 'true', verificationCode: ` ${signatoryCodeIn(codeMail.text)} ` }),
    );
    expect(done.status).toBe(303);
    const thanks = await (await fetch(h.url(done.headers.get('location')!))).text();
    expect(thanks).toContain('Certification received. Thank you: nothing more is needed from you for this case.');
    // Its link is spent; the other subprocessor is still awaited.
    expect((await fetch(h.url(new URL(hostLink).pathname))).status).toBe(410);
    record = await h.cases.records.getCase(caseId);
    expect(record?.status).toBe('awaiting_subprocessors');

    // The district waives the other from the case page (no JavaScript), saying why; an unknown one is refused.
    const unknown = await h.as(ada, 'POST', `/api/cases/${caseId}/waive-subprocessor`, {
      subprocessorId: 's9',
      reason: 'x',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('The subprocessor: the case has no subprocessor s9 (it has s1, s2).');
    const casePage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(casePage).toContain('<h2>Subprocessors</h2>');
    expect(casePage).toContain('<option value="s2" >Example Analytics LLC</option>');
    const reason =
      'Example Analytics LLC was dissolved; its trustee confirmed in writing that its servers were wiped before the asset sale';
    const waived = await fetch(h.url(`/cases/${caseId}/waive-subprocessor`), {
      ...form({ _csrf: ada.csrfToken, subprocessorId: 's2', reason }),
      headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(waived.status).toBe(303);

    record = await h.cases.waitForStatus(caseId, 'completed');
    const [host, analytics] = record.state.subprocessors!;
    expect(host?.certification?.signatoryName).toBe('Mei Tanaka');
    expect(analytics?.waiver).toMatchObject({ reason, by: 'user:ada' });
    for (const id of ['s1', 's2']) {
      await expect
        .poll(
          async () => (await h.cases.client.workflow.getHandle(`subprocessor-${caseId}-${id}`).describe()).status.name,
          { timeout: 10_000 },
        )
        .toBe('COMPLETED');
    }
    const statement = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: ada.cookie } });
    const text = popplerText(Buffer.from(await statement.arrayBuffer())).replace(/\s+/g, ' ');
    expect(text).toContain('Subprocessors (7400.1 III.C)');
    expect(text).toContain('Cloud Hosting Co.');
    expect(text).toContain('by Mei Tanaka, Data Protection Officer');
    expect(text).toContain('Example Analytics LLC');
    expect(text).toContain('Waived by the district (user:ada');
    expect(text).toContain('its trustee confirmed in writing');
    // Who did what is in the access log: the waiver by the administrator.
    const audit = await h.as(ada, 'GET', `/api/audit?caseId=${caseId}`);
    expect(JSON.stringify(audit.json)).toContain('waive-subprocessor');
  }, 180_000);

  it('reminds a quiet subprocessor, escalates it when overdue, sends a new link to a corrected address, and stops when the case is cancelled', async () => {
    const input = caseInput({
      contract: { id: 'CT-SUB-2' },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
      deadlines: { certify: '3s', reminderEvery: '1s' },
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: VENDOR_EMAIL,
    });
    const base = certification(input);
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'certify')).link, messages.certify, {
      certification: {
        ...base,
        destruction: {
          ...base.destruction,
          subprocessors: [{ name: 'Quiet Storage Ltd', contactEmail: 'legal@quiet-storage.example' }],
        },
      },
    });
    await subprocessorMail(caseId, 'subprocessor_reminder', 'legal@quiet-storage.example');
    const escalation = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'subprocessor_escalation',
      30_000,
      'the escalation',
    );
    expect(escalation.to).toContain(ADMIN_EMAIL);
    expect(escalation.subject).toContain('Quiet Storage Ltd');
    // The case list shows it overdue and escalated; the case page says where the subprocessor stands.
    await expect
      .poll(async () => (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.subprocessors[0].status, {
        timeout: 10_000,
      })
      .toBe('overdue');
    const listed = (await h.as(ada, 'GET', '/api/cases?overdue=true')).json.cases.find(
      (c: { caseId: string }) => c.caseId === caseId,
    );
    expect(listed).toMatchObject({ status: 'awaiting_subprocessors', overdue: true, enforcement: 'escalated' });
    expect(
      (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.timeline.map((e: { summary: string }) => e.summary),
    ).toEqual(
      expect.arrayContaining([
        'Notice sent to the subprocessor Quiet Storage Ltd, the vendor copied',
        "Quiet Storage Ltd's certification is overdue; the administrators are alerted",
      ]),
    );

    // The address was wrong: a new link to the corrected one; the first link stops working.
    const first = linkIn(await subprocessorMail(caseId, 'subprocessor_notice', 'legal@quiet-storage.example'));
    const badAddress = await h.as(ada, 'POST', `/api/cases/${caseId}/subprocessor-link`, {
      subprocessorId: 's1',
      contactEmail: 'not an address',
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.json.error.message).toContain('The contact email must be an email address');
    expect(
      (
        await h.as(ada, 'POST', `/api/cases/${caseId}/subprocessor-link`, {
          subprocessorId: 's1',
          contactEmail: 'privacy@quiet-storage.example',
        })
      ).status,
    ).toBe(200);
    const renewed = await subprocessorMail(caseId, 'subprocessor_notice', 'privacy@quiet-storage.example');
    expect(renewed.subject).toContain('(new link)');
    expect(renewed.text).toContain('This link replaces any earlier one.');
    expect((await fetch(h.url(new URL(first).pathname))).status).toBe(410);
    expect((await fetch(h.url(new URL(linkIn(renewed)).pathname))).status).toBe(200);
    expect((await h.cases.records.getCase(caseId))?.state.timeline.map((e) => e.summary)).toContain(
      'New link for the subprocessor Quiet Storage Ltd, now to privacy@quiet-storage.example (was legal@quiet-storage.example); older links no longer work',
    );

    expect(
      (await h.as(ada, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'The contract was renewed after all' })).status,
    ).toBe(200);
    await expect
      .poll(async () => (await h.cases.client.workflow.getHandle(`subprocessor-${caseId}-s1`).describe()).status.name, {
        timeout: 15_000,
      })
      .toBe('COMPLETED');
    // Nothing more goes to the subprocessor once the case is closed.
    const sent = h.cases.mailsOf(caseId, 'subprocessor_reminder').length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(h.cases.mailsOf(caseId, 'subprocessor_reminder').length).toBe(sent);
  }, 120_000);
});
