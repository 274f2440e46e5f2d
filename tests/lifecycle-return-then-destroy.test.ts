// The whole Section III lifecycle on a real Temporal server, real SMTP and real SQLite:
// notice -> acknowledgement -> return (files staged through infra storage) -> review -> certification -> statement.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { statementSigningText } from '../domain/statement-record';
import * as messages from '../workflows/messages';
import { workflowIdOf } from '../client/case-service';
import { CaseHarness, ADMIN_EMAIL } from './support/case-harness';
import { caseInput, certification } from './support/fixtures';
import { pdfText, saveStream, scratchFile, unzipEntry, unzipTest } from './support/artifacts';

const sha256 = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');

describe('a return_then_destroy case from notice to statement', () => {
  let h: CaseHarness;
  const input = caseInput({
    disposition: {
      option: 'return_then_destroy',
      extent: 'complete',
      categories: [{ key: 'permanent', expectedRecords: 3 }, { key: 'electronic' }, { key: 'access_log' }],
    },
  });
  const csv = 'student_id,name,notes\n1001,Ana Lima,"two\nlines"\n1002,Ben Okafor,ok\n1003,Chen Wei,ok\n';
  const jsonl = '{"event":"login","student":1001}\n\n{"event":"read","student":1002}\n';
  const binary = crypto.randomBytes(300_000);
  let caseId: string;

  beforeAll(async () => {
    h = await CaseHarness.start();
    caseId = await h.startCase(input);
  });
  afterAll(async () => h?.close());

  it("sends a notice that explains the request and the district's rights, with a working link", async () => {
    const { mail, link } = await h.vendorMail(caseId, 'acknowledge');
    expect(mail.to).toEqual(['privacy@acme-learning.example']);
    expect(mail.messageId).toBe(`<notice-acknowledge-1.vendor.${caseId}@localhost>`);
    for (const words of [
      'III.A',
      'III.B',
      'III.C',
      'IV.A',
      'Permanent student records',
      'Access log',
      'acme_session cookie',
      'Acme Reader iPad SDK',
    ]) {
      expect(mail.text).toContain(words);
    }
    expect(await h.service.checkLink(link)).toMatchObject({
      valid: true,
      claims: { caseId, task: 'acknowledge', gen: 1 },
    });
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_acknowledgement');
  });

  it('takes the acknowledgement, then the return of staged files', async () => {
    const { link: ackLink } = await h.vendorMail(caseId, 'acknowledge');
    const ack = await h.vendorAct(ackLink, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
      contactTitle: 'Privacy Officer',
    });
    expect(ack.status).toBe('awaiting_return');
    // the acknowledge link is done: it no longer opens anything
    expect(await h.service.checkLink(ackLink)).toMatchObject({ valid: false, reason: 'task_closed' });

    const { link } = await h.vendorMail(caseId, 'return');
    await h.stage(caseId, 'permanent', 'students.csv', csv);
    await h.stage(caseId, 'electronic', 'activity.jsonl', jsonl);
    await h.stage(caseId, 'access_log', '../../etc/report.bin', binary);
    const files = await h.stagedRefs(caseId);
    expect(files.map((f) => f.name).sort()).toEqual(['activity.jsonl', 'report.bin', 'students.csv']);
    const submitted = await h.vendorAct(link, messages.submitReturn, { files, note: 'All records as of termination.' });
    expect(submitted.status).toBe('packaging');
    // a double click answers with the first result
    const again = await h.vendorAct(link, messages.submitReturn, { files, note: 'All records as of termination.' });
    expect(again).toMatchObject({ status: 'packaging', message: submitted.message, alreadyDone: true });
  });

  it('packages the return, counts records against the expected counts and asks the district to review', async () => {
    const record = await h.waitForStatus(caseId, 'awaiting_review');
    const round = record.returnPackages[0]!;
    expect(round.zipSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(round.categories.find((c) => c.key === 'permanent')).toMatchObject({
      files: 1,
      returnedRecords: 3,
      expectedRecords: 3,
    });
    expect(round.categories.find((c) => c.key === 'electronic')).toMatchObject({ files: 1, returnedRecords: 2 });
    expect(round.shortfalls).toEqual([]);
    const review = await h.smtp.waitFor(
      (m) => m.to.includes(ADMIN_EMAIL) && m.subject.startsWith('Review the returned data'),
    );
    expect(review.text).toContain(round.zipSha256!);
  });

  it('lets the administrator download the package: manifest hashes match the files and unzip -t passes', async () => {
    const record = (await h.records.getCase(caseId))!;
    const round = record.returnPackages[0]!;
    const zip = await saveStream(h.storage.openPackage(caseId, round.packageId!), scratchFile('return.zip'));
    const bytes = (await import('node:fs')).readFileSync(zip);
    expect(sha256(bytes)).toBe(round.zipSha256);
    const tested = unzipTest(zip);
    expect(tested.output).toContain('No errors detected');
    expect(tested.status).toBe(0);
    const manifest = JSON.parse(unzipEntry(zip, 'manifest.json').toString());
    const byPath = Object.fromEntries(
      manifest.files.map((f: { path: string; sha256: string; records?: number }) => [f.path, f]),
    );
    expect(byPath['permanent/students.csv']).toMatchObject({
      sha256: sha256(csv),
      records: 3,
      bytes: Buffer.byteLength(csv),
    });
    expect(byPath['electronic/activity.jsonl']).toMatchObject({ sha256: sha256(jsonl), records: 2 });
    expect(byPath['access_log/report.bin']).toMatchObject({ sha256: sha256(binary), bytes: binary.length });
    for (const file of manifest.files) expect(sha256(unzipEntry(zip, file.path))).toBe(file.sha256);
  });

  it('refuses certification before the district accepted the return (III.C)', async () => {
    await expect(
      h.service.vendorAction(caseId, messages.certify, {
        link: { task: 'certify', gen: 1 },
        certification: certification(input),
      }),
    ).rejects.toMatchObject({
      code: 'wrong_state',
      message: expect.stringContaining('only after the district accepted'),
    });
  });

  it('accepts the return, destroys the staged copies and asks for certification', async () => {
    const accepted = await h.service.perform('review', caseId, { decision: 'accept' }, 'test:admin');
    expect(accepted.status).toBe('awaiting_certification');
    await h.waitFor('staged files destroyed', async () =>
      (await h.records.getCase(caseId))?.timeline.some((e) => e.type === 'staged_files_destroyed'),
    );
    expect(await h.storage.listStaged(caseId)).toEqual([]);
    const { mail } = await h.vendorMail(caseId, 'certify');
    expect(mail.text).toContain('NIST SP 800-88');
  });

  it('refuses a certification that leaves out a tracking mechanism (IV.A)', async () => {
    const { link } = await h.vendorMail(caseId, 'certify');
    const partial = certification(input);
    partial.tracking.mechanisms = partial.tracking.mechanisms.slice(0, 1);
    await expect(h.vendorAct(link, messages.certify, { certification: partial })).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('confirm that "Acme Reader iPad SDK" (sdk) is removed'),
    });
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_certification');
  });

  it('takes the certification and issues a signed PDF statement, mailed to the vendor and the district', async () => {
    const { link } = await h.vendorMail(caseId, 'certify');
    await h.vendorAct(link, messages.certify, { certification: certification(input) });
    const record = await h.waitForStatus(caseId, 'completed');
    const statement = record.state.statement!;
    const vendorCopy = await h.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'completion' &&
        m.to.includes('privacy@acme-learning.example'),
    );
    expect(vendorCopy.cc).toEqual(['dana@acme-learning.example']);
    const pdf = vendorCopy.attachments.find((a) => a.contentType === 'application/pdf')!.content;
    expect(sha256(pdf)).toBe(statement.sha256);
    expect(await h.records.getStatement(statement.statementId)).toMatchObject({ sha256: statement.sha256, caseId });
    const publicKey = h.keyring.signingPublicKey(statement.keyId)!;
    expect(
      crypto.verify(
        null,
        Buffer.from(statementSigningText(statement.statementId, statement.sha256)),
        publicKey,
        Buffer.from(statement.signature, 'base64'),
      ),
    ).toBe(true);

    const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
    expect(text).toContain('Acme Learning Inc.');
    expect(text).toContain(record.returnPackages[0]!.zipSha256!);
    expect(text).toContain('Morgan Reyes');
    expect(text).toContain(statement.statementId);
    expect(text).toContain('the property of Acme Learning Inc.'); // III.B
    await h.smtp.waitFor(
      (m) =>
        m.to.includes(ADMIN_EMAIL) &&
        m.headers.get('x-disposition-mail') === 'completion' &&
        m.headers.get('x-disposition-case') === caseId,
    );
  });

  it('shows the completed case with the CLI, also after its workflow history is gone', async () => {
    const show = () =>
      spawnSync(
        process.execPath,
        [path.resolve(__dirname, '../bin/disposition.js'), 'case', 'show', caseId, '--json'],
        {
          encoding: 'utf8',
          env: { ...process.env, DATA_DIR: h.dataDir, TEMPORAL_ADDRESS: inject('temporalAddress') },
        },
      );
    const before = show();
    expect(before.status).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({
      caseId,
      status: 'completed',
      statement: { statementId: expect.any(String) },
      returnPackage: { zipSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });

    await h.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: workflowIdOf(caseId) },
    });
    const after = show();
    expect(after.status).toBe(0);
    const details = JSON.parse(after.stdout);
    expect(details.status).toBe('completed');
    expect(details.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'case_started',
        'notice_acknowledged',
        'return_submitted',
        'package_built',
        'return_accepted',
        'destruction_certified',
        'statement_issued',
      ]),
    );
  });
});
