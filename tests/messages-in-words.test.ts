// A refusal names the field in the words of its form and says what to do, on the API (beside the field's path and
// the error code), the page and the CLI; never the validator's wording ("Invalid input: expected string …"). A
// certification's date problems are all found before the signatory's code is mailed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeZodError, problemsOf, refusalInWords } from '../domain/messages';
import { caseInputSchema } from '../domain/case-input';
import { dayOf } from '../domain/dates';
import { SANITIZATION_PLACES } from '../domain/certification';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput, certification } from './support/fixtures';

const VALIDATOR_WORDS = /Invalid input|expected string|received undefined|Too small|Too big|Invalid option/;

describe('problems in the words of the form', () => {
  it('says which field and what to do, for each kind of problem', () => {
    const parsed = caseInputSchema.safeParse({
      vendor: { name: 'Acme' },
      contract: { id: '', terminationDate: '2026-13-01' },
      service: { name: 'Reader', url: 'not a url' },
      disposition: { option: 'burn', extent: 'complete', categories: [{ key: 'permanent', expectedRecords: -1 }] },
    });
    expect(parsed.success).toBe(false);
    const problems = problemsOf(parsed.error!);
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'contract.id', message: 'Enter the contract id.' },
        { field: 'vendor.contactEmail', message: "Enter the vendor's contact email." },
        { field: 'contract.terminationDate', message: 'The termination date is not a calendar date.' },
        {
          field: 'disposition.option',
          message: 'Choose what the vendor is to do: "return then destroy", or "destroy only".',
        },
        {
          field: 'disposition.categories.0.expectedRecords',
          message: 'The number of records expected must be at least 0.',
        },
      ]),
    );
    expect(describeZodError(parsed.error!)).not.toMatch(VALIDATOR_WORDS);
    // A workflow's refusal, written `path: problem` a line each, reads the same way with its fields.
    expect(refusalInWords('until: ask for a date later than the current due date\nthe case is completed')).toEqual({
      message: 'The new due date: ask for a date later than the current due date. the case is completed',
      details: [{ field: 'until', message: 'The new due date: ask for a date later than the current due date.' }],
    });
  });
});

describe('a refusal people read', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  it('on the API: the sentence, the code and the field', async () => {
    const input = caseInput();
    const { contactEmail: _, ...vendor } = input.vendor;
    const answer = await h.as(ada, 'POST', '/api/cases', { ...input, vendor });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({
      code: 'invalid_payload',
      message: "Enter the vendor's contact email.",
      details: [{ field: 'vendor.contactEmail', message: "Enter the vendor's contact email." }],
    });
  });

  it('on the page: the sentence beside the field, in the notice too', async () => {
    const answer = await fetch(h.url('/cases/new'), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: ada.csrfToken,
        'contract.id': 'CT-WORDS-1',
        'contract.terminationDate': '2026-11-30',
        'contract.agreement': 'ndpa',
        'vendor.name': 'Acme Learning Inc.',
        'service.name': 'Acme Reader',
        'disposition.option': 'return_then_destroy',
        'disposition.extent': 'complete',
        'cat.permanent': 'on',
      }).toString(),
    });
    expect(answer.status).toBe(400);
    const page = await answer.text();
    expect(page).toContain('The case was not started: Enter the vendor&#39;s contact email.');
    expect(page).toContain('<p class="error" id="vendor.contactEmail-error">Enter the vendor&#39;s contact email.</p>');
    expect(page).not.toMatch(VALIDATOR_WORDS);
  });

  it('on the CLI: one line, the same sentence', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-words-'));
    const file = path.join(dir, 'case.json');
    const input = caseInput();
    const { contactEmail: _, ...vendor } = input.vendor;
    fs.writeFileSync(file, JSON.stringify({ ...input, vendor }));
    try {
      const cli = await h.cases.cli(['case', 'start', '--file', file]);
      expect(cli.status, cli.out).toBe(3);
      expect(cli.stderr.trim()).toBe("error: Enter the vendor's contact email.");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("finds every date problem of a certification before the signatory's code is mailed", async () => {
    const input = caseInput({
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const token = (await h.cases.vendorMail(caseId, 'certify')).link.split('/v/')[1]!;
    const later = dayOf(Date.now() + 30 * 86_400_000);
    const base = certification(input);
    const body = {
      ...base,
      destruction: {
        ...base.destruction,
        completedOn: later,
        // Every place marked; production held the data, sanitized on a day that has not come.
        systems: Object.keys(SANITIZATION_PLACES).map((place) =>
          place === 'production'
            ? {
                place,
                heldData: true,
                method: 'purge',
                technique: 'Tenant keys destroyed',
                tool: 'KMS',
                verification: 'Restore failed',
                completedOn: later,
              }
            : { place, heldData: false },
        ),
      },
      tracking: { ...base.tracking, mechanisms: base.tracking.mechanisms.map((m) => ({ ...m, removedOn: later })) },
    };
    const mailsBefore = h.cases.smtp.mails.length;
    const answer = await h.as(undefined, 'POST', `/api/vendor/${token}/certify`, body);
    expect(answer.status).toBe(400);
    expect(answer.json.error.details.map((d: { field: string }) => d.field)).toEqual([
      'destruction.completedOn',
      'destruction.systems.0.completedOn',
      'tracking.mechanisms.0.removedOn',
      'tracking.mechanisms.1.removedOn',
    ]);
    expect(answer.json.error.message).toContain(
      `The date destruction was completed must not be in the future (it says ${later}).`,
    );
    expect(answer.json.error.message).not.toMatch(/destruction\.completedOn|VerificationCode|verificationCode/);
    // Nothing was mailed: no code to a signatory who would have typed it in vain.
    expect(h.cases.smtp.mails.slice(mailsBefore).map((m) => m.headers.get('x-disposition-mail'))).toEqual([]);

    // Fixed, the code is asked for in the page's words: no field name in what the vendor reads.
    const fixed = await h.as(undefined, 'POST', `/api/vendor/${token}/certify`, base);
    expect(fixed.status).toBe(202);
    expect(fixed.json.message).toContain('Enter it below to certify');
    expect(fixed.json.message).not.toContain('verificationCode');
    expect(fixed.json.next).toContain('"verificationCode"');
  });

  it('names the real reason when a link is used for another task: the link is for another step', async () => {
    const input = caseInput({
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const certify = (await h.cases.vendorMail(caseId, 'certify')).link.split('/v/')[1]!;
    const rollOffDate = dayOf(Date.now() + 20 * 86_400_000);
    const certified = await h.certifyByLink(
      certify,
      certification(input, { backups: { destroyed: false, rollOffDate } }),
    );
    expect(certified.status).toBe(200);
    await h.cases.waitForStatus(caseId, 'awaiting_backup_rolloff');
    // The backups' confirmation sent through the certification's link.
    const wrong = await h.as(undefined, 'POST', `/api/vendor/${certify}/backup-rolloff`, {
      confirmedOn: dayOf(Date.now()),
      attestation: true,
    });
    expect(wrong.status).toBe(409);
    expect(wrong.json.error.message).toMatch(/^this link is for "[^"]+"; "[^"]+" takes the link sent for it/);
    expect(wrong.json.error.message).not.toContain('only after the district accepted');
  });
});
