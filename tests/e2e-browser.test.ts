// The whole journey in a real headless Chromium, against the real HTTP server, Temporal dev server, SMTP
// receiver and SQLite: an administrator starts a case, the vendor acknowledges, returns data and certifies
// through emailed links, the administrator accepts the return, and legal staff download and verify the
// statement. Screenshots of every page land in test-results/screenshots/ (git-ignored).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { dayOf } from '../domain/dates';
import { linkIn } from './support/smtp-receiver';
import { popplerText } from './support/artifacts';
import { HttpHarness, PASSWORD, signatoryCodeIn } from './support/http-harness';
import {
  BrowserJourney,
  expectChecked,
  expectContains,
  expectCount,
  expectText,
  launchChromium,
} from './support/browser';

let h: HttpHarness;
let browser: Browser;
let journey: BrowserJourney;

beforeAll(async () => {
  h = await HttpHarness.start();
  browser = await launchChromium();
  journey = new BrowserJourney(browser, h.baseUrl);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const CSV = 'student_id,name,grade\n1001,Ana Lima,7\n1002,Ben Okafor,8\n1003,Chen Wu,7\n';
const BINARY = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
const sha256 = (data: string | Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/login');
  await journey.shot(page, `${username}-login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** After a form action the page came from a redirect: reloading it sends a GET, never the form again. */
async function expectReloadIsGet(page: Page): Promise<void> {
  const methods: string[] = [];
  const note = (request: { method(): string; isNavigationRequest(): boolean }) => {
    if (request.isNavigationRequest()) methods.push(request.method());
  };
  page.on('request', note);
  const response = await page.reload();
  page.off('request', note);
  expect(response?.status()).toBe(200);
  expect(methods).toEqual(['GET']);
}

/** The case page, reloaded once the case record shows `status` (the worker writes it asynchronously). */
async function openCaseAt(
  page: Page,
  caseId: string,
  status: Parameters<HttpHarness['cases']['waitForStatus']>[1],
): Promise<void> {
  await h.cases.waitForStatus(caseId, status);
  await page.goto(`/cases/${caseId}`);
  await expect
    .poll(async () => page.locator('.facts .status').getAttribute('data-status'), { timeout: 10_000 })
    .toBe(status);
}

describe('the whole journey in a browser', { timeout: 180_000 }, () => {
  it('runs a case from the notice to a verified statement', async () => {
    const admin = await journey.actor('admin');
    const vendor = await journey.actor('vendor');
    const legal = await journey.actor('legal');
    const today = dayOf(Date.now());

    // 1. The administrator starts the case.
    await signIn(admin.page, 'ada');
    await expectText(admin.page.locator('h1'), 'Dashboard');
    await journey.shot(admin.page, 'admin-dashboard');
    await admin.page.getByRole('link', { name: 'New case' }).click();
    await admin.page.waitForURL('**/cases/new');
    await admin.page.getByLabel('Contract id').fill('CT-E2E-001');
    await admin.page.getByLabel('Title', { exact: true }).fill('Reading practice platform');
    await admin.page.getByLabel('Termination date').fill('2026-11-30');
    await admin.page.getByLabel('Organisation').fill('Acme Learning Inc.');
    await admin.page.getByLabel('Contact email').fill('privacy@acme-learning.example');
    await admin.page.getByLabel('Service', { exact: true }).fill('Acme Reader');
    for (const key of ['permanent', 'subsidiary', 'special_education', 'electronic']) {
      await expectChecked(admin.page.locator(`input[name="cat.${key}"]`));
    }
    await admin.page.getByLabel('Expected records: Permanent student records').fill('3');
    await admin.page.getByLabel('Tracking mechanism 1', { exact: true }).fill('acme_session cookie');
    await admin.page.getByLabel('Kind of tracking mechanism 1', { exact: true }).selectOption('cookie');
    await journey.shot(admin.page, 'admin-new-case-filled');
    await Promise.all([
      admin.page.waitForURL(/\/cases\/[A-Za-z0-9]{6,32}\?done=started$/),
      admin.page.getByRole('button', { name: 'Start the case and send the notice' }).click(),
    ]);
    const caseId = new URL(admin.page.url()).pathname.split('/').pop()!;
    await expectText(admin.page.locator('h1'), 'Acme Learning Inc. · contract CT-E2E-001');
    await expectText(admin.page.getByRole('status'), 'Case started; the notice is on its way to the vendor.');
    await journey.shot(admin.page, 'admin-case-started');

    // 2. The vendor acknowledges the notice through the emailed link.
    const acknowledge = await h.cases.vendorMail(caseId, 'acknowledge');
    await vendor.page.goto(journey.local(acknowledge.link));
    await expectText(vendor.page.locator('h1'), 'Acknowledge the termination notice');
    await expectContains(vendor.page.locator('main'), 'acme_session cookie (cookie)');
    await journey.shot(vendor.page, 'vendor-acknowledge');
    await vendor.page.getByLabel('Your name').fill('Dana Whitfield');
    await vendor.page.getByLabel('Your email').fill('dana@acme-learning.example');
    await vendor.page.getByLabel('Your title').fill('Privacy Officer');
    await journey.shot(vendor.page, 'vendor-acknowledge-filled');
    await Promise.all([
      vendor.page.waitForURL(/\?done=acknowledged$/),
      vendor.page.getByRole('button', { name: 'Acknowledge the notice' }).click(),
    ]);
    await expectText(vendor.page.locator('h1'), 'Notice acknowledged');
    await expectReloadIsGet(vendor.page); // Post/Redirect/Get: a reload does not send the form again
    await expectText(vendor.page.locator('h1'), 'Notice acknowledged');
    await journey.shot(vendor.page, 'vendor-acknowledged');

    // 3. The vendor uploads the data, removes a file, uploads it again, and submits the return.
    const returnMail = await h.cases.vendorMail(caseId, 'return');
    const returnUrl = journey.local(returnMail.link);
    await vendor.page.goto(returnUrl);
    await vendor.page.getByText('Nothing staged yet.').waitFor();
    await journey.shot(vendor.page, 'vendor-return-empty');
    const upload = async (category: string, file: { name: string; mimeType: string; buffer: Buffer }) => {
      await vendor.page.locator('select[name=category]').selectOption(category);
      await vendor.page.locator('input[name=file]').setInputFiles(file);
      await vendor.page.getByRole('button', { name: 'Upload' }).click();
      // upload.js sends it through the API with a progress bar, then reloads the list
      await vendor.page.locator('table td', { hasText: file.name }).first().waitFor();
    };
    const csvFile = { name: 'students.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) };
    const binFile = { name: 'uploads.bin', mimeType: 'application/octet-stream', buffer: BINARY };
    await upload('permanent', csvFile);
    await upload('electronic', binFile);
    const row = (name: string) => vendor.page.locator('tr', { has: vendor.page.locator('td', { hasText: name }) });
    const expectListed = async () => {
      await expectContains(row('students.csv'), `${Buffer.byteLength(CSV)} B`);
      await expectContains(row('students.csv'), sha256(CSV));
      await expectText(row('students.csv').locator('td').nth(3), '3'); // records: the header is not one
      await expectContains(row('uploads.bin'), `${BINARY.length} B`);
      await expectContains(row('uploads.bin'), sha256(BINARY));
    };
    await expectListed();
    await journey.shot(vendor.page, 'vendor-return-two-staged');
    await vendor.page.getByRole('button', { name: 'Remove uploads.bin' }).click();
    await vendor.page.waitForURL(returnUrl);
    await expectCount(row('uploads.bin'), 0);
    await expectCount(row('students.csv'), 1);
    await journey.shot(vendor.page, 'vendor-return-one-removed');
    await upload('electronic', binFile);
    await expectListed();
    await journey.shot(vendor.page, 'vendor-return-ready');
    await vendor.page.getByLabel('Note to the district (optional)').fill('All records of the district, as agreed.');
    await vendor.page.getByRole('button', { name: 'Submit the return (2 file(s))' }).click();
    await expectText(vendor.page.locator('h1'), 'Return submitted');
    await journey.shot(vendor.page, 'vendor-return-submitted');

    // 4. The administrator reviews the return package and accepts it.
    await openCaseAt(admin.page, caseId, 'awaiting_review');
    const record = (await h.cases.records.getCase(caseId))!;
    const zipSha256 = record.returnPackages.at(-1)!.zipSha256!;
    expect(zipSha256).toMatch(/^[0-9a-f]{64}$/);
    await expectContains(
      admin.page.locator('main'),
      `2 file(s), ${Buffer.byteLength(CSV) + BINARY.length} bytes. ZIP SHA-256 ${zipSha256}`,
    );
    await journey.shot(admin.page, 'admin-review');
    // The return falls short of what the case expected: accepting it takes the district's reason.
    await admin.page.getByLabel(/why the district accepts it all the same/).fill('The district has what it needs.');
    await Promise.all([
      admin.page.waitForURL(new RegExp(`/cases/${caseId}\\?done=accepted$`)),
      admin.page.getByRole('button', { name: 'Accept the returned data' }).click(),
    ]);
    await expectContains(admin.page.locator('main'), 'Accepted by user:ada');
    await expectText(admin.page.getByRole('status'), 'Return accepted; the vendor is asked to certify destruction.');
    await expectReloadIsGet(admin.page);
    await expectContains(admin.page.locator('main'), 'Accepted by user:ada');
    await journey.shot(admin.page, 'admin-accepted');

    // 5. The vendor certifies destruction and the removal of the tracking mechanism.
    const certify = await h.cases.vendorMail(caseId, 'certify');
    await vendor.page.goto(journey.local(certify.link));
    await expectText(vendor.page.locator('h1'), 'Certify destruction and removal of tracking mechanisms');
    await journey.shot(vendor.page, 'vendor-certify');
    /** The destruction fields the vendor's form and a subprocessor's share (theirs are named under `prefix`). */
    const fillDestruction = async (
      prefix: string,
      who: { name: string; title: string; email: string; method: string; technique: string; verification: string },
    ) => {
      await vendor.page.getByLabel('Name', { exact: true }).fill(who.name);
      await vendor.page.getByLabel('Title', { exact: true }).fill(who.title);
      await vendor.page.getByLabel('Email', { exact: true }).fill(who.email);
      await vendor.page.getByLabel('Destruction completed on').fill(today);
      await vendor.page.locator(`input[name="${prefix}method"][value="${who.method}"]`).check();
      await vendor.page.getByLabel('Technique used').fill(who.technique);
      await vendor.page.getByLabel('How destruction was verified').fill(who.verification);
    };
    await fillDestruction('destruction.', {
      name: 'Morgan Reyes',
      title: 'Chief Privacy Officer',
      email: 'morgan.reyes@acme-learning.example',
      method: 'purge',
      technique: 'Cryptographic erase of the tenant keys; database rows deleted',
      verification: 'Restore attempt from the erased volumes failed',
    });
    await expectChecked(vendor.page.locator('input[name="destruction.backups.destroyed"][value="true"]'));
    // Each place the data may have lived (NIST SP 800-88 App. G): production held it and was crypto-erased; no other place held any.
    for (let i = 0; i < 8; i += 1)
      await vendor.page
        .locator(`input[name="destruction.systems.${i}.heldData"][value="${i === 0 ? 'true' : 'false'}"]`)
        .check();
    await vendor.page.locator('#system-0-name').fill('Tenant database «Ünterricht» cluster');
    await vendor.page.getByText('How it was sanitized (where it held data)').first().click(); // opens the place's details
    await vendor.page.locator('#system-0-method').selectOption('purge');
    await vendor.page.locator('#system-0-technique').fill('Cryptographic erase of the tenant keys, then row deletion');
    await vendor.page.locator('#system-0-tool').fill('HashiCorp Vault transit key deletion');
    await vendor.page.locator('#system-0-toolVersion').fill('1.15.4');
    await vendor.page.locator('#system-0-verification').fill('Decrypting a sampled row fails with the key gone');
    await vendor.page.locator('#system-0-completedOn').fill(today);
    await vendor.page.locator('#system-0-cryptoErase-keys').fill('transit/keys/tenant-riverside');
    await vendor.page
      .locator('#system-0-cryptoErase-how')
      .fill('Deleted with deletion_allowed set; key versions purged');
    await vendor.page.getByLabel("Validator's name").fill('Sam Oduya');
    await vendor.page.getByLabel("Validator's title").fill('Security Engineer');
    await vendor.page.getByLabel("Validator's email").fill('sam.oduya@acme-learning.example');
    await vendor.page.getByLabel('Subprocessor 1', { exact: true }).fill('Cloud Hosting Co.');
    await vendor.page.getByLabel('Subprocessor 1 contact email').fill('privacy@cloud-hosting.example');
    await vendor.page.getByLabel('acme_session cookie removed on').fill(today);
    for (const name of [
      'destruction.accountsClosed',
      'destruction.attestation',
      'tracking.collectedDataDestroyed',
      'tracking.attestation',
    ]) {
      await vendor.page.locator(`input[name="${name}"]`).check();
    }
    await journey.shot(vendor.page, 'vendor-certify-filled');
    /** The signatory reads the code mailed to them (from the mails that came after `since`). */
    const codeFor = async (email: string, since: number) =>
      signatoryCodeIn(
        (
          await h.cases.smtp.waitFor(
            (m) =>
              h.cases.smtp.mails.indexOf(m) >= since &&
              m.headers.get('x-disposition-mail') === 'signatory_code' &&
              m.to.includes(email),
            30_000,
            `the code for ${email}`,
          )
        ).text,
      );
    let since = h.cases.smtp.mails.length;
    await vendor.page.getByRole('button', { name: 'Certify', exact: true }).click();
    // Nothing is certified yet: the signatory is emailed a code, and the form comes back filled in, asking for it.
    await expectContains(
      vendor.page.locator('.notice.ok'),
      'We emailed a 6-digit code to morgan.reyes@acme-learning.example',
    );
    await expectChecked(vendor.page.locator('input[name="destruction.attestation"]'));
    await journey.shot(vendor.page, 'vendor-certify-code');
    await vendor.page
      .getByLabel('Code', { exact: true })
      .fill(await codeFor('morgan.reyes@acme-learning.example', since));
    await vendor.page.getByRole('button', { name: 'Certify with the code' }).click();
    await expectText(vendor.page.locator('h1'), 'Certification received');
    await journey.shot(vendor.page, 'vendor-certified');

    // 5b. The subprocessor the vendor named certifies its own destruction through the link it was emailed.
    const subMail = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'subprocessor_notice',
      30_000,
      "the subprocessor's notice",
    );
    expect(subMail.to).toEqual(['privacy@cloud-hosting.example']);
    await vendor.page.goto(journey.local(linkIn(subMail)));
    await expectText(vendor.page.locator('h1'), "Certify a subprocessor's destruction");
    await journey.shot(vendor.page, 'subprocessor-certify');
    await fillDestruction('', {
      name: 'Mei Tanaka',
      title: 'Data Protection Officer',
      email: 'privacy@cloud-hosting.example',
      method: 'destroy',
      technique: 'Shredding of the drives that held the tenant volumes',
      verification: 'Certificate of destruction, drive serials checked',
    });
    await vendor.page.locator('input[name="attestation"]').check();
    since = h.cases.smtp.mails.length;
    await vendor.page.getByRole('button', { name: 'Certify', exact: true }).click();
    await vendor.page.getByLabel('Code', { exact: true }).fill(await codeFor('privacy@cloud-hosting.example', since));
    await vendor.page.getByRole('button', { name: 'Certify with the code' }).click();
    await expectText(vendor.page.locator('h1'), 'Certification received');

    // 6. Legal staff download the statement and verify it, then a copy with one byte changed.
    await signIn(legal.page, 'lee');
    await journey.shot(legal.page, 'legal-cases');
    await openCaseAt(legal.page, caseId, 'completed');
    await expectContains(legal.page.locator('main'), 'acme_session cookie removed');
    await journey.shot(legal.page, 'legal-case-completed');
    const [download] = await Promise.all([
      legal.page.waitForEvent('download'),
      legal.page.getByRole('link', { name: 'Download the statement (PDF)' }).click(),
    ]);
    const pdfPath = await download.path();
    const pdf = fs.readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(sha256(pdf)).toBe((await h.cases.records.getCase(caseId))!.state.statement!.sha256);
    const statementText = popplerText(pdf).replace(/\s+/g, ' ');
    expect(statementText).toContain('Sanitization by place (NIST SP 800-88, Appendix G)');
    expect(statementText).toContain('Production systems: Tenant database «Ünterricht» cluster');
    expect(statementText).toContain('keys destroyed: transit/keys/tenant-riverside');
    expect(statementText).toContain('Sam Oduya, Security Engineer');

    let verifyVisits = 0;
    const verify = async (file: Buffer, name: string) => {
      await legal.page.goto('/verify');
      if (verifyVisits++ === 0) await journey.shot(legal.page, 'legal-verify');
      await legal.page.locator('input[name=file]').setInputFiles({ name, mimeType: 'application/pdf', buffer: file });
      await legal.page.getByRole('button', { name: 'Verify the file' }).click();
    };
    await verify(pdf, 'statement.pdf');
    await expectContains(legal.page.getByRole('status'), 'Genuine and unaltered');
    await expectContains(legal.page.locator('header nav'), 'lee (legal)'); // still signed in after the upload
    await journey.shot(legal.page, 'legal-verify-genuine');
    const altered = Buffer.from(pdf);
    const at = Math.floor(altered.length / 2);
    altered[at] = altered[at]! ^ 0x01;
    await verify(altered, 'statement-altered.pdf');
    await expectContains(legal.page.getByRole('alert'), 'Not verified');
    await journey.shot(legal.page, 'legal-verify-altered');

    expect(journey.troubles).toEqual([]);
  });
});
