// The statement signed inside the PDF (issue 11, item 2): PAdES baseline B-B with the district's certificate (made
// with the keyring, or the district's own PKCS#12), B-T with a time stamp from an RFC 3161 authority when TSA_URL
// is set; checked by poppler's pdfsig and veraPDF, and offline by `disposition statement verify`, also after a
// key rotation.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherStatement, makeGenerateStatement } from '../activities/generate-statement';
import { verifyStatementOffline } from '../client/statement-verification';
import type { CaseState, StatementInfo } from '../domain/case-state';
import { Keyring } from '../infra/keys/keys';
import { signPdf, verifyPdfSignature } from '../infra/statement/pdf-signature';
import { districtCertificates, loadP12, SigningIdentityError } from '../infra/statement/signing-certificate';
import { renderStatementPdf } from '../infra/statement/statement-pdf';
import type { CaseFileStorage } from '../infra/storage/case-file-storage';
import { validatePdfA3b } from '../scripts/verapdf';
import { pdfFonts, scratchFile } from './support/artifacts';

const ISSUED = Date.parse('2026-11-21T09:00:00Z');

function completedState(): CaseState {
  const at = Date.parse('2026-11-20T15:00:00Z');
  return {
    caseId: 'case00000042',
    input: {
      contract: { id: 'CT-42', terminationDate: '2026-11-30' },
      vendor: { name: 'Jörg Ænderson-Łukasz GmbH', contactEmail: 'a@acme.example' },
      service: { name: 'Reader' },
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    },
    status: 'generating_statement',
    createdAt: at,
    updatedAt: at,
    version: 9,
    createdBy: 'user:ada',
    tasks: [],
    returnRounds: [],
    legalHold: [],
    timeline: [{ seq: 1, at, type: 'case_started', actor: 'user:ada', summary: 'Termination case started' }],
    settledUpdates: {},
  };
}

/** Issues a statement as the activity does, keeping the bytes it stores. */
async function issue(
  keyring: Keyring,
  env: { districtName?: string; signingP12?: { file: string; passphrase: string }; tsaUrl?: string } = {},
  statementId = 'stmt-0042',
): Promise<{ pdf: Buffer; info: StatementInfo; file: string }> {
  let stored: Buffer | undefined;
  const storage = {
    saveStatement: async (_id: string, pdf: Buffer) => void (stored = pdf),
  } as unknown as CaseFileStorage;
  const generate = makeGenerateStatement({
    config: { districtName: env.districtName ?? 'Riverside USD', publicUrl: 'https://disposition.example', ...env },
    storage,
    keyring,
  });
  const info = await generate({ state: completedState(), statementId, issuedAt: ISSUED });
  const file = scratchFile(`${statementId}.pdf`);
  fs.writeFileSync(file, stored!);
  return { pdf: stored!, info, file };
}

const pdfsig = (file: string): string => spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/disposition.js'), ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the statement signed inside the PDF', () => {
  const keysDir = path.dirname(scratchFile('keys/keyring.json'));
  let keyring: Keyring;
  beforeAll(() => {
    keyring = Keyring.open(keysDir, { districtName: 'Riverside USD' });
  });
  afterAll(() => keyring?.close());

  it("is valid by pdfsig over the whole file, stays PDF/A-3b by veraPDF, and names the district's certificate", async () => {
    const { pdf, info, file } = await issue(keyring);
    const report = pdfsig(file);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Total document signed');
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Signing Hash Algorithm: SHA-256');
    expect(report).toContain('Signer full Distinguished Name: CN=Riverside USD statement signing,O=Riverside USD');
    expect(report).toContain('Signing Time: Nov 21 2026 09:00:00');
    const verdict = validatePdfA3b(file);
    expect(verdict.failedRules, verdict.output).toEqual([]);
    expect(verdict.compliant).toBe(true);
    expect(pdfFonts(pdf).every((f) => f.embedded)).toBe(true);
    // The record keeps the signer's certificate fingerprint; the keyring's certificate is ECDSA P-256, for 25 years.
    const certificate = new crypto.X509Certificate(keyring.currentCertificate().certificate);
    expect(info.certificate).toBe(certificate.fingerprint256);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new Date(certificate.validTo).getUTCFullYear() - new Date(certificate.validFrom).getUTCFullYear()).toBe(25);
    expect(certificate.keyUsage ?? []).toEqual([]); // not an extended key usage: any reader accepts it for signing
    expect(verifyPdfSignature(pdf)).toMatchObject({
      valid: true,
      coversWholeFile: true,
      signedAt: new Date(ISSUED),
      signerName: 'Riverside USD',
    });
  }, 60_000);

  it('fails on one changed byte, and on bytes appended after signing, where pdfsig agrees', async () => {
    const { pdf } = await issue(keyring);
    const certificates = districtCertificates({}, keyring);
    expect(verifyStatementOffline(pdf, certificates)).toMatchObject({
      valid: true,
      statement: {
        statementId: 'stmt-0042',
        caseId: 'case00000042',
        vendorName: 'Jörg Ænderson-Łukasz GmbH',
        contractId: 'CT-42',
        district: 'Riverside USD',
      },
    });

    // A byte of the fonts and pages drawn after the signature's room (the room itself is not signed).
    const [, , end, rest] = /\/ByteRange \[0 (\d+) (\d+) (\d+)\]/.exec(pdf.toString('latin1'))!.map(Number);
    const changed = Buffer.from(pdf);
    changed[end! + Math.floor(rest! / 2)]! ^= 0x01;
    expect(verifyStatementOffline(changed, certificates)).toMatchObject({
      valid: false,
      reason: 'the signed bytes were changed after signing (digest mismatch)',
    });
    const changedFile = scratchFile('changed.pdf');
    fs.writeFileSync(changedFile, changed);
    expect(pdfsig(changedFile)).toMatch(/Digest Mismatch|Signature is Invalid/);

    // An incremental update (what an editor appends) leaves the signed bytes intact but is not covered.
    const appended = Buffer.concat([pdf, Buffer.from('\n1 0 obj\n<< /Producer (someone else) >>\nendobj\n')]);
    expect(verifyStatementOffline(appended, certificates)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('does not cover the whole file'),
    });
    const appendedFile = scratchFile('appended.pdf');
    fs.writeFileSync(appendedFile, appended);
    expect(pdfsig(appendedFile)).not.toContain('Total document signed');

    // Intact, but signed by another district's certificate: not ours.
    const other = Keyring.open(path.dirname(scratchFile('other/keyring.json')), { districtName: 'Elsewhere USD' });
    const theirs = await issue(other, { districtName: 'Elsewhere USD' });
    other.close();
    expect(verifyStatementOffline(theirs.pdf, certificates)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('is not one the district signs statements with'),
      signature: { district: false },
    });
    expect(verifyStatementOffline(Buffer.from('not a pdf'), certificates)).toEqual({
      valid: false,
      reason: 'this file is not a PDF',
    });
    // A statement drawn but never signed says so.
    const unsigned = await renderStatementPdf({
      ...gatherStatement(completedState(), 'stmt-0043', ISSUED, {
        districtName: 'Riverside USD',
        publicUrl: 'https://disposition.example',
      }),
    });
    expect(verifyPdfSignature(unsigned)).toMatchObject({ valid: false });
  }, 60_000);

  it('verifies offline with `disposition statement verify` before and after `keys rotate`, each statement by its own certificate', async () => {
    const dataDir = path.dirname(keysDir);
    const env = { DATA_DIR: dataDir, KEYS_DIR: keysDir, DISTRICT_NAME: 'Riverside USD' };
    const before = await issue(keyring, {}, 'stmt-before');
    const first = await cli(['statement', 'verify', before.file], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('valid: signed by the district, and unchanged since');
    expect(first.stdout).toContain(
      'statement stmt-before of case case00000042: Jörg Ænderson-Łukasz GmbH, contract CT-42, issued 21 November 2026, 09:00 UTC by Riverside USD',
    );
    expect(first.stdout).toContain('(PAdES-B-B); the signature covers the whole file');

    const rotated = await cli(['keys', 'rotate', '--json'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { kids } = JSON.parse(rotated.stdout) as { kids: { certificate: string } };
    const reopened = Keyring.open(keysDir, { districtName: 'Riverside USD' });
    expect(reopened.currentCertificate().kid).toBe(kids.certificate);
    const after = await issue(reopened, {}, 'stmt-after');
    reopened.close();
    expect(after.info.certificate).not.toBe(before.info.certificate);
    for (const { file, info } of [before, after]) {
      const checked = await cli(['statement', 'verify', file, '--json'], env);
      expect(checked.code, checked.stderr).toBe(0);
      expect(JSON.parse(checked.stdout)).toMatchObject({
        valid: true,
        signature: {
          certificate: { fingerprint: info.certificate },
          district: true,
          level: 'PAdES-B-B',
          coversWholeFile: true,
        },
      });
    }
  }, 60_000);

  it("signs with the district's own PKCS#12 (SIGNING_P12), and says clearly when it cannot be opened", async () => {
    const dir = path.dirname(scratchFile('district.p12'));
    const made = spawnSync(
      'sh',
      [
        '-c',
        [
          'openssl req -x509 -newkey rsa:3072 -nodes -keyout key.pem -out cert.pem -days 3650 -subj "/O=Riverside USD/CN=Riverside USD Legal Office" 2>/dev/null',
          'openssl pkcs12 -export -inkey key.pem -in cert.pem -out district.p12 -passout pass:correct-horse',
        ].join(' && '),
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const signingP12 = { file: path.join(dir, 'district.p12'), passphrase: 'correct-horse' };
    const { pdf, file, info } = await issue(keyring, { signingP12 });
    const report = pdfsig(file);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Signer Certificate Common Name: Riverside USD Legal Office');
    expect(info.certificate).toBe(
      new crypto.X509Certificate(fs.readFileSync(path.join(dir, 'cert.pem'))).fingerprint256,
    );
    expect(verifyStatementOffline(pdf, districtCertificates({ signingP12 }, keyring))).toMatchObject({
      valid: true,
      signature: { district: true },
    });
    expect(verifyStatementOffline(pdf, districtCertificates({}, keyring))).toMatchObject({ valid: false });
    expect(() => loadP12(signingP12.file, 'wrong')).toThrow(SigningIdentityError);
    expect(() => loadP12(signingP12.file, 'wrong')).toThrow(/check SIGNING_P12_PASSPHRASE/);
    expect(() => loadP12(path.join(dir, 'missing.p12'), 'x')).toThrow(/SIGNING_P12=.*missing\.p12 cannot be read/);
  }, 60_000);

  describe('with a time-stamp authority (TSA_URL)', () => {
    let tsa: { url: string; close(): Promise<void>; requests: number };
    beforeAll(async () => {
      tsa = await startOpensslTsa();
    });
    afterAll(async () => tsa?.close());

    it('is PAdES B-T: the time stamp on the signature verifies and names the authority', async () => {
      const { pdf, file } = await issue(keyring, { tsaUrl: tsa.url });
      expect(tsa.requests).toBe(1);
      expect(pdfsig(file)).toContain('Signature Validation: Signature is Valid.');
      expect(validatePdfA3b(file).compliant).toBe(true);
      const verdict = verifyStatementOffline(pdf, districtCertificates({}, keyring));
      expect(verdict).toMatchObject({
        valid: true,
        signature: { level: 'PAdES-B-T', timestampAuthority: expect.stringContaining('CN=Test Time-Stamp Authority') },
      });
      expect(Math.abs(Date.parse(verdict.signature!.timestampedAt!) - Date.now())).toBeLessThan(120_000);
    }, 60_000);

    it('refuses a time stamp over another signature', async () => {
      const { pdf } = await issue(keyring, { tsaUrl: tsa.url });
      // Re-sign the same document with a token stamped for different bytes: the signature checks, the stamp does not.
      const unsigned = await renderStatementPdf(
        gatherStatement(completedState(), 'stmt-0042', ISSUED, {
          districtName: 'Riverside USD',
          publicUrl: 'https://disposition.example',
        }),
      );
      const { requestTimestamp } = await import('../infra/statement/cms');
      const foreign = await requestTimestamp(tsa.url, Buffer.from('some other signature'));
      const forged = await signPdf(unsigned, { ...keyring.currentCertificate(), chain: [] }, async () => foreign);
      expect(verifyPdfSignature(pdf)).toMatchObject({ valid: true });
      expect(verifyPdfSignature(forged)).toMatchObject({
        valid: false,
        reason: 'the time stamp does not verify: it stamps another signature',
      });
    }, 60_000);

    it('fails the statement, not silently downgrades it, when the authority cannot be reached', async () => {
      await expect(issue(keyring, { tsaUrl: 'http://127.0.0.1:9/tsa' })).rejects.toThrow(
        /the time-stamp authority http:\/\/127\.0\.0\.1:9\/tsa cannot be reached/,
      );
    });
  });
});

/** An RFC 3161 time-stamp authority: OpenSSL's `ts -reply` behind a small HTTP front, with its own certificate. */
async function startOpensslTsa(): Promise<{ url: string; close(): Promise<void>; requests: number }> {
  const dir = path.dirname(scratchFile('tsa.cnf'));
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  fs.writeFileSync(
    path.join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${dir}/serial`,
      `signer_cert = ${dir}/tsa.crt`,
      `signer_key = ${dir}/tsa.key`,
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      'ess_cert_id_chain = no',
      '',
    ].join('\n'),
  );
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'tsa.key',
      '-out',
      'tsa.crt',
      '-days',
      '30',
      '-subj',
      '/CN=Test Time-Stamp Authority',
      '-addext',
      'extendedKeyUsage=critical,timeStamping',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(made.stderr);
  const state = { requests: 0 };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      state.requests += 1;
      const query = path.join(dir, `q${state.requests}.tsq`);
      const reply = path.join(dir, `r${state.requests}.tsr`);
      fs.writeFileSync(query, Buffer.concat(chunks));
      const child: ChildProcess = spawn('openssl', [
        'ts',
        '-reply',
        '-config',
        path.join(dir, 'tsa.cnf'),
        '-queryfile',
        query,
        '-out',
        reply,
      ]);
      child.on('close', (code) => {
        if (code !== 0) return response.writeHead(500).end();
        // One connection per stamp: a kept-alive socket that this server closes after its 5 s idle timeout, just as
        // the next test's fetch picks it up, fails that fetch ("fetch failed"; seen on a loaded CI machine).
        response
          .writeHead(200, { 'content-type': 'application/timestamp-reply', connection: 'close' })
          .end(fs.readFileSync(reply));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
