// Policy 7400.1 Section I, applied to Disposition itself: the access log (I.D), intrusion detection and
// analysis (I.C), encryption of what Temporal stores (I.F), and one cookie only (IV.B).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeLinkToken } from '../infra/keys/link-tokens';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput, certification } from './support/fixtures';
import { pdfText } from './support/artifacts';

let h: HttpHarness;
let ada: SignedIn;
const tokenOf = (link: string): string => link.split('/v/')[1]!;
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.resolve(__dirname, '../bin/disposition.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: h.cases.dataDir, TEMPORAL_ADDRESS: inject('temporalAddress'), ...env },
  });

// Names that must never reach Temporal's database in clear.
const CONTACT_NAME = 'Zebulon Quartermaine';
const CONTACT_EMAIL = 'zebulon.quartermaine@vendor-privacy.example';
const SIGNATORY = 'Ottoline Vandersloot';
const STUDENT_FILE = 'Philippa Ashcombe-Featherstonehaugh report card.csv';

beforeAll(async () => {
  h = await HttpHarness.start({ env: { TRUST_PROXY: '1', INTRUSION_BURST: '5', INTRUSION_WINDOW: '1 minute' } });
  ada = await h.login('ada');
});
afterAll(async () => h?.close());

describe('a whole case, watched', () => {
  let caseId: string;

  it("runs with people's names that Temporal never sees in clear", async () => {
    const input = caseInput({
      vendor: { name: 'Acme Learning Inc.', contactEmail: CONTACT_EMAIL, contactName: CONTACT_NAME },
    });
    caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId;
    const ack = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link);
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: CONTACT_NAME,
      contactEmail: CONTACT_EMAIL,
    });
    const ret = tokenOf((await h.cases.vendorMail(caseId, 'return')).link);
    const form = new FormData();
    form.append('category', 'permanent');
    form.append('file', new Blob(['id,name\n1,Philippa\n']), STUDENT_FILE);
    expect((await fetch(h.url(`/api/vendor/${ret}/files`), { method: 'POST', body: form })).status).toBe(201);
    await h.as(undefined, 'POST', `/api/vendor/${ret}/submit-return`, {});
    await h.cases.waitForStatus(caseId, 'awaiting_review');
    await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept', reason: 'Accepted as returned' });
    const cert = certification(input);
    cert.destruction.signatoryName = SIGNATORY;
    const certify = tokenOf((await h.cases.vendorMail(caseId, 'certify')).link);
    expect((await h.certifyByLink(certify, cert)).status).toBe(200);
    await h.cases.waitForStatus(caseId, 'completed');

    // I.F: payloads, memos and failures are encrypted by the codec; search attributes hold no person's data.
    const dbFile = inject('temporalDbFile');
    const stored = [dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of [CONTACT_NAME, CONTACT_EMAIL, SIGNATORY, 'Philippa Ashcombe-Featherstonehaugh']) {
      for (const bytes of stored) {
        expect(bytes.includes(Buffer.from(secret, 'utf8')), `"${secret}" in Temporal's database`).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), `"${secret}" (UTF-16) in Temporal's database`).toBe(
          false,
        );
      }
    }
    // ...while the vendor's organisation name is there, as a search attribute: the search does look.
    expect(stored.some((bytes) => bytes.includes(Buffer.from('Acme Learning Inc.')))).toBe(true);
  });

  it('records every request about the case in the access log, without the link tokens', async () => {
    await h.as(ada, 'GET', `/api/cases/${caseId}`);
    await fetch(h.url(`/api/cases/${caseId}/return-package`), {
      headers: { cookie: ada.cookie, 'x-forwarded-for': '198.51.100.23', 'user-agent': 'audit-test' },
    });
    // The log is written as each response finishes: wait until the last request's entry is in.
    await h.cases.waitFor('the download in the access log', async () =>
      (await h.accessLog.list({ caseId })).some((e) => e.action === 'GET /api/cases/:caseId/return-package'),
    );
    const entries = await h.accessLog.list({ caseId });
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'POST /api/cases/:caseId/review',
        'GET /api/cases/:caseId',
        'GET /api/cases/:caseId/return-package',
        'POST /api/vendor/:token/certify',
        'POST /api/vendor/:token/files',
      ]),
    );
    // A download is logged as it starts and as it ends, with the bytes it sent.
    const downloads = entries.filter((e) => e.action === 'GET /api/cases/:caseId/return-package');
    expect(downloads.map((e) => e.outcome)).toEqual([
      'started 200',
      expect.stringMatching(/^ok 200, complete: \d+ bytes$/),
    ]);
    expect(downloads[1]).toMatchObject({
      actor: 'user:ada',
      role: 'admin',
      ip: '198.51.100.23',
      userAgent: 'audit-test',
    });
    expect(entries.find((e) => e.action === 'POST /api/vendor/:token/certify')).toMatchObject({
      actor: 'vendor-link:certify',
      role: 'vendor',
    });
    const everything = JSON.stringify(await h.accessLog.list());
    expect(everything).not.toMatch(/v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/);

    // The CLI's reads are recorded too.
    expect(cli(['case', 'show', caseId]).status).toBe(0);
    expect((await h.accessLog.list({ caseId })).at(-1)).toMatchObject({
      action: 'cli case show',
      role: 'cli',
      actor: expect.stringMatching(/^cli:/),
    });
    // A statement fetched by its own id is logged against its case.
    const { statementId } = (await h.cases.records.getCase(caseId))!.state.statement!;
    expect(
      cli(['statement', 'get', statementId, '-o', path.join(os.tmpdir(), `statement-${statementId}.pdf`)]).status,
    ).toBe(0);
    expect((await h.accessLog.list({ caseId })).at(-1)).toMatchObject({
      action: 'cli statement get',
      role: 'cli',
      caseId,
    });
  });

  it("prints the head of the case's access log on its statement", async () => {
    const record = (await h.cases.records.getCase(caseId))!;
    const pdf = (await h.cases.storage.readStatement(record.state.statement!.statementId))!;
    const text = (await pdfText(pdf)).replace(/\s+/g, '');
    const hashes = new Set((await h.accessLog.list({ caseId })).map((e) => e.hash));
    const printed = [...text.matchAll(/[0-9a-f]{64}/g)].map((m) => m[0]).filter((hash) => hashes.has(hash));
    expect(printed).toHaveLength(1);
  });

  it('exports the log for a case as JSON and CSV, to administrators only', async () => {
    const json = await h.as(ada, 'GET', `/api/audit?caseId=${caseId}`);
    expect(json.status).toBe(200);
    expect(json.json.entries.every((e: { caseId: string }) => e.caseId === caseId)).toBe(true);
    expect(json.json.chain).toMatchObject({ ok: true });
    const csv = await fetch(h.url(`/api/audit?caseId=${caseId}&format=csv`), { headers: { cookie: ada.cookie } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,role,action,case_id,outcome,ip,user_agent,prev_hash,hash');
    expect(lines.length).toBe(json.json.entries.length + 1);
    expect((await h.as(await h.login('lee'), 'GET', '/api/audit')).status).toBe(403);
    const exported = cli(['audit', 'export', '--case', caseId, '--format', 'csv']);
    expect(exported.status).toBe(0);
    expect(exported.stdout.split('\r\n')[0]).toBe(lines[0]);
  });
});

describe('intrusions', () => {
  it('counts a scripted burst of bad tokens from two sources, and alerts the administrators once', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId;
    const good = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link);
    const forged = makeLinkToken(h.cases.keyring, { caseId, task: 'acknowledge', gen: 1, expiresAt: 1 }); // long expired
    const from = new Date(Date.now() - 1000).toISOString();
    const hit = (ip: string, token: string) =>
      fetch(h.url(`/api/vendor/${token}`), { headers: { 'x-forwarded-for': ip, 'user-agent': 'scanner/1.0' } });
    for (let i = 0; i < 7; i += 1) expect((await hit('203.0.113.7', `${good.slice(0, -2)}x${i}`)).status).toBe(403);
    for (let i = 0; i < 3; i += 1) expect((await hit('203.0.113.99', forged)).status).toBe(410);
    expect((await hit('203.0.113.50', good)).status).toBe(200);

    await h.cases.waitFor(
      'ten intrusion events',
      async () =>
        (await h.accessLog.intrusions({ from: Date.parse(from) })).filter((e) => e.ip.startsWith('203.0.113.'))
          .length >= 10,
    );
    const analysis = await h.as(ada, 'GET', `/api/intrusions/analysis?from=${encodeURIComponent(from)}`);
    expect(analysis.status).toBe(200);
    const bySource = Object.fromEntries(analysis.json.bySource.map((s: { ip: string }) => [s.ip, s]));
    expect(bySource['203.0.113.7']).toMatchObject({
      total: 7,
      kinds: { refused_link: 7 },
      userAgents: ['scanner/1.0'],
    });
    expect(bySource['203.0.113.99']).toMatchObject({ total: 3, kinds: { refused_link: 3 } });
    expect(bySource['203.0.113.50']).toBeUndefined();

    const alerts = await h.cases.smtp.waitFor(
      (m) => m.headers.get('x-disposition-mail') === 'intrusion_alert' && m.subject.includes('203.0.113.7'),
    );
    expect(alerts.to).toEqual(expect.arrayContaining(['records-admin@district.example', 'ada@district.example']));
    await new Promise((r) => setTimeout(r, 500));
    expect(
      h.cases.smtp.mails.filter(
        (m) => m.headers.get('x-disposition-mail') === 'intrusion_alert' && m.subject.includes('203.0.113.7'),
      ),
    ).toHaveLength(1);
    expect(
      h.cases.smtp.mails.filter(
        (m) => m.headers.get('x-disposition-mail') === 'intrusion_alert' && m.subject.includes('203.0.113.99'),
      ),
    ).toHaveLength(0);

    const csv = await (
      await fetch(h.url(`/api/intrusions/analysis?format=csv&from=${encodeURIComponent(from)}`), {
        headers: { cookie: ada.cookie },
      })
    ).text();
    expect(csv).toContain('203.0.113.7,refused_link,7,');
    const pdf = Buffer.from(
      await (
        await fetch(h.url(`/api/intrusions/analysis?format=pdf&from=${encodeURIComponent(from)}`), {
          headers: { cookie: ada.cookie },
        })
      ).arrayBuffer(),
    );
    expect((await pdfText(pdf)).replace(/\s+/g, ' ')).toContain('203.0.113.7');
    const report = cli(['intrusions', 'report', '--from', from, '--json']);
    expect(report.status).toBe(0);
    expect(JSON.parse(report.stdout).bySource.find((s: { ip: string }) => s.ip === '203.0.113.99').total).toBe(3);
  });

  it('records failed logins, CSRF failures and role refusals as intrusion events', async () => {
    const since = Date.now() - 1;
    const headers = { 'x-forwarded-for': '192.0.2.44' };
    await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'guess guess guess' }),
    });
    await fetch(h.url('/api/cases'), {
      method: 'POST',
      headers: { ...headers, cookie: ada.cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    const lee = await h.login('lee');
    await fetch(h.url('/api/cases'), {
      method: 'POST',
      headers: { ...headers, cookie: lee.cookie, 'x-csrf-token': lee.csrfToken, 'content-type': 'application/json' },
      body: '{}',
    });
    await h.cases.waitFor(
      'three intrusion events',
      async () => (await h.accessLog.intrusions({ from: since, ip: '192.0.2.44' })).length >= 3,
    );
    const kinds = (await h.accessLog.intrusions({ from: since, ip: '192.0.2.44' })).map((e) => e.kind);
    expect(kinds).toEqual(['failed_login', 'csrf_failure', 'role_refusal']);
  });
});

describe('the access log chain', () => {
  it('breaks where a row was edited, and `audit verify` names it', async () => {
    expect(cli(['audit', 'verify']).status).toBe(0);
    const entries = await h.accessLog.list();
    const victim = entries[Math.floor(entries.length / 2)]!;
    const db = new Database(path.join(h.cases.dataDir, 'disposition.db'));
    expect(() => db.prepare('UPDATE access_log SET actor = ? WHERE seq = ?').run('user:nobody', victim.seq)).toThrow(
      /append-only/,
    );
    // Someone with the file in hand drops the guard and edits the row anyway.
    db.exec('DROP TRIGGER access_log_no_update');
    db.prepare('UPDATE access_log SET actor = ? WHERE seq = ?').run('user:nobody', victim.seq);
    db.close();
    const verdict = cli(['audit', 'verify', '--json']);
    expect(verdict.status).toBe(3);
    expect(JSON.parse(verdict.stdout)).toMatchObject({
      ok: false,
      accessLog: { ok: false, brokenAt: victim.seq, reason: `entry ${victim.seq} was altered` },
      intrusions: { ok: true },
    });
  });
});

describe('cookies (7400.1 IV.B)', () => {
  it('the session cookie is the only cookie ever set', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId;
    const token = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link);
    const seen = new Set<string>();
    for (const [url, init] of [
      ['/login', {}],
      ['/verify', {}],
      [`/v/${token}`, {}],
      [`/api/vendor/${token}`, {}],
      ['/api/openapi.json', {}],
      ['/static/style.css', {}],
      ['/cases', { headers: { cookie: ada.cookie } }],
      [`/cases/${caseId}`, { headers: { cookie: ada.cookie } }],
      ['/nope', {}],
      [
        '/api/auth/login',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'lee', password: 'a long enough passphrase' }),
        },
      ],
    ] as const) {
      const response = await fetch(h.url(url), init);
      for (const cookie of response.headers.getSetCookie()) seen.add(cookie.split('=')[0]!);
    }
    expect([...seen]).toEqual(['disposition_session']);
  });
});
