// The staff's home and the case list's export: numbers from the case record, reachable without JavaScript.
import { caseListResponseSchema } from '../server/api-answers';
import { MONTHS } from '../domain/dates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let lee: SignedIn;
const started: string[] = [];

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
  lee = await h.login('lee');
  for (const [i, vendor] of ['Zeta Learning', 'alpha Reading Co', 'Mu Math'].entries()) {
    started.push(
      (await h.as(ada, 'POST', '/api/cases', caseInput({ vendor: { name: vendor }, contract: { id: `CT-D-${i}` } })))
        .json.caseId,
    );
  }
  await h.as(ada, 'POST', `/api/cases/${started[2]}/cancel`, { reason: 'renewed after all' });
});
afterAll(async () => h?.close());

describe('the dashboard', () => {
  it('answers the counts, twelve months and the most urgent open cases, to both roles', async () => {
    for (const who of [ada, lee]) {
      const { status, json } = await h.as(who, 'GET', '/api/dashboard');
      expect(status).toBe(200);
      expect(json.byStatus).toMatchObject({ awaiting_acknowledgement: 2, cancelled: 1, completed: 0 });
      expect(json.months).toHaveLength(12);
      expect(json.months.at(-1)).toMatchObject({ month: new Date().toISOString().slice(0, 7), opened: 3, closed: 1 });
      expect(json.urgent.map((c: { caseId: string }) => c.caseId).sort()).toEqual([started[0], started[1]].sort());
    }
    expect((await h.as(undefined, 'GET', '/api/dashboard')).status).toBe(401);
  });

  it("is the staff's home page: each number links to its cases, the chart has its numbers in a table", async () => {
    const home = await fetch(h.url('/'), { headers: { cookie: ada.cookie }, redirect: 'manual' });
    expect(home.status).toBe(200);
    const page = await home.text();
    expect(page).toMatch(
      /<a href="\/cases"><span class="tile-value">2<\/span> <span class="tile-label">open cases<\/span><\/a>/,
    );
    expect(page).toContain('<a href="/cases?status=cancelled">Cancelled</a> <span class="count">1</span>');
    expect(page).toMatch(/<svg class="chart"[^>]*role="img" aria-labelledby="chart-title"/);
    const now = new Date();
    const thisMonth = `${MONTHS[now.getUTCMonth()]} ${now.getUTCFullYear()}`;
    expect(page).toContain(`<th scope="row">${thisMonth}</th><td>3</td><td>1</td>`);
    // The chart's months are named, across the card's width.
    expect(page).toContain(`>${MONTHS[now.getUTCMonth()]!.slice(0, 3)}</text>`);
    expect(page).toMatch(/<svg class="chart" width="100%"/);
    const signedOut = await fetch(h.url('/'), { redirect: 'manual' });
    expect(signedOut.headers.get('location')).toBe('/login');
  });
});

describe('the case list', () => {
  it('orders by vendor and exports the filtered list as CSV', async () => {
    const listed = (await h.as(ada, 'GET', '/api/cases?sort=vendor')).json.cases as Record<string, unknown>[];
    // Each item is exactly what the API document says (its schema allows no other property).
    const documented = Object.keys(caseListResponseSchema.shape.cases.element.shape).sort();
    for (const item of listed) expect(Object.keys(item).sort()).toEqual(documented);
    expect(caseListResponseSchema.safeParse({ cases: listed }).success).toBe(true);
    const byVendor = listed.map((c) => c.vendorName);
    expect(byVendor).toEqual(['alpha Reading Co', 'Mu Math', 'Zeta Learning']);
    const csv = await fetch(h.url('/api/cases?format=csv&status=awaiting_acknowledgement&sort=vendor&limit=1'), {
      headers: { cookie: ada.cookie },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'case_id,vendor,contract,status,status_label,overdue,due_at,days_left,enforcement,created_at',
    );
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['alpha Reading Co', 'Zeta Learning']); // all of them, not one page
    expect(lines[1]).toContain(',awaiting_acknowledgement,Waiting for the vendor to acknowledge,no,');
    const list = await (
      await fetch(h.url('/cases?status=awaiting_acknowledgement'), { headers: { cookie: ada.cookie } })
    ).text();
    expect(list).toContain('href="/api/cases?status=awaiting_acknowledgement&amp;sort=created&amp;format=csv"');
  });
});
