// With no SMTP_URL, mail goes to DATA_DIR/outbox: the administrators read it on the Outbox page, newest first, each
// message in full with working links (the vendor's link opens its task), and the .eml stays for mail clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

describe('the outbox page', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  let lee: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start({ env: { SMTP_URL: '' } });
    ada = await h.login('ada');
    lee = await h.login('lee');
  }, 120_000);
  afterAll(async () => h?.close());

  const get = (who: SignedIn | undefined, path: string) =>
    fetch(h.url(path), { redirect: 'manual', headers: who ? { cookie: who.cookie } : {} });

  it('lists what was sent, newest first, and opens each message with its links, for administrators only', async () => {
    const first = (await h.as(ada, 'POST', '/api/cases', caseInput({ vendor: { name: 'Première École SARL' } }))).json
      .caseId as string;
    await h.cases.waitForStatus(first, 'awaiting_acknowledgement');
    const second = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
    await h.cases.waitForStatus(second, 'awaiting_acknowledgement');
    // The notices are written once each case's mail activity ran.
    let list = '';
    for (let i = 0; i < 100 && (list.match(/href="\/outbox\/[^"]+"/g) ?? []).length < 2; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      list = await (await get(ada, '/outbox')).text();
    }
    const links = [...list.matchAll(/<a href="\/outbox\/([^"]+)"><bdi>([^<]+)<\/bdi><\/a>/g)];
    expect(links.length).toBeGreaterThanOrEqual(2);
    // Newest first: the second case's notice before the first's.
    const rows = [...list.matchAll(/data-label="Case"><a href="\/cases\/([A-Za-z0-9]+)">/g)].map((m) => m[1]);
    expect(rows.indexOf(second)).toBeLessThan(rows.indexOf(first));
    expect(list).toContain('<a href="/outbox">Outbox</a>'); // in the navigation

    const notice = links.find((l) => rows[links.indexOf(l)] === first);
    expect(notice, list).toBeDefined();
    const message = await (await get(ada, `/outbox/${notice![1]}`)).text();
    expect(message).toContain('Première École SARL');
    // The vendor's link, whole and clickable, opens the vendor's task page.
    const link = /<a href="(http:\/\/localhost:3000\/v\/[^"]+)">/.exec(message)?.[1];
    expect(link, message).toBeDefined();
    const task = await get(undefined, new URL(link!).pathname);
    expect(task.status).toBe(200);
    expect(await task.text()).toContain('Acknowledge the notice');

    const eml = await get(ada, `/outbox/${notice![1]}.eml`);
    expect(eml.status).toBe(200);
    expect(eml.headers.get('content-type')).toBe('message/rfc822');
    expect(await eml.text()).toContain('Subject:');

    expect((await get(lee, '/outbox')).status).toBe(403);
    expect((await get(undefined, '/outbox')).status).toBe(303);
    expect((await get(ada, '/outbox/..%2Fkeys')).status).toBe(400);
    expect((await get(ada, '/outbox/nothing-here')).status).toBe(404);
  }, 60_000);
});

describe('with a mail server', () => {
  it('offers no outbox page', async () => {
    const h = await HttpHarness.start();
    try {
      const ada = await h.login('ada');
      const page = await fetch(h.url('/outbox'), { headers: { cookie: ada.cookie } });
      expect(page.status).toBe(404);
      expect(await (await fetch(h.url('/'), { headers: { cookie: ada.cookie } })).text()).not.toContain('/outbox');
    } finally {
      await h.close();
    }
  }, 60_000);
});
