// The district's countersignature (issue 11, item 7): a case started with `legalSignoff: true` waits, after the
// vendor certified, for legal staff to review and countersign (case page or `disposition case sign ID`); only then
// is the statement issued, naming who countersigned and when.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL } from './support/case-harness';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { HttpHarness, type SignedIn } from './support/http-harness';

const destroyOnly = (id: string) =>
  caseInput({
    contract: { id },
    disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    trackingMechanisms: [],
    legalSignoff: true,
  });

describe("legal's countersignature", () => {
  let h: HttpHarness;
  let ada: SignedIn;
  let lee: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
    lee = await h.login('lee');
  }, 120_000);
  afterAll(async () => h?.close());

  /** Starts a case that asks for a countersignature and walks the vendor through to its certification. */
  async function certified(contractId: string): Promise<string> {
    const input = destroyOnly(contractId);
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    // Refused before the vendor certified: there is nothing to countersign yet.
    const early = await h.as(lee, 'POST', `/api/cases/${caseId}/countersign`, { attestation: true });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toContain('the case does not wait for a countersignature now');
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: 'privacy@acme-learning.example',
    });
    await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'certify')).link, messages.certify, {
      certification: certification(input),
    });
    await h.cases.waitForStatus(caseId, 'awaiting_signoff');
    return caseId;
  }

  it('holds the statement until a legal user countersigns on the case page, then names them on it', async () => {
    const caseId = await certified('CT-SIGN-1');
    // Legal staff and the administrators are asked, with a link to the case.
    const request = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'signoff_request',
      30_000,
      'the countersignature request',
    );
    expect(request.to).toEqual(expect.arrayContaining(['lee@district.example', ADMIN_EMAIL]));
    expect(request.text).toContain(`/cases/${caseId}`);
    expect((await h.cases.records.getCase(caseId))?.state.statement).toBeUndefined();

    // Administrators see what it waits for but cannot sign; the API refuses them by role.
    const adminPage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(adminPage).toContain(
      "The statement waits for legal staff to review the vendor's certification and countersign for the district.",
    );
    expect(adminPage).not.toContain('action="/cases/' + caseId + '/countersign"');
    expect((await h.as(ada, 'POST', `/api/cases/${caseId}/countersign`, { attestation: true })).status).toBe(403);
    // Without the attestation, refused by field; the case still waits.
    const unattested = await h.as(lee, 'POST', `/api/cases/${caseId}/countersign`, { note: 'Looks complete' });
    expect(unattested.status).toBe(400);
    expect(unattested.json.error.message).toContain('countersigning states that you reviewed');
    expect((await h.cases.records.getCase(caseId))?.status).toBe('awaiting_signoff');

    // The legal user countersigns from the case page, without JavaScript.
    const legalPage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: lee.cookie } })).text();
    expect(legalPage).toContain('Countersign and issue the statement');
    const form = new URLSearchParams({
      _csrf: lee.csrfToken,
      attestation: 'true',
      note: "Certification checked against the contract's data map",
    });
    const signed = await fetch(h.url(`/cases/${caseId}/countersign`), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: lee.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(signed.status).toBe(303);
    const record = await h.cases.waitForStatus(caseId, 'completed');
    expect(record.state.signoff).toMatchObject({
      by: 'user:lee',
      note: "Certification checked against the contract's data map",
    });
    const statement = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: lee.cookie } });
    const text = popplerText(Buffer.from(await statement.arrayBuffer())).replace(/\s+/g, ' ');
    expect(text).toContain('District countersignature');
    expect(text).toContain('Countersigned for Riverside Unified School District by lee (legal staff) on');
    expect(text).toContain("Their note: Certification checked against the contract's data map");
    // The statement is issued after the countersignature, never before.
    expect(record.state.statement!.issuedAt).toBeGreaterThanOrEqual(record.state.signoff!.at);
  }, 120_000);

  it('is given from the CLI too: disposition case sign ID', async () => {
    const caseId = await certified('CT-SIGN-2');
    const run = (args: string[]) => h.cases.cli(args).then(({ status, out }) => ({ code: status, out }));
    const done = await run(['case', 'sign', caseId, '--note', 'Reviewed with the contract file']);
    expect(done.out).toContain('Countersigned for the district');
    expect(done.code).toBe(0);
    const record = await h.cases.waitForStatus(caseId, 'completed');
    expect(record.state.signoff?.by).toMatch(/^cli:/);
    expect(record.state.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['statement_countersigned', 'statement_issued']),
    );
  }, 120_000);
});
