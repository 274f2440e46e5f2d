// The rules a case is held to: what a case may ask for, what a certification must say (7400.1 III.C, IV.A),
// and how returned files are counted against the request.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { caseInputSchema, type CaseInput } from '../domain/case-input';
import type { CaseState, ReturnPackageSummary, StagedFileRef } from '../domain/case-state';
import { certificationSchema, type Certification } from '../domain/certification';
import { certificationFloor, certificationProblems, countByCategory } from '../domain/lifecycle';
import { describeZodErrorByPath as describeZodError } from '../domain/messages';

const EXAMPLE = path.join(__dirname, '..', 'examples', 'case.json');
const example = (): CaseInput => JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as CaseInput;

/** The message the API and the CLI would show, or undefined when the value is accepted. */
function refusal(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : describeZodError(parsed.error);
}

const NOW = Date.UTC(2027, 0, 20, 15, 0, 0);
const ACCEPTED_AT = Date.UTC(2027, 0, 10, 9, 30, 0);

function stateOf(input: CaseInput, overrides: Partial<CaseState> = {}): CaseState {
  return {
    caseId: 'case-1',
    input,
    status: 'awaiting_certification',
    createdAt: Date.UTC(2026, 11, 1),
    updatedAt: ACCEPTED_AT,
    version: 1,
    createdBy: 'user:registrar',
    tasks: [],
    returnRounds: [],
    legalHold: [],
    timeline: [],
    settledUpdates: {},
    ...overrides,
  };
}

function round(n: number, decision?: ReturnPackageSummary['decision']): ReturnPackageSummary {
  return {
    round: n,
    submittedAt: ACCEPTED_AT - 86_400_000,
    files: 1,
    bytes: 10,
    categories: [],
    shortfalls: [],
    ...(decision ? { decision } : {}),
  };
}

function certificationFor(input: CaseInput, day: string): Certification {
  return {
    destruction: {
      signatoryName: 'Morgan Reyes',
      signatoryTitle: 'Chief Privacy Officer',
      signatoryEmail: 'morgan.reyes@acme-learning.example',
      completedOn: day,
      method: 'purge',
      technique: 'Cryptographic erase of the tenant keys',
      verification: 'Restore attempt from the erased volumes failed',
      backups: { destroyed: true },
      subprocessors: [{ name: 'Cloud Hosting Co.', contactEmail: 'privacy@cloud-hosting.example' }],
      accountsClosed: true,
      attestation: true,
    },
    tracking: {
      mechanisms: (input.trackingMechanisms ?? []).map((m) => ({ ...m, removedOn: day })),
      collectedDataDestroyed: true,
      attestation: true,
    },
  };
}

describe('caseInputSchema', () => {
  it('accepts examples/case.json as it is', () => {
    const parsed = caseInputSchema.safeParse(example());
    expect(parsed.success, parsed.success ? '' : describeZodError(parsed.error)).toBe(true);
    expect(parsed.data?.disposition.categories.map((c) => c.key)).toEqual([
      'permanent',
      'electronic',
      'access_log',
      'policies',
    ]);
  });

  it('refuses a vendor email that is not one, naming the field', () => {
    const input = example();
    input.vendor.contactEmail = 'privacy at acme';
    expect(refusal(caseInputSchema, input)).toBe('vendor.contactEmail: must be an email address');
  });

  it('refuses a termination date that is not a calendar date, or not written YYYY-MM-DD', () => {
    const input = example();
    input.contract.terminationDate = '2026-02-30';
    expect(refusal(caseInputSchema, input)).toBe('contract.terminationDate: is not a calendar date');
    input.contract.terminationDate = '30/11/2026';
    expect(refusal(caseInputSchema, input)).toMatch(/^contract\.terminationDate: must be a date written YYYY-MM-DD/);
  });

  it('refuses a disposition with no category', () => {
    const input = example();
    input.disposition.categories = [];
    expect(refusal(caseInputSchema, input)).toBe('disposition.categories: name at least one category');
  });

  it('refuses a category listed twice, pointing at the second', () => {
    const input = example();
    input.disposition.categories.push({ key: 'electronic', expectedRecords: 5 });
    expect(refusal(caseInputSchema, input)).toBe('disposition.categories.4.key: category "electronic" is listed twice');
  });

  it('refuses a badly written category key', () => {
    const input = example();
    input.disposition.categories[1] = { key: 'Electronic Records' };
    expect(refusal(caseInputSchema, input)).toMatch(/^disposition\.categories\.1\.key: must be lower-case letters/);
  });

  it('refuses a tracking mechanism named twice, ignoring case, pointing at the second', () => {
    const input = example();
    input.trackingMechanisms = [...input.trackingMechanisms!, { name: 'ACME READER IPAD SDK', kind: 'sdk' }];
    expect(refusal(caseInputSchema, input)).toBe(
      'trackingMechanisms.2.name: tracking mechanism "ACME READER IPAD SDK" is listed twice',
    );
  });

  it('refuses a deadline that is not a duration', () => {
    const input = example();
    input.deadlines = { ...input.deadlines, return: 'sixty days' };
    expect(refusal(caseInputSchema, input)).toMatch(/^deadlines\.return: must be a duration/);
  });
});

describe('certificationSchema', () => {
  const input = example();
  const good = (): Certification => certificationFor(input, '2027-01-15');

  it('accepts a complete certification', () => {
    expect(refusal(certificationSchema, good())).toBeUndefined();
  });

  it("refuses a destruction without the vendor's attestation", () => {
    const cert = good() as unknown as { destruction: Record<string, unknown> };
    cert.destruction.attestation = false;
    expect(refusal(certificationSchema, cert)).toBe(
      'destruction.attestation: the vendor must attest that all known copies are destroyed (7400.1 III.C)',
    );
  });

  it('refuses a certification while district accounts stay open', () => {
    const cert = good() as unknown as { destruction: Record<string, unknown> };
    cert.destruction.accountsClosed = false;
    expect(refusal(certificationSchema, cert)).toBe(
      "destruction.accountsClosed: district users' accounts must be closed (7400.1 I.B)",
    );
  });

  it('refuses tracking without its attestations', () => {
    const cert = good() as unknown as { tracking: Record<string, unknown> };
    cert.tracking.collectedDataDestroyed = false;
    expect(refusal(certificationSchema, cert)).toBe(
      'tracking.collectedDataDestroyed: data collected by tracking mechanisms must be destroyed (7400.1 IV.C)',
    );
  });

  it('asks for the roll-off date when backups are not destroyed yet, and only then', () => {
    const pending = good();
    pending.destruction.backups = { destroyed: false };
    expect(refusal(certificationSchema, pending)).toBe(
      'destruction.backups.rollOffDate: name the date backups roll off when they are not destroyed yet',
    );
    pending.destruction.backups = { destroyed: false, rollOffDate: '2027-03-01' };
    expect(refusal(certificationSchema, pending)).toBeUndefined();
    const done = good();
    done.destruction.backups = { destroyed: true, rollOffDate: '2027-03-01' };
    expect(refusal(certificationSchema, done)).toBe(
      'destruction.backups.rollOffDate: a roll-off date only applies when backups are not destroyed yet',
    );
  });

  it('refuses a roll-off date before destruction was completed; the same day is fine', () => {
    const cert = good();
    cert.destruction.backups = { destroyed: false, rollOffDate: '2027-01-14' };
    expect(refusal(certificationSchema, cert)).toBe(
      'destruction.backups.rollOffDate: backups cannot roll off before destruction was completed',
    );
    cert.destruction.backups = { destroyed: false, rollOffDate: '2027-01-15' };
    expect(refusal(certificationSchema, cert)).toBeUndefined();
  });

  it('refuses a completion date that is not a calendar date', () => {
    const cert = good();
    cert.destruction.completedOn = '2027-02-29';
    expect(refusal(certificationSchema, cert)).toBe('destruction.completedOn: is not a calendar date');
  });
});

describe('certificationProblems', () => {
  const input = example();
  const accepted = stateOf(input, {
    returnRounds: [
      round(1, {
        decision: 'reject',
        reason: 'missing access log',
        by: 'user:registrar',
        at: ACCEPTED_AT - 5 * 86_400_000,
      }),
      round(2, { decision: 'accept', by: 'user:registrar', at: ACCEPTED_AT }),
    ],
  });

  it('has nothing against a certification that confirms every mechanism, dated between acceptance and today', () => {
    expect(certificationFloor(accepted)).toEqual({
      day: '2027-01-10',
      what: "the district's acceptance of the returned data",
    });
    expect(certificationProblems(accepted, certificationFor(input, '2027-01-10'), NOW)).toEqual([]);
    expect(certificationProblems(accepted, certificationFor(input, '2027-01-20'), NOW)).toEqual([]);
  });

  it('flags a mechanism the case names that the certification does not confirm', () => {
    const cert = certificationFor(input, '2027-01-15');
    cert.tracking.mechanisms = cert.tracking.mechanisms.filter((m) => m.kind !== 'sdk');
    expect(certificationProblems(accepted, cert, NOW)).toEqual([
      'tracking.mechanisms: confirm that "Acme Reader iPad SDK" (sdk) is removed, with the date it was removed (7400.1 IV.A)',
    ]);
  });

  it('matches confirmed mechanisms by name, ignoring case and spaces around', () => {
    const cert = certificationFor(input, '2027-01-15');
    cert.tracking.mechanisms = cert.tracking.mechanisms.map((m) => ({ ...m, name: `  ${m.name.toUpperCase()} ` }));
    expect(certificationProblems(accepted, cert, NOW)).toEqual([]);
  });

  it('refuses noneInUse when the case names mechanisms', () => {
    const cert = certificationFor(input, '2027-01-15');
    cert.tracking.noneInUse = true;
    expect(certificationProblems(accepted, cert, NOW)).toEqual([
      'tracking.noneInUse: the case names 2 tracking mechanism(s); confirm each instead',
    ]);
  });

  it('asks for noneInUse or a list when the case names no mechanism', () => {
    const bare = { ...input, trackingMechanisms: [] };
    const state = stateOf(bare, { returnRounds: accepted.returnRounds });
    const cert = certificationFor(bare, '2027-01-15');
    expect(certificationProblems(state, cert, NOW)).toEqual([
      'tracking: list the mechanisms removed, or state that none was in use',
    ]);
    cert.tracking.noneInUse = true;
    expect(certificationProblems(state, cert, NOW)).toEqual([]);
  });

  it('flags destruction completed before the district accepted the return', () => {
    expect(certificationProblems(accepted, certificationFor(input, '2027-01-09'), NOW)).toEqual([
      "destruction.completedOn: must not be before the district's acceptance of the returned data on 2027-01-10 (it says 2027-01-09; 7400.1 III.C)",
    ]);
  });

  it('measures a destroy_only case from the acknowledgement', () => {
    const destroyOnly = { ...input, disposition: { ...input.disposition, option: 'destroy_only' as const } };
    const state = stateOf(destroyOnly, {
      acknowledgement: {
        contactName: 'Dana Whitfield',
        contactEmail: 'dana@acme-learning.example',
        at: Date.UTC(2027, 0, 5, 23, 0, 0),
      },
    });
    expect(certificationProblems(state, certificationFor(destroyOnly, '2027-01-04'), NOW)).toEqual([
      'destruction.completedOn: must not be before the acknowledgement of the notice on 2027-01-05 (it says 2027-01-04; 7400.1 III.C)',
    ]);
    expect(certificationProblems(state, certificationFor(destroyOnly, '2027-01-05'), NOW)).toEqual([]);
  });

  it("flags dates in the future, allowing one day for the vendor's time zone", () => {
    // NOW is 2027-01-20 15:00Z: the 21st may already have begun somewhere, the 22nd has not.
    expect(certificationProblems(accepted, certificationFor(input, '2027-01-21'), NOW)).toEqual([]);
    expect(certificationProblems(accepted, certificationFor(input, '2027-01-22'), NOW)).toEqual([
      'destruction.completedOn: must not be in the future (it says 2027-01-22)',
      'tracking.mechanisms.0.removedOn: must not be in the future (it says 2027-01-22)',
      'tracking.mechanisms.1.removedOn: must not be in the future (it says 2027-01-22)',
    ]);
  });
});

describe('countByCategory', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-domain-rules-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (fileId: string, category: string, bytes: number, records?: number): StagedFileRef => ({
    fileId,
    category,
    name: `${fileId}.csv`,
    bytes,
    sha256: '0'.repeat(64),
    ...(records !== undefined ? { records } : {}),
  });

  it('counts files, bytes and records per requested category and reports each shortfall', () => {
    // examples/case.json, read from a copy, as the CLI reads a case file
    const copy = path.join(dir, 'case.json');
    fs.copyFileSync(EXAMPLE, copy);
    const input = caseInputSchema.parse(JSON.parse(fs.readFileSync(copy, 'utf8')));
    const files = [
      file('p1', 'permanent', 100, 700),
      file('p2', 'permanent', 50, 499),
      file('e1', 'electronic', 2_000),
      file('a1', 'access_log', 30, 12),
      file('x1', 'not_requested', 5, 5),
    ];
    const { categories, shortfalls } = countByCategory(input, files);
    expect(categories).toEqual([
      {
        key: 'permanent',
        label: 'Permanent student records',
        files: 2,
        bytes: 150,
        expectedRecords: 1200,
        returnedRecords: 1199,
      },
      { key: 'electronic', label: 'Electronic student records', files: 1, bytes: 2_000, returnedRecords: 0 },
      { key: 'access_log', label: 'Access log', files: 1, bytes: 30, returnedRecords: 12 },
      {
        key: 'policies',
        label: 'Policies, licence agreements and encryption certificates',
        files: 0,
        bytes: 0,
        returnedRecords: 0,
      },
    ]);
    expect(shortfalls).toEqual([
      'Permanent student records: 1199 of 1200 expected records',
      'Policies, licence agreements and encryption certificates: no file returned',
    ]);
  });

  it('has no shortfall when every category has a file and the expected records are met', () => {
    const input = example();
    const { shortfalls } = countByCategory(input, [
      file('p1', 'permanent', 1, 1200),
      file('e1', 'electronic', 1),
      file('a1', 'access_log', 1),
      file('o1', 'policies', 1),
    ]);
    expect(shortfalls).toEqual([]);
  });

  it('uses the label the case gives, and reports an expected count of zero as met by an empty file', () => {
    const input = example();
    input.disposition.categories = [
      { key: 'lunch_accounts', label: 'Lunch accounts', expectedRecords: 0 },
      { key: 'permanent', expectedRecords: 3 },
    ];
    const { categories, shortfalls } = countByCategory(input, [file('l1', 'lunch_accounts', 0, 0)]);
    expect(categories.map((c) => c.label)).toEqual(['Lunch accounts', 'Permanent student records']);
    expect(shortfalls).toEqual(['Permanent student records: no file returned']);
  });
});
