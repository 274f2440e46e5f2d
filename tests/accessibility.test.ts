// Every page people use, in each state that changes what it shows, in a real Chromium at a phone's width (390 px)
// and a desk's (1280 px): axe-core's WCAG 2.1 A and AA rules find no violation, nothing runs off the right edge (no
// sideways scrolling), and on a desk the lifecycle's steps stay on one row. Public school districts must meet
// WCAG 2.1 AA (ADA Title II). The states are made with long names in several scripts, long hashes and long file
// names. `packaging` and `generating_statement` last seconds and show the page of the status before them with
// its own status word; the backup confirmation's vendor page opens only on the roll-off day.
import fs from 'node:fs';
import path from 'node:path';
import { loginPage } from '../server/pages/staff-pages';
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
/** The (page, state) pairs checked, in the test's name so that a reader sees what is covered. */
const STATES = [
  'sign-in',
  'sign-in, with single sign-on and a refusal',
  'dashboard',
  'case list',
  'case list, page 2',
  'new case',
  'bulk start',
  'bulk start, finished',
  'webhook settings',
  'outbox',
  'outbox: a message',
  'case waiting for acknowledgement (long names)',
  'case at the return, with a request for more time',
  'case in review, with shortfalls, students missing from the roster and long file names',
  'case waiting for the certification',
  'case waiting for backups to roll off',
  'case waiting for subprocessors',
  'case waiting for legal, as legal',
  'case waiting for legal, as administrator',
  'case completed, with its statement',
  'case cancelled',
  'vendor: acknowledge',
  'vendor: return, nothing staged',
  'vendor: return, with staged files (long names)',
  'vendor: certify',
  "vendor: certify, the signatory's code asked",
  'subprocessor: certify',
  'verify',
  'not found',
] as const;
type State = (typeof STATES)[number];

/**
 * `html`: what a form's POST answered, shown at `path` (a page only a submit reaches); `base` and `who`: a page of
 * the second server (the outbox needs one that writes its mail to DATA_DIR/outbox).
 */
const pages: {
  name: State;
  path: string;
  signedIn: boolean;
  as?: 'legal';
  html?: string;
  base?: string;
  who?: SignedIn;
}[] = [];

/** A JSON body as the dotted form fields a page posts (booleans as "true"/"false"). */
function formFieldsOf(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) formFieldsOf(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined) out[prefix] = typeof value === 'string' ? value : `${value as number | boolean}`;
  return out;
}
let lee: SignedIn;
let outboxServer: HttpHarness | undefined;

const LONG_VENDOR = 'Jörg Ænderson-Łukasz Educational Technologies GmbH · شركة أكمي للتقنيات التعليمية';

/** Stages a file through a vendor link, as the return page's form sends it; answers the upload's status. */
async function stage(token: string, category: string, name: string, content: string): Promise<number> {
  const form = new FormData();
  form.set('category', category);
  form.set('file', new Blob([content]), name);
  return (await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form })).status;
}

/** A started case acknowledged by its vendor: its return link's token. */
async function atReturn(input: object): Promise<{ caseId: string; token: string }> {
  const started = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
  const ack = (await h.cases.vendorMail(started, 'acknowledge')).link.split('/v/')[1]!;
  await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
    contactName: 'Nguyễn Thị Minh Khai',
    contactEmail: 'dana@acme-learning.example',
  });
  return { caseId: started, token: (await h.cases.vendorMail(started, 'return')).link.split('/v/')[1]! };
}

/** The states the first walk through the pages left out: staged files, review with shortfalls, the ends. */
async function extraStates(): Promise<void> {
  const categories = [{ key: 'permanent', expectedRecords: 1200 }, { key: 'electronic' }, { key: 'access_log' }];
  const returning = (id: string) =>
    caseInput({
      vendor: { name: LONG_VENDOR },
      contract: { id },
      disposition: { option: 'return_then_destroy', extent: 'complete', categories },
    });
  const longName = `Schülerstammdaten_und_Leistungsnachweise_${'Jahrgänge_2014-2024_'.repeat(3)}学生名簿.csv`;
  const rows = 'student_id,name\nS1,Ada\nS2,محمد الأحمد\nS3,李小龙\n';

  const staging = await atReturn(returning('CT-STAGED'));
  expect(await stage(staging.token, 'permanent', longName, rows)).toBe(201);
  expect(await stage(staging.token, 'electronic', 'reading-sessions.jsonl', '{"student_id":"S1","minutes":12}\n')).toBe(
    201,
  );

  const review = await atReturn(returning('CT-REVIEW'));
  // A roster whose last two students are not in the return: their names long and in other scripts, a key long.
  const roster = new FormData();
  roster.set(
    'file',
    new Blob([
      `student_id,first_name,last_name\nS1,Ada,Lovelace\nS2,محمد,الأحمد\nS3,小龙,李\nS-${'0'.repeat(48)}4,Maximiliane-Katharina,Schönberger-Wittelsbach von Hohenzollern\nS5,Нурсултан,Абдрахманов\n`,
    ]),
    'roster.csv',
  );
  const attached = await fetch(h.url(`/api/cases/${review.caseId}/roster`), {
    method: 'POST',
    headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken },
    body: roster,
  });
  expect(attached.status).toBe(200);
  expect(await stage(review.token, 'permanent', longName, rows)).toBe(201);
  await h.as(undefined, 'POST', `/api/vendor/${review.token}/submit-return`, { note: 'Only what we could find' });
  await h.cases.waitForStatus(review.caseId, 'awaiting_review');

  const destroyOnly = (id: string) =>
    caseInput({
      vendor: { name: LONG_VENDOR },
      contract: { id },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    });
  const certified = async (id: string, backups?: { destroyed: boolean; rollOffDate?: string }) => {
    const { caseId, token } = await h.caseAtCertify(ada, destroyOnly(id));
    const answer = await h.certifyByLink(token, certification(destroyOnly(id), backups ? { backups } : {}));
    expect(answer.status).toBe(200);
    return caseId;
  };
  const completed = await certified('CT-DONE');
  const rollOff = await certified('CT-ROLLOFF', {
    destroyed: false,
    rollOffDate: new Date(Date.now() + 50 * 86_400_000).toISOString().slice(0, 10),
  });
  await h.cases.waitForStatus(completed, 'completed');
  await h.cases.waitForStatus(rollOff, 'awaiting_backup_rolloff');

  const cancelled = (await h.as(ada, 'POST', '/api/cases', destroyOnly('CT-CANCEL'))).json.caseId as string;
  await h.as(ada, 'POST', `/api/cases/${cancelled}/cancel`, {
    reason: 'The board renewed the contract on 2026-12-10.',
  });
  await h.cases.waitForStatus(cancelled, 'cancelled');

  // The outbox is offered by a server that writes its mail to DATA_DIR/outbox (no SMTP_URL): a second one.
  outboxServer = await HttpHarness.start({ env: { SMTP_URL: '' } });
  const admin = await outboxServer.login('ada');
  const mailed = (await outboxServer.as(admin, 'POST', '/api/cases', destroyOnly('CT-OUTBOX'))).json.caseId as string;
  let list = '';
  for (let i = 0; i < 150 && !list.includes('href="/outbox/'); i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    list = await (await fetch(outboxServer.url('/outbox'), { headers: { cookie: admin.cookie } })).text();
  }
  const message = /href="(\/outbox\/[^"]+)"/.exec(list)?.[1];
  expect(message, `no message in the outbox of case ${mailed}`).toBeDefined();

  pages.push(
    { name: 'vendor: return, with staged files (long names)', path: `/v/${staging.token}`, signedIn: false },
    {
      name: 'case in review, with shortfalls, students missing from the roster and long file names',
      path: `/cases/${review.caseId}`,
      signedIn: true,
    },
    { name: 'case completed, with its statement', path: `/cases/${completed}`, signedIn: true },
    { name: 'case waiting for backups to roll off', path: `/cases/${rollOff}`, signedIn: true },
    { name: 'case cancelled', path: `/cases/${cancelled}`, signedIn: true },
    { name: 'outbox', path: '/outbox', signedIn: true, base: outboxServer.baseUrl, who: admin },
    { name: 'outbox: a message', path: message!, signedIn: true, base: outboxServer.baseUrl, who: admin },
  );
}

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
  await extraStates();
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
  const { caseId: certifyCase, path: certifyPath } = await atCertify('CT-CERT-1');
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
    {
      name: 'sign-in, with single sign-on and a refusal',
      path: '/login',
      signedIn: false,
      html: loginPage({
        next: '/cases',
        sso: 'Riverside Unified School District staff account',
        error:
          'Your account at Riverside Unified School District staff account gives you no role in Disposition: its "groups" holds none of the values the district set for administrators or legal staff. Ask the district\'s IT to add you to the right group.',
      }),
    },
    { name: 'dashboard', path: '/', signedIn: true },
    { name: 'webhook settings', path: '/settings/webhooks', signedIn: true },
    { name: 'case list', path: '/cases', signedIn: true },
    { name: 'new case', path: '/cases/new', signedIn: true },
    { name: 'bulk start', path: '/cases/bulk', signedIn: true },
    { name: 'bulk start, finished', path: `/bulk/${bulkId}`, signedIn: true },
    { name: 'case waiting for acknowledgement (long names)', path: `/cases/${caseId}`, signedIn: true },
    { name: 'case at the return, with a request for more time', path: `/cases/${other}`, signedIn: true },
    { name: 'vendor: return, nothing staged', path: returnPath, signedIn: false },
    { name: 'vendor: certify', path: certifyPath, signedIn: false },
    { name: "vendor: certify, the signatory's code asked", path: certifyPath, signedIn: false, html: askedHtml },
    { name: 'subprocessor: certify', path: subprocessorPath, signedIn: false },
    { name: 'case waiting for subprocessors', path: `/cases/${cascade.caseId}`, signedIn: true },
    { name: 'case waiting for legal, as legal', path: `/cases/${signoff}`, signedIn: true, as: 'legal' },
    { name: 'case waiting for legal, as administrator', path: `/cases/${signoff}`, signedIn: true },
    { name: 'case waiting for the certification', path: `/cases/${certifyCase}`, signedIn: true },
    { name: 'verify', path: '/verify', signedIn: false },
    { name: 'not found', path: '/nowhere', signedIn: false },
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await outboxServer?.close();
  await h?.close();
});

describe('pages people use', () => {
  it(`pass axe-core's WCAG 2.1 A and AA rules, fit 390 px and keep the steps on one row at 1280 px: ${STATES.join('; ')}`, async () => {
    expect(pages.map((p) => p.name).sort()).toEqual([...STATES].sort());
    const problems: string[] = [];
    for (const width of WIDTHS) {
      // bypassCSP: the pages' policy forbids injected scripts, axe's included (tests only).
      const context = await browser.newContext({
        baseURL: h.baseUrl,
        bypassCSP: true,
        viewport: { width, height: 844 },
      });
      const cookieOf = (who: SignedIn, base = h.baseUrl) => {
        const [name, value] = who.cookie.split(';')[0]!.split('=');
        return [{ name: name!, value: value!, url: base }];
      };
      const page = await context.newPage();
      for (const target of pages) {
        await context.clearCookies();
        if (target.signedIn)
          await context.addCookies(cookieOf(target.who ?? (target.as === 'legal' ? lee : ada), target.base));
        await page.goto(target.base ? `${target.base}${target.path}` : target.path);
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
        if (width >= 1280) {
          const rows = await page.evaluate<number>(
            "new Set([...document.querySelectorAll('ol.stepper .step')].map((step) => step.offsetTop)).size",
          );
          if (rows > 1) problems.push(`${target.name} (${width} px): the lifecycle's steps wrap onto ${rows} rows`);
        }
      }
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
