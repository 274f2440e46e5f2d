// Every route of the HTTP API (docs/api.md), for every role, with each refusal: real server, Temporal, SMTP, SQLite.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scratchFile } from './support/artifacts';
import { keyFingerprint } from '../client/statement-verification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../domain/dates';
import { makeLinkToken } from '../infra/keys/link-tokens';
import { HttpHarness, PASSWORD, type SignedIn } from './support/http-harness';
import { caseInput, certification } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let lee: SignedIn;
const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
const tokenOf = (link: string): string => link.split('/v/')[1]!;

beforeAll(async () => {
  h = await HttpHarness.start({ env: { UPLOAD_MAX_BYTES: '200000' } });
  ada = await h.login('ada');
  lee = await h.login('lee');
});
afterAll(async () => h?.close());

async function upload(token: string, category: string | undefined, name: string, content: Buffer | string) {
  const form = new FormData();
  if (category !== undefined) form.append('category', category);
  form.append('file', new Blob([Buffer.from(content)]), name);
  const response = await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form });
  return { status: response.status, json: (await response.json()) as any };
}

describe('public routes', () => {
  it('health answers ok while the server runs', async () => {
    expect(await h.as(undefined, 'GET', '/api/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('is ready when the database, the storage and Temporal answer, and names the one that does not', async () => {
    expect(await h.as(undefined, 'GET', '/api/ready')).toMatchObject({
      status: 200,
      json: { status: 'ready', database: 'ok', storage: 'ok', temporal: 'ok' },
    });
    // The bucket or disk going away, as the storage's own check meets it.
    const storage = h.cases.storage;
    const reachable = storage.checkReachable.bind(storage);
    storage.checkReachable = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9000'));
    try {
      expect(await h.as(undefined, 'GET', '/api/ready')).toMatchObject({
        status: 503,
        json: {
          error: {
            code: 'storage_unavailable',
            message: 'not ready: the storage does not answer: connect ECONNREFUSED 127.0.0.1:9000',
            details: {
              database: 'ok',
              storage: 'does not answer: connect ECONNREFUSED 127.0.0.1:9000',
              temporal: 'ok',
            },
          },
        },
      });
      // Liveness is not readiness: the server itself still answers.
      expect((await h.as(undefined, 'GET', '/api/health')).status).toBe(200);
    } finally {
      storage.checkReachable = reachable;
    }
  });

  it('publishes OpenAPI 3 with every route of the design', async () => {
    const { status, json } = await h.as(undefined, 'GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(json.openapi).toMatch(/^3\./);
    for (const [method, path] of [
      ['post', '/api/auth/login'],
      ['post', '/api/auth/logout'],
      ['post', '/api/cases'],
      ['get', '/api/cases'],
      ['get', '/api/cases/{caseId}'],
      ['post', '/api/cases/{caseId}/review'],
      ['post', '/api/cases/{caseId}/extend'],
      ['post', '/api/cases/{caseId}/cancel'],
      ['post', '/api/cases/{caseId}/resend-link'],
      ['post', '/api/cases/{caseId}/legal-hold'],
      ['get', '/api/cases/{caseId}/return-package'],
      ['get', '/api/cases/{caseId}/statement'],
      ['get', '/api/vendor/{token}'],
      ['post', '/api/vendor/{token}/acknowledge'],
      ['post', '/api/vendor/{token}/files'],
      ['delete', '/api/vendor/{token}/files/{fileId}'],
      ['post', '/api/vendor/{token}/submit-return'],
      ['post', '/api/vendor/{token}/certify'],
      ['post', '/api/vendor/{token}/backup-rolloff'],
      ['get', '/api/statements/{statementId}'],
      ['post', '/api/statements/verify'],
      ['get', '/api/statements/certificate'],
      ['get', '/api/health'],
    ]) {
      expect(json.paths[path!]?.[method!], `${method} ${path}`).toBeDefined();
    }
    // generated from the zod schemas: the case input's required fields are there
    expect(json.paths['/api/cases'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['contract', 'vendor', 'service', 'disposition']),
    );
  });

  it('an unknown API route is JSON 404, an unknown page is an HTML 404', async () => {
    expect(await h.as(undefined, 'GET', '/api/nope')).toMatchObject({
      status: 404,
      json: { error: { code: 'not_found' } },
    });
    const page = await fetch(h.url('/nope'));
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});

describe('accounts and sessions', () => {
  it('sets one HttpOnly SameSite=Strict session cookie and answers 401 on bad credentials', async () => {
    const response = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: PASSWORD }),
    });
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^disposition_session=[^;]+;/);
    expect(cookies[0]).toContain('HttpOnly');
    expect(cookies[0]).toContain('SameSite=Strict');
    expect(
      await h.as(undefined, 'POST', '/api/auth/login', { username: 'ada', password: 'wrong password' }),
    ).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
    expect(
      await h.as(undefined, 'POST', '/api/auth/login', { username: 'nobody', password: 'whatever it is' }),
    ).toMatchObject({ status: 401 });
    expect(await h.as(undefined, 'POST', '/api/auth/login', { username: 'ada' })).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_payload', details: [{ field: 'password' }] } },
    });
  });

  it('slows down and then locks an account after repeated failures', async () => {
    await h.users.addUser({
      username: 'target',
      role: 'legal',
      passwordHash: await (await import('../infra/keys/passwords')).hashPassword(PASSWORD),
    });
    const times: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = Date.now();
      expect(
        (await h.as(undefined, 'POST', '/api/auth/login', { username: 'target', password: 'not it at all' })).status,
      ).toBe(401);
      times.push(Date.now() - started);
    }
    expect(times[4]!).toBeGreaterThan(times[0]!);
    const locked = await h.as(undefined, 'POST', '/api/auth/login', { username: 'target', password: PASSWORD });
    expect(locked).toMatchObject({
      status: 429,
      json: { error: { code: 'rate_limited', message: expect.stringContaining('locked until') } },
    });
  }, 60_000);

  it('logout ends the session', async () => {
    const session = await h.login('lee');
    expect((await h.as(session, 'GET', '/api/cases')).status).toBe(200);
    expect((await h.as(session, 'POST', '/api/auth/logout')).status).toBe(204);
    expect(await h.as(session, 'GET', '/api/cases')).toMatchObject({
      status: 401,
      json: { error: { code: 'unauthorized' } },
    });
  });

  it('refuses a state change without the CSRF token', async () => {
    expect(await h.as(ada, 'POST', '/api/cases', caseInput(), { csrf: false })).toMatchObject({
      status: 403,
      json: { error: { code: 'csrf_failed' } },
    });
    expect(await h.as({ ...ada, csrfToken: 'x'.repeat(32) }, 'POST', '/api/cases', caseInput())).toMatchObject({
      status: 403,
      json: { error: { code: 'csrf_failed' } },
    });
  });
});

describe('a case through the API', () => {
  let caseId: string;
  let returnToken: string;

  it('lets an administrator start a case, and refuses legal staff, strangers and bad bodies', async () => {
    expect(await h.as(undefined, 'POST', '/api/cases', caseInput())).toMatchObject({ status: 401 });
    expect(await h.as(lee, 'POST', '/api/cases', caseInput())).toMatchObject({
      status: 403,
      json: { error: { code: 'forbidden' } },
    });
    const bad = await h.as(ada, 'POST', '/api/cases', {
      ...caseInput(),
      vendor: { name: 'Acme', contactEmail: 'nope' },
    });
    expect(bad).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'invalid_payload',
          message: expect.stringContaining("The vendor's contact email must be an email address"),
          details: [expect.objectContaining({ field: 'vendor.contactEmail' })],
        },
      },
    });
    expect(JSON.stringify(bad.json)).not.toContain('    at '); // never a stack trace
    const notJson = await fetch(h.url('/api/cases'), {
      method: 'POST',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken, 'content-type': 'application/json' },
      body: '{"contract":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error.code).toBe('invalid_payload');

    const started = await h.as(
      ada,
      'POST',
      '/api/cases',
      caseInput({
        disposition: {
          option: 'return_then_destroy',
          extent: 'complete',
          categories: [{ key: 'permanent', expectedRecords: 3 }, { key: 'electronic' }],
        },
      }),
    );
    expect(started).toMatchObject({ status: 201, json: { status: 'awaiting_acknowledgement' } });
    caseId = started.json.caseId;
  });

  it('lists and shows the case to administrators and legal staff, filtered', async () => {
    for (const who of [ada, lee]) {
      const list = await h.as(who, 'GET', '/api/cases?status=awaiting_acknowledgement&vendor=Acme');
      expect(list.status).toBe(200);
      expect(list.json.cases.map((c: { caseId: string }) => c.caseId)).toContain(caseId);
      expect(list.json.cases[0]).toEqual(
        expect.objectContaining({
          vendorName: 'Acme Learning Inc.',
          overdue: false,
          dueAt: expect.any(String),
          createdAt: expect.any(String),
        }),
      );
    }
    expect(
      (await h.as(ada, 'GET', '/api/cases?status=completed')).json.cases.map((c: { caseId: string }) => c.caseId),
    ).not.toContain(caseId);
    expect(await h.as(ada, 'GET', '/api/cases?status=bogus')).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'status' }] } },
    });
    expect(await h.as(undefined, 'GET', '/api/cases')).toMatchObject({ status: 401 });
    // Pages by cursor: a page of one names the next; a cursor this list never gave is refused, naming the field.
    const first = await h.as(ada, 'GET', '/api/cases?limit=1&sort=due');
    expect(first.json.cases).toHaveLength(1);
    const all = (await h.as(ada, 'GET', '/api/cases?limit=500')).json.cases;
    if (all.length > 1) expect(first.json.nextCursor).toEqual(expect.any(String));
    expect(await h.as(ada, 'GET', '/api/cases?limit=1&sort=due&cursor=bm90LW91cnM')).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'cursor' }] } },
    });
    expect(await h.as(ada, 'GET', '/api/cases?limit=0')).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'limit' }] } },
    });
    const details = await h.as(lee, 'GET', `/api/cases/${caseId}`);
    expect(details.json).toMatchObject({
      caseId,
      status: 'awaiting_acknowledgement',
      tasks: [{ kind: 'acknowledge' }],
      legalHold: { on: false },
    });
    expect(details.json.timeline[0].type).toBe('case_started');
    expect(await h.as(ada, 'GET', '/api/cases/doesnotexist1')).toMatchObject({
      status: 404,
      json: { error: { code: 'not_found' } },
    });
    expect(await h.as(ada, 'GET', '/api/cases/..%2f..')).toMatchObject({ status: 400 });
  });

  it('serves the vendor task by token and refuses altered, unknown-case and expired tokens', async () => {
    const { link } = await h.cases.vendorMail(caseId, 'acknowledge');
    const token = tokenOf(link);
    const task = await h.as(undefined, 'GET', `/api/vendor/${token}`);
    expect(task).toMatchObject({
      status: 200,
      json: {
        task: { kind: 'acknowledge' },
        vendor: { name: 'Acme Learning Inc.' },
        categories: [{ key: 'permanent', expectedRecords: 3 }, { key: 'electronic' }],
      },
    });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await h.as(undefined, 'GET', `/api/vendor/${token.slice(0, -1)}${last}`)).toMatchObject({
      status: 403,
      json: { error: { code: 'link_refused' } },
    });
    const otherCase = makeLinkToken(h.cases.keyring, {
      caseId: 'nosuchcase12',
      task: 'acknowledge',
      gen: 1,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    expect(await h.as(undefined, 'GET', `/api/vendor/${otherCase}`)).toMatchObject({
      status: 403,
      json: { error: { code: 'link_refused' } },
    });
    const expired = makeLinkToken(h.cases.keyring, {
      caseId,
      task: 'acknowledge',
      gen: 1,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    expect(await h.as(undefined, 'GET', `/api/vendor/${expired}`)).toMatchObject({
      status: 410,
      json: { error: { code: 'link_gone', message: expect.stringContaining('expired') } },
    });
    const page = await fetch(h.url(`/v/${expired}`));
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has expired');
  });

  it('takes the acknowledgement once; a repeat answers "already done"; the finished task\'s link is gone', async () => {
    const token = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link);
    expect(await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, { contactName: 'Dana' })).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'contactEmail' }] } },
    });
    const first = await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
    });
    expect(first).toMatchObject({ status: 200, json: { status: 'awaiting_return' } });
    const again = await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
    });
    expect(again).toMatchObject({ status: 200, json: { alreadyDone: true, message: first.json.message } });
    expect(await h.as(undefined, 'GET', `/api/vendor/${token}`)).toMatchObject({
      status: 410,
      json: { error: { code: 'link_gone' } },
    });
  });

  it('stages files streamed by multipart, with limits and clear refusals that keep what is staged', async () => {
    returnToken = tokenOf((await h.cases.vendorMail(caseId, 'return')).link);
    const csv = 'id,name\n1,Ana\n2,Ben\n3,Chen\n';
    const first = await upload(returnToken, 'permanent', 'students.csv', csv);
    expect(first).toMatchObject({
      status: 201,
      json: {
        name: 'students.csv',
        category: 'permanent',
        bytes: csv.length,
        sha256: sha256(Buffer.from(csv)),
        records: 3,
      },
    });
    expect(await upload(returnToken, 'permanent', 'students.csv', csv)).toMatchObject({
      status: 200,
      json: { fileId: first.json.fileId, alreadyStaged: true },
    });
    expect(await upload(returnToken, 'payroll', 'pay.csv', 'a\n1\n')).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_payload', details: [{ field: 'category' }] } },
    });
    expect(await upload(returnToken, undefined, 'pay.csv', 'a\n1\n')).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'category' }] } },
    });
    expect(await upload(returnToken, 'electronic', 'big.bin', crypto.randomBytes(300_000))).toMatchObject({
      status: 413,
      json: { error: { code: 'too_large' } },
    });
    const notMultipart = await h.as(undefined, 'POST', `/api/vendor/${returnToken}/files`, { category: 'permanent' });
    expect(notMultipart).toMatchObject({ status: 415, json: { error: { code: 'unsupported_media_type' } } });
    const staged = (await h.as(undefined, 'GET', `/api/vendor/${returnToken}`)).json.stagedFiles;
    expect(staged).toEqual([expect.objectContaining({ fileId: first.json.fileId, name: 'students.csv', records: 3 })]);

    const extra = await upload(returnToken, 'electronic', 'notes.jsonl', '{"a":1}\n{"a":2}\n');
    expect(extra).toMatchObject({ status: 201, json: { records: 2 } });
    const scratch = await upload(returnToken, 'electronic', 'wrong.txt', 'oops');
    expect(await h.as(undefined, 'DELETE', `/api/vendor/${returnToken}/files/${scratch.json.fileId}`)).toMatchObject({
      status: 200,
      json: { removed: true },
    });
    expect(await h.as(undefined, 'DELETE', `/api/vendor/${returnToken}/files/${scratch.json.fileId}`)).toMatchObject({
      status: 200,
      json: { removed: false, alreadyDone: true },
    });
    expect((await h.as(undefined, 'GET', `/api/vendor/${returnToken}`)).json.stagedFiles).toHaveLength(2);
  });

  it('submits the return (202), answers a repeat with the first result, and refuses review to legal staff', async () => {
    const submitted = await h.as(undefined, 'POST', `/api/vendor/${returnToken}/submit-return`, {
      note: 'Everything we hold.',
    });
    expect(submitted).toMatchObject({ status: 202, json: { status: 'packaging' } });
    expect(
      await h.as(undefined, 'POST', `/api/vendor/${returnToken}/submit-return`, { note: 'Everything we hold.' }),
    ).toMatchObject({ status: 202, json: { alreadyDone: true } });
    await h.cases.waitForStatus(caseId, 'awaiting_review');
    expect(await h.as(lee, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' })).toMatchObject({
      status: 403,
    });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'reject' })).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'reason' }] } },
    });
  });

  it('lets only an administrator download the returned data, with its SHA-256', async () => {
    expect(await h.as(lee, 'GET', `/api/cases/${caseId}/return-package`)).toMatchObject({ status: 403 });
    expect(await h.as(undefined, 'GET', `/api/cases/${caseId}/return-package`)).toMatchObject({ status: 401 });
    const response = await fetch(h.url(`/api/cases/${caseId}/return-package`), { headers: { cookie: ada.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('x-content-sha256')).toBe(sha256(body));
    expect((await h.cases.records.getCase(caseId))!.returnPackages[0]!.zipSha256).toBe(sha256(body));
  });

  it('accepts, certifies, completes; statements are served, looked up and verified', async () => {
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' })).toMatchObject({
      status: 200,
      json: { status: 'awaiting_certification' },
    });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' })).toMatchObject({
      status: 200,
    });
    const token = tokenOf((await h.cases.vendorMail(caseId, 'certify')).link);
    const cert = certification(caseInput());
    const missing = { ...cert, destruction: { ...cert.destruction, attestation: false } };
    expect(await h.as(undefined, 'POST', `/api/vendor/${token}/certify`, missing)).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'destruction.attestation' }] } },
    });
    expect(await h.certifyByLink(token, cert)).toMatchObject({ status: 200, json: { status: 'generating_statement' } });
    const done = await h.cases.waitForStatus(caseId, 'completed');
    const statementId = done.state.statement!.statementId;
    // Completion reaches ADMIN_EMAIL, admin users and legal users with an email, with a link to the case.
    const district = await h.cases.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'completion' &&
        m.to.includes('lee@district.example'),
    );
    expect(district.to).toEqual(
      expect.arrayContaining(['records-admin@district.example', 'ada@district.example', 'lee@district.example']),
    );
    expect(district.text).toContain(`/cases/${caseId}`);

    expect(await h.as(undefined, 'GET', `/api/cases/${caseId}/statement`)).toMatchObject({ status: 401 });
    const pdfResponse = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: lee.cookie } });
    expect(pdfResponse.status).toBe(200);
    expect(pdfResponse.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await pdfResponse.arrayBuffer());
    expect(sha256(pdf)).toBe(done.state.statement!.sha256);

    expect(await h.as(undefined, 'GET', `/api/statements/${statementId}`)).toMatchObject({
      status: 200,
      json: { statementId, vendorName: 'Acme Learning Inc.', contractId: done.contractId, sha256: sha256(pdf) },
    });
    expect(await h.as(undefined, 'GET', '/api/statements/00000000-0000-0000-0000-000000000000')).toMatchObject({
      status: 404,
    });
    const verify = async (body: Buffer) =>
      (
        await fetch(h.url('/api/statements/verify'), {
          method: 'POST',
          headers: { 'content-type': 'application/pdf' },
          body,
        })
      ).json();
    // The verdict says what it verified, and which key signed it (its fingerprint, to compare with the district's).
    const signing = h.cases.keyring.currentSigning();
    const verdict = {
      valid: true,
      statementId,
      caseId,
      vendorName: 'Acme Learning Inc.',
      contractId: done.contractId,
      issuedAt: new Date(done.state.statement!.issuedAt).toISOString(),
      sha256: sha256(pdf),
      signer: {
        keyId: signing.kid,
        fingerprint: keyFingerprint(crypto.createPublicKey(signing.publicKeyPem)),
        certificate: new crypto.X509Certificate(h.cases.keyring.currentCertificate().certificate).fingerprint256,
      },
    };
    expect(verdict.signer.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(await verify(pdf)).toEqual(verdict);
    const altered = Buffer.from(pdf);
    const middle = Math.floor(altered.length / 2);
    altered.writeUInt8(altered.readUInt8(middle) ^ 0x01, middle);
    expect(await verify(altered)).toMatchObject({ valid: false, reason: expect.stringContaining('altered') });
    const form = new FormData();
    form.append('file', new Blob([pdf]), 'statement.pdf');
    expect(await (await fetch(h.url('/api/statements/verify'), { method: 'POST', body: form })).json()).toEqual(
      verdict,
    );
    const junk = await h.as(undefined, 'POST', '/api/statements/verify', { hello: 'world' });
    expect(junk).toMatchObject({ status: 200, json: { valid: false } });

    // Signed inside the PDF as well (PAdES): pdfsig, a reader nobody here wrote, finds it valid over the whole file.
    const file = scratchFile('issued-statement.pdf');
    fs.writeFileSync(file, pdf);
    const pdfsig = spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
    expect(pdfsig).toContain('Signature Validation: Signature is Valid.');
    expect(pdfsig).toContain('Total document signed');
    expect(pdfsig).toContain('Signature Type: ETSI.CAdES.detached');
    expect(pdfsig).toContain('Signer Certificate Common Name: Riverside Unified School District statement signing');
    // The certificate is published; with it and the file alone, the CLI verifies the statement, with no server,
    // no database and no keyring, and touches nothing where it runs.
    const published = await fetch(h.url('/api/statements/certificate'));
    expect(published.status).toBe(200);
    expect(published.headers.get('content-type')).toContain('application/pem-certificate-chain');
    const pem = await published.text();
    expect(pem).toContain(`SHA-256 fingerprint: ${verdict.signer.certificate}`);
    const pemFile = scratchFile('district.pem');
    fs.writeFileSync(pemFile, pem);
    const away = path.dirname(scratchFile('nothing-here'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !['DATA_DIR', 'KEYS_DIR', 'DATABASE_URL', 'TEMPORAL_ADDRESS'].includes(k),
      ),
    );
    const offline = spawnSync(
      process.execPath,
      [path.resolve('bin/disposition.js'), 'statement', 'verify', file, '--cert', pemFile],
      { cwd: away, env, encoding: 'utf8' },
    );
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('valid: signed by the district, and unchanged since');
    expect(offline.stdout).toContain(
      `statement ${statementId} of case ${caseId}: Acme Learning Inc., contract ${done.contractId}`,
    );
    expect(offline.stdout).toContain(
      `certificate SHA-256 ${verdict.signer.certificate}), one of the district's certificates`,
    );
    expect(fs.readdirSync(away)).toEqual([]);
    fs.writeFileSync(file, altered);
    const refused = spawnSync(
      process.execPath,
      [path.resolve('bin/disposition.js'), 'statement', 'verify', file, '--cert', pemFile],
      { cwd: away, env, encoding: 'utf8' },
    );
    expect(refused.status).toBe(3);
    expect(refused.stdout).toMatch(/^invalid: /);
    // An altered file's signature is no evidence of anything: the verdict says nothing of who signed it.
    expect(refused.stdout).not.toMatch(/signed by /);
    expect(refused.stdout).not.toContain("one of the district's certificates");
    expect(refused.stdout).toContain(`the file claims to be statement ${statementId} of case ${caseId}`);

    // Legal holds on a completed case are kept in its record.
    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'Litigation hold 2026-17' }),
    ).toMatchObject({ status: 200 });
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.legalHold.on).toBe(true);
    expect(await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'again' })).toMatchObject({
      status: 409,
      json: { error: { code: 'wrong_state' } },
    });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'too late' })).toMatchObject({
      status: 409,
      json: { error: { code: 'wrong_state' } },
    });
  });
});

describe('steering a case', () => {
  it('extends, resends the link, holds and cancels; legal staff may hold but not cancel', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId;
    const old = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge', { gen: 1 })).link);
    const until = dayOf(Date.now() + 30 * 86_400_000);
    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/extend`, { task: 'acknowledge', until, reason: 'asked' }),
    ).toMatchObject({ status: 403 });
    expect(
      await h.as(ada, 'POST', `/api/cases/${caseId}/extend`, { task: 'acknowledge', until: 'soon', reason: 'asked' }),
    ).toMatchObject({ status: 400, json: { error: { details: [{ field: 'until' }] } } });
    expect(
      await h.as(ada, 'POST', `/api/cases/${caseId}/extend`, {
        task: 'acknowledge',
        until,
        reason: 'Vendor asked for time',
      }),
    ).toMatchObject({ status: 200 });
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.openTask.dueAt).toBe(`${until}T23:59:59.000Z`);

    expect(await h.as(lee, 'POST', `/api/cases/${caseId}/resend-link`)).toMatchObject({ status: 403 });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/resend-link`)).toMatchObject({ status: 200 });
    expect(await h.as(undefined, 'GET', `/api/vendor/${old}`)).toMatchObject({
      status: 410,
      json: { error: { message: expect.stringContaining('newer link') } },
    });
    const fresh = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge', { gen: 2 })).link);
    expect((await h.as(undefined, 'GET', `/api/vendor/${fresh}`)).status).toBe(200);

    expect(await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: '' })).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'reason' }] } },
    });
    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'Records request' }),
    ).toMatchObject({ status: 200 });
    expect(await h.as(lee, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'no' })).toMatchObject({ status: 403 });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'Contract renewed' })).toMatchObject({
      status: 200,
      json: { status: 'cancelled' },
    });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/resend-link`)).toMatchObject({ status: 409 });
    expect(
      await h.as(undefined, 'POST', `/api/vendor/${fresh}/acknowledge`, {
        contactName: 'Dana',
        contactEmail: 'dana@acme-learning.example',
      }),
    ).toMatchObject({ status: 409, json: { error: { code: 'wrong_state' } } });
  });
});

describe('the codec endpoint', () => {
  it('encodes and decodes payloads for an administrator only', async () => {
    const payload = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"name":"Ana Lima"}').toString('base64'),
    };
    const encoded = await h.as(ada, 'POST', '/api/codec/encode', { payloads: [payload] });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.json.payloads[0].data, 'base64').toString()).not.toContain('Ana Lima');
    const decoded = await h.as(ada, 'POST', '/api/codec/decode', encoded.json);
    expect(decoded.json.payloads[0]).toEqual(payload);
    expect(await h.as(lee, 'POST', '/api/codec/decode', encoded.json)).toMatchObject({ status: 403 });
    expect(await h.as(undefined, 'POST', '/api/codec/decode', encoded.json)).toMatchObject({ status: 401 });
  });

  it("answers Temporal's Web UI across origins (CORS with credentials), and no other origin", async () => {
    const preflight = await fetch(h.url('/api/codec/decode'), {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const payloads = {
      payloads: [
        {
          metadata: { encoding: Buffer.from('json/plain').toString('base64') },
          data: Buffer.from('1').toString('base64'),
        },
      ],
    };
    const fromUi = await fetch(h.url('/api/codec/decode'), {
      method: 'POST',
      headers: { origin: 'http://localhost:8233', cookie: ada.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(payloads),
    });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const elsewhere = await fetch(h.url('/api/codec/decode'), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('when the worker does not answer', () => {
  it('an action answers 503 temporal_unavailable instead of hanging', async () => {
    const stalled = await HttpHarness.start({ actionTimeoutMs: 2_000 });
    try {
      const admin = await stalled.login('ada');
      const caseId = (await stalled.as(admin, 'POST', '/api/cases', caseInput())).json.caseId;
      await stalled.cases.waitForStatus(caseId, 'awaiting_acknowledgement');
      await stalled.cases.stopWorker();
      const started = Date.now();
      const answer = await stalled.as(admin, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'test' });
      expect(answer, JSON.stringify(answer.json)).toMatchObject({
        status: 503,
        json: { error: { code: 'temporal_unavailable' } },
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await stalled.close();
    }
  });
});
