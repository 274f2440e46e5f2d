// Bulk start (issue 13, item 1): a district's end-of-year file of contracts, checked row by row, started once
// per contract however often it is uploaded, on a real server, Temporal and worker.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_COLUMNS, readBulkFile } from '../domain/bulk-csv';
import { bulkCheckSchema, bulkViewSchema } from '../server/api-answers';
import { HttpHarness, type SignedIn } from './support/http-harness';

const BAD_LINES = { 11: 'vendor_contact_email', 26: 'option', 40: 'vendor_name' } as const;

/** 50 contracts; lines 11, 26 and 40 (the file's lines, the header being 1) are wrong in one column each. */
function yearEndFile(prefix: string): string {
  const rows = Array.from({ length: 50 }, (_, i) => {
    const line = i + 2;
    const n = String(i + 1).padStart(2, '0');
    const cells: Record<(typeof BULK_COLUMNS)[number], string> = {
      contract_id: `${prefix}-${n}`,
      contract_title: `Tool ${n}, "classic" edition`,
      termination_date: '2026-06-30',
      agreement: i % 2 ? 'ndpa' : '',
      vendor_name: i % 5 === 0 ? `Éditions Ñandú ${n}` : `Vendor ${n}`,
      vendor_contact_email: `privacy@vendor${n}.example`,
      vendor_contact_name: '',
      service_name: `Service ${n}`,
      service_url: '',
      option: i % 3 ? 'return_then_destroy' : 'destroy_only',
      categories: i % 4 ? 'permanent;electronic=100' : 'electronic',
      tracking_mechanisms: i % 6 ? '' : 'Analytics cookie:cookie;App SDK:sdk',
    };
    if (line === 11) cells.vendor_contact_email = 'not-an-address';
    if (line === 26) cells.option = 'shred_it';
    if (line === 40) cells.vendor_name = '';
    return BULK_COLUMNS.map((c) => (/[",\n]/.test(cells[c]) ? `"${cells[c].replace(/"/g, '""')}"` : cells[c])).join(
      ',',
    );
  });
  return `${BULK_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}

describe('a bulk start file', () => {
  let h: HttpHarness;
  let ada: SignedIn;
  const csv = (who: SignedIn, pathname: string, body: string) =>
    fetch(h.url(pathname), {
      method: 'POST',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken, 'content-type': 'text/csv' },
      body,
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any, headers: r.headers }));
  const finished = async (bulkId: string): Promise<any> => {
    for (let i = 0; i < 600; i += 1) {
      const view = (await h.as(ada, 'GET', `/api/bulk/${bulkId}`)).json;
      if (view.status === 'finished') return view;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`bulk ${bulkId} did not finish`);
  };

  beforeAll(async () => {
    h = await HttpHarness.start();
    ada = await h.login('ada');
  }, 120_000);
  afterAll(async () => h?.close());

  it('reads quoted cells, keys with expected records and tracking mechanisms, and the example file whole', () => {
    const example = readBulkFile(fs.readFileSync(path.join(__dirname, '../examples/bulk.csv'), 'utf8'));
    expect(example.problems).toEqual([]);
    expect(example.rows).toHaveLength(5);
    expect(example.rows[0]!.input.disposition.categories[0]).toEqual({ key: 'permanent', expectedRecords: 1200 });
    expect(example.rows[0]!.input.trackingMechanisms).toEqual([
      { name: 'acme_session analytics cookie', kind: 'cookie' },
      { name: 'Acme Reader iPad SDK', kind: 'sdk' },
    ]);
    expect(example.rows[1]!.input.vendor.name).toBe('Numbers & Co, LLC');
    expect(example.rows[3]!.input.vendor.name).toBe('学習ソフト株式会社');
  });

  it('of 50 rows with 3 bad: the dry run lists exactly those and starts nothing; the run starts 47; the same file again starts none', async () => {
    const file = yearEndFile('YE26');
    const dry = await csv(ada, '/api/cases/bulk?dryRun=true', file);
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dryRun: true, total: 50, ready: 47, refused: 3, alreadyStarted: [] });
    expect(dry.json.problems.map((p: any) => [p.line, p.field])).toEqual(
      Object.entries(BAD_LINES).map(([line, field]) => [Number(line), field]),
    );
    expect(dry.json.problems[0].message).toMatch(/email/i);
    // Both answers are as the API document says (its response schemas allow no other property).
    expect(Object.keys(dry.json).sort()).toEqual(Object.keys(bulkCheckSchema.shape).sort());
    expect(bulkCheckSchema.safeParse(dry.json).success).toBe(true);
    const doc = (await h.as(ada, 'GET', '/api/openapi.json')).json;
    expect(
      Object.keys(
        doc.paths['/api/cases/bulk'].post.responses['200'].content['application/json'].schema.properties,
      ).sort(),
    ).toEqual(Object.keys(bulkCheckSchema.shape).sort());
    expect((await h.cases.records.listCases()).filter((c) => c.contractId.startsWith('YE26-'))).toHaveLength(0);

    const begun = await csv(ada, '/api/cases/bulk', file);
    expect(begun.status).toBe(202);
    expect(begun.headers.get('location')).toBe(`/api/bulk/${begun.json.bulkId}`);
    const run = await finished(begun.json.bulkId);
    expect(bulkViewSchema.safeParse(run).success).toBe(true);
    expect(Object.keys(run).filter((k) => !(k in bulkViewSchema.shape))).toEqual([]);
    expect(run).toMatchObject({ total: 50, started: 47, alreadyStarted: 0, refused: 3, pending: 0 });
    const refusedRow = run.rows.find((r: any) => r.line === 26);
    expect(refusedRow).toMatchObject({ contractId: 'YE26-25', outcome: 'refused', problems: [{ field: 'option' }] });
    const startedRows = run.rows.filter((r: any) => r.outcome === 'started');
    // Each started case writes its record as its workflow begins: all 47 appear within moments.
    let cases = (await h.cases.records.listCases()).filter((c) => c.contractId.startsWith('YE26-'));
    for (let i = 0; i < 300 && cases.length < 47; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      cases = (await h.cases.records.listCases()).filter((c) => c.contractId.startsWith('YE26-'));
    }
    expect(cases).toHaveLength(47);
    expect(new Set(cases.map((c) => c.caseId))).toEqual(new Set(startedRows.map((r: any) => r.caseId)));
    expect((await h.cases.records.getCase(startedRows[0].caseId))!.state.createdBy).toBe('user:ada');

    const again = await csv(ada, '/api/cases/bulk', file);
    const second = await finished(again.json.bulkId);
    expect(second).toMatchObject({ started: 0, alreadyStarted: 47, refused: 3 });
    expect(second.rows.find((r: any) => r.line === 2).caseId).toBe(startedRows.find((r: any) => r.line === 2).caseId);
    expect((await h.cases.records.listCases()).filter((c) => c.contractId.startsWith('YE26-'))).toHaveLength(47);
    // A dry run now says which case holds each contract.
    expect((await csv(ada, '/api/cases/bulk?dryRun=true', file)).json).toMatchObject({ ready: 0, refused: 3 });
  }, 240_000);

  it('refuses a file with a missing or an unknown column by name, and keeps nothing of it', async () => {
    const runs = async (): Promise<number> =>
      Number((await h.cases.stores.database.get<{ n: number }>('SELECT COUNT(*) AS n FROM bulk_runs'))!.n);
    const before = await runs();
    const header = BULK_COLUMNS.filter((c) => c !== 'vendor_contact_email').join(',');
    const missing = await csv(ada, '/api/cases/bulk', `${header}\nX-1,,2026-06-30,,V,,S,,destroy_only,electronic,\n`);
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toContain('missing column vendor_contact_email');
    const extra = await csv(ada, '/api/cases/bulk', `${BULK_COLUMNS.join(',')},notes\n`);
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain('unknown column "notes"');
    expect(await runs()).toBe(before);
    const legal = await h.login('lee');
    expect((await csv(legal, '/api/cases/bulk?dryRun=true', yearEndFile('LEE'))).status).toBe(403);
    const notUtf8 = await fetch(h.url('/api/cases/bulk'), {
      method: 'POST',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken, 'content-type': 'text/csv' },
      body: Buffer.from([0x63, 0x6f, 0xe9, 0x0a]),
    });
    expect(notUtf8.status).toBe(400);
  });

  it('is started from the console without JavaScript: a form to check the file, then a page that follows the rows', async () => {
    const form = (dryRun: string, csrfToken = ada.csrfToken): FormData => {
      const data = new FormData();
      data.append('_csrf', csrfToken);
      data.append(
        'file',
        new Blob([yearEndFile('WEB26').split('\r\n').slice(0, 12).join('\r\n')], { type: 'text/csv' }),
        'spring.csv',
      );
      data.append('dryRun', dryRun);
      return data;
    };
    const post = (data: FormData) =>
      fetch(h.url('/cases/bulk'), { method: 'POST', headers: { cookie: ada.cookie }, body: data, redirect: 'manual' });
    const upload = await fetch(h.url('/cases/bulk'), { headers: { cookie: ada.cookie } });
    expect(await upload.text()).toContain('enctype="multipart/form-data"');
    const example = await fetch(h.url('/cases/bulk/example.csv'), { headers: { cookie: ada.cookie } });
    expect(readBulkFile(await example.text()).rows).toHaveLength(5);
    const checked = await post(form('true'));
    expect(checked.status).toBe(200);
    const checkPage = await checked.text();
    expect(checkPage).toContain('11 row(s): 10 would start a case, 0 already started, 1 refused.');
    expect(checkPage).toMatch(
      /<td data-label="Line">11<\/td><td data-label="Contract"><bdi>WEB26-10<\/bdi><\/td><td data-label="Column">vendor_contact_email<\/td>/,
    );
    expect((await h.cases.records.listCases()).filter((c) => c.contractId.startsWith('WEB26-'))).toHaveLength(0);
    expect((await post(form('false', 'forged'))).status).toBe(403);
    const started = await post(form('false'));
    expect(started.status).toBe(303);
    const runPath = started.headers.get('location')!;
    expect(runPath).toMatch(/^\/bulk\/bulk[A-Za-z0-9]{12}$/);
    let runPage = '';
    for (let i = 0; i < 300; i += 1) {
      runPage = await (await fetch(h.url(runPath), { headers: { cookie: ada.cookie } })).text();
      if (!runPage.includes('http-equiv="refresh"')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(runPage).toContain('10 of 10 row(s) done: 10 started, 0 already started; 1 refused.');
    expect(runPage.match(/data-outcome="started"/g)).toHaveLength(10);
    expect(runPage).toContain('vendor_contact_email: ');
  }, 120_000);

  it('is started from the CLI too: the dry run exits 3 naming each refused row, the run reports every row', async () => {
    const dir = fs.mkdtempSync(path.join(h.cases.dataDir, 'bulk-'));
    const file = path.join(dir, 'year-end.csv');
    fs.writeFileSync(file, yearEndFile('CLI26').split('\r\n').slice(0, 13).join('\r\n'));
    const cli = (args: string[]) => h.cases.cli(args);
    const dry = await cli(['case', 'start', '--csv', file, '--dry-run']);
    expect(dry.status).toBe(3);
    expect(dry.stdout).toContain(
      '12 row(s): 11 would start a case, 0 already started, 1 refused. Nothing was started.',
    );
    expect(dry.stdout).toContain('line 11 (CLI26-10), vendor_contact_email:');
    const run = await cli(['case', 'start', '--csv', file]);
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('finished: 11 started, 0 already started, 1 refused.');
    expect(run.stderr).toMatch(/11\/11 started or already started/);
    fs.writeFileSync(file, yearEndFile('CLI26').split('\r\n').slice(0, 3).join('\r\n'));
    const again = await cli(['case', 'start', '--csv', file]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('finished: 0 started, 2 already started, 0 refused.');
    // Each run is in the access log, with its outcome.
    const logged = await h.cases.stores.database.all<{ outcome: string }>(
      "SELECT outcome FROM access_log WHERE action = 'cli case start --csv' ORDER BY seq",
    );
    expect(logged.map((r) => r.outcome)).toEqual(['exit 3', 'exit 3', 'ok']);
  }, 180_000);
});
