// 7400.1 II.C: returned data is destroyed at the end of RETENTION by a durable timer, unless a legal hold is on.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { retentionWorkflowId } from '../workflows/package-retention';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput, certification } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let lee: SignedIn;
const tokenOf = (link: string): string => link.split('/v/')[1]!;

async function completedCase(): Promise<{ caseId: string; packageId: string }> {
  const input = caseInput();
  const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId;
  await h.as(
    undefined,
    'POST',
    `/api/vendor/${tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link)}/acknowledge`,
    { contactName: 'Dana', contactEmail: 'dana@acme-learning.example' },
  );
  const ret = tokenOf((await h.cases.vendorMail(caseId, 'return')).link);
  const form = new FormData();
  form.append('category', 'permanent');
  form.append('file', new Blob(['id\n1\n2\n3\n']), 'students.csv');
  await fetch(h.url(`/api/vendor/${ret}/files`), { method: 'POST', body: form });
  await h.as(undefined, 'POST', `/api/vendor/${ret}/submit-return`, {});
  await h.cases.waitForStatus(caseId, 'awaiting_review');
  await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept', reason: 'Accepted as returned' });
  await h.certifyByLink(tokenOf((await h.cases.vendorMail(caseId, 'certify')).link), certification(input));
  const record = await h.cases.waitForStatus(caseId, 'completed');
  return { caseId, packageId: record.returnPackages[0]!.packageId! };
}

beforeAll(async () => {
  h = await HttpHarness.start({ env: { RETENTION: '6s' } });
  ada = await h.login('ada');
  lee = await h.login('lee');
});
afterAll(async () => h?.close());

describe('retention', () => {
  it('destroys a package past its retention, keeps one under legal hold, and destroys it once released', async () => {
    const [free, held] = await Promise.all([completedCase(), completedCase()]);
    expect(
      await h.as(lee, 'POST', `/api/cases/${held.caseId}/legal-hold`, { on: true, reason: 'Litigation hold 2026-41' }),
    ).toMatchObject({ status: 200 });
    expect(await h.cases.storage.getPackage(held.caseId, held.packageId)).toBeDefined();

    await h.cases.waitFor(
      'the free package destroyed',
      async () => (await h.cases.records.getCase(free.caseId))?.state.retention?.destroyedAt,
      30_000,
    );
    expect(await h.cases.storage.getPackage(free.caseId, free.packageId)).toBeUndefined();
    expect((await h.cases.records.getCase(free.caseId))!.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['retention_scheduled', 'package_destroyed_by_retention']),
    );
    expect(
      (await h.accessLog.list({ caseId: free.caseId })).some(
        (e) => e.actor === 'system:retention' && e.action === 'retention destroy return package',
      ),
    ).toBe(true);
    expect((await h.as(ada, 'GET', `/api/cases/${free.caseId}/return-package`)).status).toBe(404);
    // Held after every workflow of the case ended: the record takes it all the same (it is the hold's one owner).
    await h.cases.client.workflow.getHandle(retentionWorkflowId(free.caseId)).result();
    expect(
      await h.as(lee, 'POST', `/api/cases/${free.caseId}/legal-hold`, { on: true, reason: 'Records request 17' }),
    ).toMatchObject({ status: 200 });
    expect((await h.cases.records.getCase(free.caseId))!.state.legalHold).toMatchObject([
      { on: true, reason: 'Records request 17', by: 'user:lee' },
    ]);

    // Past its retention date, the held package is still there.
    const heldRecord = (await h.cases.records.getCase(held.caseId))!;
    await h.cases.waitFor(
      "past the held case's retention",
      () => Date.now() > heldRecord.state.retention!.destroyAt + 1500,
      30_000,
    );
    expect(await h.cases.storage.getPackage(held.caseId, held.packageId)).toBeDefined();
    expect((await h.cases.records.getCase(held.caseId))!.state.retention!.destroyedAt).toBeUndefined();

    const report = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../bin/disposition.js'), 'retention', 'report', '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, DATA_DIR: h.cases.dataDir, TEMPORAL_ADDRESS: inject('temporalAddress') },
      },
    );
    expect(report.status).toBe(0);
    const rows = Object.fromEntries(JSON.parse(report.stdout).packages.map((r: { caseId: string }) => [r.caseId, r]));
    expect(rows[held.caseId]).toMatchObject({ legalHold: true, destroyedAt: null });
    expect(rows[free.caseId]).toMatchObject({ destroyedAt: expect.any(String) });

    expect(
      await h.as(lee, 'POST', `/api/cases/${held.caseId}/legal-hold`, { on: false, reason: 'Litigation settled' }),
    ).toMatchObject({ status: 200 });
    await h.cases.waitFor(
      'the released package destroyed',
      async () => (await h.cases.records.getCase(held.caseId))?.state.retention?.destroyedAt,
      30_000,
    );
    expect(await h.cases.storage.getPackage(held.caseId, held.packageId)).toBeUndefined();
    const holds = (await h.cases.records.getCase(held.caseId))!.state.legalHold.map((hold) => hold.on);
    expect(holds).toEqual([true, false]);
    // The durable timer's workflow ends once the package is gone (its result says when).
    const ended = await h.cases.client.workflow.getHandle(retentionWorkflowId(held.caseId)).result();
    expect(ended.destroyedAt).toBeGreaterThanOrEqual(
      (await h.cases.records.getCase(held.caseId))!.state.retention!.destroyedAt!,
    );
  }, 120_000);

  it("keeps a cancelled case's uploads while the record holds it, and destroys them once released", async () => {
    const input = caseInput();
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    await h.as(
      undefined,
      'POST',
      `/api/vendor/${tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link)}/acknowledge`,
      { contactName: 'Dana', contactEmail: 'dana@acme-learning.example' },
    );
    const ret = tokenOf((await h.cases.vendorMail(caseId, 'return')).link);
    const form = new FormData();
    form.append('category', 'permanent');
    form.append('file', new Blob(['id\n1\n']), 'students.csv');
    expect((await fetch(h.url(`/api/vendor/${ret}/files`), { method: 'POST', body: form })).status).toBe(201);
    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'Subpoena 2026-7' }),
    ).toMatchObject({ status: 200 });
    // The same request again (a double click) is answered as done; the other switch twice is refused.
    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'Subpoena 2026-7' }),
    ).toMatchObject({ status: 200, json: { alreadyDone: true } });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/legal-hold`, { on: true, reason: 'Another' })).toMatchObject({
      status: 409,
    });
    expect(await h.as(ada, 'POST', `/api/cases/${caseId}/cancel`, { reason: 'Contract renewed' })).toMatchObject({
      status: 200,
    });

    const kept = await h.cases.waitFor(
      async () =>
        `the staged files kept; timeline: ${(await h.cases.records.getCase(caseId))?.timeline.map((e) => e.type).join(', ')}`,
      async () => (await h.cases.records.getCase(caseId))?.timeline.find((e) => e.type === 'staged_files_kept'),
      30_000,
    );
    expect(kept.summary).toBe('Staged copies of the uploaded files kept: a legal hold is on');
    expect(await h.cases.storage.listStaged(caseId)).toHaveLength(1);
    const workflow = h.cases.client.workflow.getHandle(`case-${caseId}`);
    expect((await workflow.describe()).status.name).toBe('RUNNING'); // it stays to dispose of them later

    expect(
      await h.as(lee, 'POST', `/api/cases/${caseId}/legal-hold`, { on: false, reason: 'Subpoena withdrawn' }),
    ).toMatchObject({ status: 200 });
    await h.cases.waitFor(
      'the staged files destroyed after the release',
      async () => (await h.cases.records.getCase(caseId))?.timeline.find((e) => e.type === 'staged_files_destroyed'),
      30_000,
    );
    await workflow.result();
    expect(await h.cases.storage.listStaged(caseId)).toEqual([]);
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.legalHold).toMatchObject({
      on: false,
      history: [
        { on: true, reason: 'Subpoena 2026-7' },
        { on: false, reason: 'Subpoena withdrawn' },
      ],
    });
    const types = details.timeline.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'legal_hold_set',
        'case_cancelled',
        'staged_files_kept',
        'legal_hold_released',
        'staged_files_destroyed',
      ]),
    );
    expect(types.indexOf('legal_hold_set')).toBeLessThan(types.indexOf('case_cancelled'));
  }, 120_000);
});
