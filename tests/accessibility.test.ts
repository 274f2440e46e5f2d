// Every page people use, in a real Chromium at a phone's width (390 px) and a desk's: axe-core's WCAG 2.1 A and
// AA rules find no violation, and nothing runs off the right edge (no sideways scrolling). Public school
// districts must meet WCAG 2.1 AA (ADA Title II).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { launchChromium } from './support/browser';
import { caseInput, certification } from './support/fixtures';
import { linkIn } from './support/smtp-receiver';
import { newCaseState } from '../domain/case-state-changes';

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [390, 1280];
/** What each page looks like on a phone and a desk, for people reviewing a change (git-ignored). */
const SHOTS = path.resolve(__dirname, '../test-results/screenshots-pages');
fs.mkdirSync(SHOTS, { recursive: true });

let h: HttpHarness;
let browser: Browser;
let ada: SignedIn;
/** `html`: what a form's POST answered, shown at `path` (a page only a submit reaches). */
const pages: { name: string; path: string; signedIn: boolean; as?: 'legal'; html?: string }[] = [];

/** A JSON body as the dotted form fields a page posts (booleans as "true"/"false"). */
function formFieldsOf(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) formFieldsOf(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined) out[prefix] = typeof value === 'string' ? value : `${value as number | boolean}`;
  return out;
}
let lee: SignedIn;

beforeAll(async () => {
  h = await HttpHarness.start();
  browser = await launchChromium();
  ada = await h.login('ada');
  lee = await h.login('lee');
  // A case with long names in several scripts, its vendor at the return task (the upload form).
  const input = caseInput({
    vendor: {
      name: 'Jörg Ænderson-Łukasz Educational Technologies GmbH · شركة أكمي',
      contactName: 'Nguyễn Thị Minh Khai',
    },
  });
  const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
  const ackPath = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname;
  pages.push({ name: 'vendor: acknowledge', path: ackPath, signedIn: false });
  // An endpoint with deliveries in its log, for the settings page (nothing listens there: they stay pending).
  await h.as(ada, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/disposition-hooks', events: ['*'] });
  const other = (await h.as(ada, 'POST', '/api/cases', caseInput({ contract: { id: 'CT-2' } }))).json.caseId as string;
  const otherAck = new URL((await h.cases.vendorMail(other, 'acknowledge')).link).pathname;
  await h.as(undefined, 'POST', `/api/${otherAck.replace('/v/', 'vendor/')}/acknowledge`, {
    contactName: 'Dana Whitfield',
    contactEmail: 'dana@acme-learning.example',
  });
  const returnPath = new URL((await h.cases.vendorMail(other, 'return')).link).pathname;
  // The vendor at the return asks for more time, at length: the case page shows the request and its decision form.
  const asked90 = new Date(Date.now() + 120 * 86_400_000).toISOString().slice(0, 10);
  const moreTime = await h.as(undefined, 'POST', `/api/${returnPath.replace('/v/', 'vendor/')}/extension-requests`, {
    until: asked90,
    reason:
      'Unser Archiv-Export der Notenbücher (2014–2024) dauert länger als geplant; 数据导出需要更多时间; النسخ الاحتياطية تحتاج إلى أسبوعين إضافيين. SHA-256 of the first batch: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  });
  expect(moreTime.status).toBe(202);
  // Two cases at the certification: one left there (the vendor's form), one certified naming subprocessors in
  // several scripts (a subprocessor's form, and the case page's subprocessors).
  const destroyOnly = (id: string) =>
    caseInput({
      contract: { id },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    });
  const atCertify = async (id: string): Promise<{ caseId: string; path: string }> => {
    const started = (await h.as(ada, 'POST', '/api/cases', destroyOnly(id))).json.caseId as string;
    const ack = new URL((await h.cases.vendorMail(started, 'acknowledge')).link).pathname;
    await h.as(undefined, 'POST', `/api/${ack.replace('/v/', 'vendor/')}/acknowledge`, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
    });
    return { caseId: started, path: new URL((await h.cases.vendorMail(started, 'certify')).link).pathname };
  };
  const certifyPath = (await atCertify('CT-CERT-1')).path;
  const cascade = await atCertify('CT-CERT-2');
  const certificationBody = certification(destroyOnly('CT-CERT-2'));
  await h.certifyByLink(cascade.path.replace('/v/', ''), {
    ...certificationBody,
    destruction: {
      ...certificationBody.destruction,
      subprocessors: [
        { name: '株式会社クラウド保管サービス', contactEmail: 'privacy@cloud.example.jp' },
        { name: 'شركة التحليلات التعليمية', contactEmail: 'dpo@analytics.example' },
      ],
    },
  });
  // A case waiting for legal's countersignature, as legal staff see it (the form) and as administrators do.
  const signoff = (await h.as(ada, 'POST', '/api/cases', { ...destroyOnly('CT-CERT-3'), legalSignoff: true })).json
    .caseId as string;
  const signoffAck = new URL((await h.cases.vendorMail(signoff, 'acknowledge')).link).pathname;
  await h.as(undefined, 'POST', `/api/${signoffAck.replace('/v/', 'vendor/')}/acknowledge`, {
    contactName: 'Dana Whitfield',
    contactEmail: 'dana@acme-learning.example',
  });
  const signoffCertify = new URL((await h.cases.vendorMail(signoff, 'certify')).link).pathname;
  await h.certifyByLink(signoffCertify.replace('/v/', ''), certification(destroyOnly('CT-CERT-3')));
  await h.cases.waitForStatus(signoff, 'awaiting_signoff');
  // The certify form after its first submit, without JavaScript: filled in, asking for the code emailed to the signatory.
  const asked = await fetch(h.url(`${certifyPath}/certify`), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(formFieldsOf(certification(destroyOnly('CT-CERT-1')))),
  });
  const askedHtml = await asked.text();
  expect(askedHtml).toContain('name="verificationCode"');
  const subprocessorPath = new URL(
    linkIn(
      await h.cases.smtp.waitFor(
        (m) =>
          m.headers.get('x-disposition-case') === cascade.caseId &&
          m.headers.get('x-disposition-mail') === 'subprocessor_notice',
        30_000,
        'a subprocessor notice',
      ),
    ),
  ).pathname;
  // A list long enough to page: 120 cases written into the record, with names in several scripts.
  const vendors = ['Acme Learning Inc.', 'Ελληνικά Μαθήματα', '王小明教育', 'شركة أكمي', 'Łódź EdTech sp. z o.o.'];
  for (let i = 0; i < 120; i += 1) {
    const state = newCaseState(
      `Seed${String(i).padStart(4, '0')}`,
      caseInput({ vendor: { name: vendors[i % vendors.length]! }, contract: { id: `CT-SEED-${i}` } }),
      'user:ada',
      Date.now() - i * 3_600_000,
    );
    await h.cases.records.saveCase(state);
  }
  // A bulk start of the example file (names in Japanese and Arabic) with a refused row, finished.
  const file = `${fs.readFileSync(path.join(__dirname, '../examples/bulk.csv'), 'utf8')}CT-BAD-1,,2026-06-30,,Vendor,not-an-address,,Service,,destroy_only,electronic,\n`;
  const bulkId = (
    (await (
      await fetch(h.url('/api/cases/bulk'), {
        method: 'POST',
        headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken, 'content-type': 'text/csv' },
        body: file,
      })
    ).json()) as { bulkId: string }
  ).bulkId;
  while ((await h.as(ada, 'GET', `/api/bulk/${bulkId}`)).json.status !== 'finished')
    await new Promise((r) => setTimeout(r, 200));
  const firstPage = await (await fetch(h.url('/cases'), { headers: { cookie: ada.cookie } })).text();
  const next = /<a href="([^"]+)" rel="next">/.exec(firstPage)![1]!.replace(/&amp;/g, '&');
  pages.push(
    { name: 'case list, page 2', path: next, signedIn: true },
    { name: 'sign-in', path: '/login', signedIn: false },
    { name: 'dashboard', path: '/', signedIn: true },
    { name: 'webhook settings', path: '/settings/webhooks', signedIn: true },
    { name: 'case list', path: '/cases', signedIn: true },
    { name: 'new case', path: '/cases/new', signedIn: true },
    { name: 'bulk start', path: '/cases/bulk', signedIn: true },
    { name: 'bulk start, finished', path: `/bulk/${bulkId}`, signedIn: true },
    { name: 'case', path: `/cases/${caseId}`, signedIn: true },
    { name: 'case at the return', path: `/cases/${other}`, signedIn: true },
    { name: 'vendor: return', path: returnPath, signedIn: false },
    { name: 'vendor: certify', path: certifyPath, signedIn: false },
    { name: "vendor: certify, the signatory's code asked", path: certifyPath, signedIn: false, html: askedHtml },
    { name: 'subprocessor: certify', path: subprocessorPath, signedIn: false },
    { name: 'case waiting for subprocessors', path: `/cases/${cascade.caseId}`, signedIn: true },
    { name: 'case waiting for legal, as legal', path: `/cases/${signoff}`, signedIn: true, as: 'legal' },
    { name: 'verify', path: '/verify', signedIn: false },
    { name: 'not found', path: '/nowhere', signedIn: false },
  );
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('pages people use', () => {
  it("pass axe-core's WCAG 2.1 A and AA rules and fit a 390 px screen", async () => {
    const problems: string[] = [];
    for (const width of WIDTHS) {
      // bypassCSP: the pages' policy forbids injected scripts, axe's included (tests only).
      const context = await browser.newContext({
        baseURL: h.baseUrl,
        bypassCSP: true,
        viewport: { width, height: 844 },
      });
      const cookieOf = (who: SignedIn) => {
        const [name, value] = who.cookie.split(';')[0]!.split('=');
        return [{ name: name!, value: value!, url: h.baseUrl }];
      };
      const page = await context.newPage();
      for (const target of pages) {
        await context.clearCookies();
        if (target.signedIn) await context.addCookies(cookieOf(target.as === 'legal' ? lee : ada));
        await page.goto(target.path);
        if (target.html) await page.setContent(target.html, { waitUntil: 'load' });
        await page.addScriptTag({ content: AXE });
        // Run in the page (a string: this project's TypeScript has no DOM types).
        const violations = await page.evaluate<
          string[]
        >(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then((result) => result.violations.map((v) => v.id + ' at ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')))`);
        for (const violation of violations) problems.push(`${target.name} (${width} px): ${violation}`);
        await page.screenshot({
          path: path.join(SHOTS, `${target.name.replace(/\W+/g, '-')}-${width}.png`),
          fullPage: true,
        });
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        if (overflow > 0) problems.push(`${target.name} (${width} px): runs ${overflow} px off the right edge`);
      }
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
