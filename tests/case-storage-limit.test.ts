// Issue 26 item 5: one link cannot fill the disk. A case holds at most CASE_STORAGE_LIMIT of staged returned files
// (or the limit an administrator set for it on the case page, the API or the CLI); past it an upload is refused
// with 413 `case_storage_limit`, naming the limit and what is staged, and nothing of it is kept.
import { describe, expect, it } from 'vitest';
import { parseByteSize, sizeInWords } from '../domain/sizes';
import { loadConfig } from '../infra/config';
import { harnessForTests } from './support/http-harness';

const started = harnessForTests({ env: { CASE_STORAGE_LIMIT: '64 KiB' } });

describe('sizes as people write them', () => {
  it.each([
    ['4096', 4096],
    ['64KiB', 65_536],
    ['64 KiB', 65_536],
    ['100 GiB', 100 * 1024 ** 3],
    ['1.5 TiB', 1.5 * 1024 ** 4],
    [' 2 mib ', 2 * 1024 ** 2],
  ])('reads %j as %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['10 GB', 'lots', '', '-5', '1e9'])('refuses %j', (text) => expect(parseByteSize(text)).toBeUndefined());

  it('says sizes in the largest unit, and CASE_STORAGE_LIMIT defaults to 100 GiB and refuses what is not a size', () => {
    expect(sizeInWords(100 * 1024 ** 3)).toBe('100 GiB');
    expect(sizeInWords(40 * 1024)).toBe('40 KiB');
    expect(loadConfig({}).caseStorageLimit).toBe(100 * 1024 ** 3);
    expect(() => loadConfig({ CASE_STORAGE_LIMIT: '10 GB' })).toThrow(/CASE_STORAGE_LIMIT="10 GB" is not a size/);
  });
});

describe("a case's storage", () => {
  const upload = async (token: string, name: string, bytes: number) => {
    const form = new FormData();
    form.set('category', 'permanent');
    form.set('file', new Blob([`id\n${'1\n'.repeat(Math.max(0, (bytes - 3) / 2))}`]), name);
    const response = await fetch(started.h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form });
    return { status: response.status, json: await response.json() };
  };

  it('refuses a file past the limit with what is staged, keeps nothing of it, and takes it once an administrator raises the limit', async () => {
    const { h, ada } = started;
    const caseId = await h.cases.startCase();
    const ack = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname.split('/').pop()!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const token = new URL((await h.cases.vendorMail(caseId, 'return')).link).pathname.split('/').pop()!;

    expect((await upload(token, 'students-2019.csv', 40 * 1024 + 1)).status).toBe(201);
    const refused = await upload(token, 'students-2020.csv', 30 * 1024 + 1);
    expect(refused).toMatchObject({
      status: 413,
      json: {
        error: {
          code: 'case_storage_limit',
          message: expect.stringContaining(
            'This case may hold up to 64 KiB of returned files, and 40 KiB in 1 file is staged: "students-2020.csv" does not fit, so nothing of it was kept.',
          ),
          details: { limitBytes: 65_536, stagedBytes: 40 * 1024 + 1, stagedFiles: 1 },
        },
      },
    });
    expect((await h.cases.storage.listStaged(caseId)).map((f) => f.name)).toEqual(['students-2019.csv']);

    // An administrator raises the case's own limit; a size the form cannot read is refused in its words.
    const wrong = await h.as(ada, 'POST', `/api/cases/${caseId}/storage-limit`, { limit: 'lots', reason: 'Scans' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toContain('must be a size such as "200 GiB", or a number of bytes');
    const raised = await h.as(ada, 'POST', `/api/cases/${caseId}/storage-limit`, {
      limit: '1 MiB',
      reason: 'Ten years of scanned work',
    });
    expect(raised.status).toBe(200);
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json).toMatchObject({
      storageLimit: { bytes: 1024 ** 2, reason: 'Ten years of scanned work', by: 'user:ada' },
      timeline: expect.arrayContaining([
        expect.objectContaining({ summary: 'Storage for returned files set to 1 MiB (Ten years of scanned work)' }),
      ]),
    });
    expect((await upload(token, 'students-2020.csv', 30 * 1024 + 1)).status).toBe(201);
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('Storage for returned files (now 1 MiB)');
  });
});
