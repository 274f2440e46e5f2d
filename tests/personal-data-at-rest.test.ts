// Personal data at rest (issue 12, security 7): a case carried to its statement leaves the contact's and the
// signatory's names and addresses and the returned file names nowhere in the clear, neither in disposition.db
// (with its write-ahead log) nor beside the staged files, while every page and answer still shows them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseInput, certification } from './support/fixtures';
import { harnessForTests } from './support/http-harness';

const started = harnessForTests();

const CONTACT = { contactName: 'Ольга Петренко-Ситник', contactEmail: 'olga.at-rest@vendor.example' };
const ACKNOWLEDGER = { contactName: '王小明 Wáng', contactEmail: 'wang.at-rest@vendor.example' };
const SIGNATORY = { signatoryName: 'Þórdís Møller-Åberg', signatoryEmail: 'thordis.at-rest@vendor.example' };
const FILE_NAME = 'оценки-класса-Петренко.csv';

/** Every file under `dir` whose bytes hold `text` (UTF-8), as paths relative to `dir`. */
function filesHolding(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes(needle)) found.push(path.relative(dir, file));
  }
  return found;
}

describe('personal data at rest', () => {
  it('keeps names, addresses and file names out of the clear in the database and the staging area, and shows them on the case', async () => {
    const { h, ada } = started;
    const input = caseInput({
      vendor: { name: 'Acme Learning Inc.', ...CONTACT },
      disposition: { option: 'return_then_destroy', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    expect((await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, ACKNOWLEDGER)).status).toBe(200);

    const token = (await h.cases.vendorMail(caseId, 'return')).link.split('/v/')[1]!;
    const form = new FormData();
    form.append('category', 'electronic');
    form.append('file', new Blob([Buffer.from('id,grade\n1,A\n2,B\n')]), FILE_NAME);
    expect((await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form })).status).toBe(201);
    // While the file is staged, its name is not readable beside it.
    expect(filesHolding(h.cases.dataDir, FILE_NAME)).toEqual([]);
    expect((await h.as(undefined, 'GET', `/api/vendor/${token}`)).json.stagedFiles).toEqual([
      expect.objectContaining({ name: FILE_NAME }),
    ]);
    expect(
      (
        await h.as(undefined, 'POST', `/api/vendor/${token}/submit-return`, {
          note: `Sent by ${ACKNOWLEDGER.contactName}`,
        })
      ).status,
    ).toBe(202);
    await h.cases.waitForStatus(caseId, 'awaiting_review');
    expect((await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' })).status).toBe(200);

    const certify = (await h.cases.vendorMail(caseId, 'certify')).link.split('/v/')[1]!;
    const body = certification(input);
    const certified = await h.certifyByLink(certify, { ...body, destruction: { ...body.destruction, ...SIGNATORY } });
    expect(certified.status).toBe(200);
    await h.cases.waitForStatus(caseId, 'completed', 120_000);

    // The case as staff see it: every name is there.
    const shown = JSON.stringify((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json);
    for (const text of [CONTACT.contactName, ACKNOWLEDGER.contactEmail, SIGNATORY.signatoryName])
      expect(shown).toContain(text);

    // At rest: none of them, in any file of DATA_DIR (the database, its write-ahead log, staged and packaged files).
    const database = path.join(h.cases.dataDir, 'disposition.db');
    expect(fs.existsSync(database)).toBe(true);
    for (const text of [
      CONTACT.contactName,
      CONTACT.contactEmail,
      ACKNOWLEDGER.contactName,
      ACKNOWLEDGER.contactEmail,
      SIGNATORY.signatoryName,
      SIGNATORY.signatoryEmail,
      FILE_NAME,
    ]) {
      expect({ text, files: filesHolding(h.cases.dataDir, text) }).toEqual({ text, files: [] });
    }
    // What lists and sorts cases stays readable: the check above can see text in these files.
    expect(filesHolding(h.cases.dataDir, 'Acme Learning Inc.').some((f) => f.startsWith('disposition.db'))).toBe(true);
    for (const file of ['disposition.db', 'disposition.db-wal', 'disposition.db-shm']) {
      const at = path.join(h.cases.dataDir, file);
      if (fs.existsSync(at))
        expect({ file, mode: (fs.statSync(at).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
    }
  }, 180_000);
});
