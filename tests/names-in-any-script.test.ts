// A district's staff and its vendors write their names in many scripts. Each name must come back exactly as it
// was written on the pages, in the emails and in the statement (tests/statement.test.ts reads the PDF).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

const NAMES = {
  vendor: 'Jörg Ænderson-Łukasz · شركة أكمي',
  contact: 'Nguyễn Thị Minh Khai',
  acknowledgedBy: 'Ελένη Παπαδοπούλου',
  mechanisms: ['王小明 分析', '山田太郎 やまだ', '김민준 SDK', 'Анна cookie', 'דוד לוי pixel'],
};

let h: HttpHarness;
let ada: SignedIn;
let caseId: string;

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
  const input = caseInput({ vendor: { name: NAMES.vendor, contactName: NAMES.contact } });
  input.trackingMechanisms = NAMES.mechanisms.map((name) => ({ name, kind: 'other' as const }));
  caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId;
});
afterAll(async () => h?.close());

describe('names in any script', () => {
  it("arrive in the vendor's email and on the vendor's page as written", async () => {
    const { mail, link } = await h.cases.vendorMail(caseId, 'acknowledge');
    expect(mail.text).toContain(NAMES.contact);
    expect(mail.text).toContain(NAMES.vendor);
    const token = link.split('/v/')[1]!;
    const vendorPage = await (await fetch(h.url(`/v/${token}`))).text();
    expect(vendorPage).toMatch(/<meta charset="utf-8">/i);
    expect(vendorPage).toContain(`<bdi>${NAMES.vendor}</bdi>`);
    for (const name of NAMES.mechanisms) expect(vendorPage).toContain(`<bdi>${name}</bdi>`);
    const ack = await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, {
      contactName: NAMES.acknowledgedBy,
      contactEmail: 'eleni@acme-learning.example',
    });
    expect(ack.status).toBe(200);
  });

  it('show on the case list and the case page as written, each name isolated from its neighbours', async () => {
    const list = await (await fetch(h.url('/cases'), { headers: { cookie: ada.cookie } })).text();
    expect(list).toContain(`<bdi>${NAMES.vendor}</bdi>`);
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain(`<bdi>${NAMES.vendor}</bdi>`);
    expect(page).toContain(NAMES.acknowledgedBy);
    // The window's title too (it was once URL-escaped: "%u738B…" in the browser's tab and history).
    expect(page).toContain(`<title>${NAMES.vendor} · `);
  });

  it('come back from the API byte for byte', async () => {
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.vendorName).toBe(NAMES.vendor);
    expect(details.input.trackingMechanisms.map((m: { name: string }) => m.name)).toEqual(NAMES.mechanisms);
  });
});
