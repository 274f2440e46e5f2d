// Agreement presets (issue 13, item 5): the agreement a contract was signed under fills the deadlines the case
// leaves out and the clause the notice quotes; a district adds its own in AGREEMENTS_FILE, checked at start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_COLUMNS } from '../domain/bulk-csv';
import { ConfigError, loadConfig } from '../infra/config';
import { caseInput } from './support/fixtures';
import { HttpHarness, type SignedIn } from './support/http-harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-agreements-'));
const file = (name: string, content: unknown): string => {
  const at = path.join(dir, name);
  fs.writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
  return at;
};
const DISTRICT_FILE = file('agreements.json', {
  agreements: [
    {
      key: 'riverside-2025',
      name: 'Riverside data agreement (2025)',
      deadlines: { return: '21 days', certify: '45 days' },
      clause:
        'Section 9.2: the provider returns all district data within 21 days and destroys every copy within 45 days.',
    },
  ],
});

describe('agreement presets', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  beforeAll(async () => {
    h = await HttpHarness.start({ env: { AGREEMENTS_FILE: DISTRICT_FILE } });
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad AGREEMENTS_FILE at start, saying what and where', () => {
    const load = (content: unknown) => () =>
      loadConfig({ AGREEMENTS_FILE: file(`bad-${Math.random()}.json`, content) });
    expect(load('{ not json')).toThrow(ConfigError);
    expect(load('{ not json')).toThrow(/AGREEMENTS_FILE=".*" cannot be read as JSON/);
    expect(load({ agreements: [{ key: 'Bad Key', name: 'x' }] })).toThrow(/agreements\.0\.key: must be a preset key/);
    expect(load({ agreements: [{ key: 'a', name: 'A', deadlines: { return: 'soon' } }] })).toThrow(
      /agreements\.0\.deadlines\.return/,
    );
    expect(load({ agreements: [{ key: 'a', name: 'A', deadlines: { retrun: '5 days' } }] })).toThrow(/retrun/);
    expect(
      load({
        agreements: [
          { key: 'a', name: 'A' },
          { key: 'a', name: 'B' },
        ],
      }),
    ).toThrow('agreement "a" is named twice');
    expect(() => loadConfig({ AGREEMENTS_FILE: path.join(dir, 'missing.json') })).toThrow(/cannot be read/);
    expect(Object.keys(loadConfig({ AGREEMENTS_FILE: DISTRICT_FILE }).agreements)).toEqual(
      expect.arrayContaining(['ndpa', 'csdpa', 'custom', 'riverside-2025']),
    );
  });

  it('fills the deadlines a case leaves out and quotes the clause in the notice and on the case', async () => {
    const csdpa = caseInput({ contract: { id: 'CT-CSDPA-1', agreement: 'csdpa' } });
    delete (csdpa as { deadlines?: unknown }).deadlines;
    const started = await h.as(ada, 'POST', '/api/cases', csdpa);
    expect(started.status).toBe(201);
    const record = (await h.cases.records.getCase(started.json.caseId))!;
    expect(record.state.input.deadlines).toEqual({ return: '10 days' });
    expect(record.state.input.contract.clause).toContain('within ten (10) days');
    const notice = (await h.cases.vendorMail(started.json.caseId, 'acknowledge')).mail;
    expect(notice.text).toContain(
      'The agreement (CSDPA) provides: CSDPA: student data the district asks to have returned is returned within ten (10) days',
    );

    // The case's own deadline wins over the preset's; the district's preset is known.
    const own = await h.as(
      ada,
      'POST',
      '/api/cases',
      caseInput({ contract: { id: 'CT-RIV-1', agreement: 'riverside-2025' }, deadlines: { certify: '50 days' } }),
    );
    expect(own.status).toBe(201);
    const ownRecord = (await h.cases.records.getCase(own.json.caseId))!;
    expect(ownRecord.state.input.deadlines).toMatchObject({ return: '21 days', certify: '50 days' });
    expect(ownRecord.state.input.contract.clause).toBe(
      'Section 9.2: the provider returns all district data within 21 days and destroys every copy within 45 days.',
    );
  });

  it('refuses an unknown preset by name, by API, form and bulk file, and starts nothing', async () => {
    const before = (await h.cases.records.listCases()).length;
    const refused = await h.as(
      ada,
      'POST',
      '/api/cases',
      caseInput({ contract: { id: 'CT-X', agreement: 'ferpa-plus' } }),
    );
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe(
      'The agreement: "ferpa-plus" is not a known agreement; the presets are ndpa, csdpa, custom, other, riverside-2025.',
    );
    const row = [
      'CT-B1',
      '',
      '2026-06-30',
      'ferpa-plus',
      'V',
      'v@v.example',
      '',
      'S',
      '',
      'destroy_only',
      'electronic',
      '',
    ].join(',');
    const good = [
      'CT-B2',
      '',
      '2026-06-30',
      'riverside-2025',
      'V',
      'v@v.example',
      '',
      'S',
      '',
      'destroy_only',
      'electronic',
      '',
    ].join(',');
    const dry = await fetch(h.url('/api/cases/bulk?dryRun=true'), {
      method: 'POST',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken, 'content-type': 'text/csv' },
      body: `${BULK_COLUMNS.join(',')}\n${row}\n${good}\n`,
    });
    const check = (await dry.json()) as { problems: { line: number; field: string; message: string }[]; ready: number };
    expect(check.ready).toBe(1);
    expect(check.problems).toEqual([
      {
        line: 2,
        field: 'agreement',
        contractId: 'CT-B1',
        message: expect.stringContaining('"ferpa-plus" is not a known agreement'),
      },
    ]);
    expect((await h.cases.records.listCases()).length).toBe(before);
    const form = await fetch(h.url('/cases/new'), { headers: { cookie: ada.cookie } });
    expect(await form.text()).toContain('<option value="riverside-2025" >Riverside data agreement (2025)</option>');
  });
});
