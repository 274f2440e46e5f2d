// The other roads through Section III: destroy_only, a rejected return, cancellation, backups rolling off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../domain/dates';
import * as messages from '../workflows/messages';
import { ADMIN_EMAIL, CaseHarness } from './support/case-harness';
import { caseInput, certification } from './support/fixtures';

let h: CaseHarness;
beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

describe('destroy_only', () => {
  it('goes from acknowledgement straight to certification and a statement without a return section', async () => {
    const input = caseInput({
      disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
      trackingMechanisms: [],
    });
    const caseId = await h.startCase(input);
    const { mail, link } = await h.vendorMail(caseId, 'acknowledge');
    expect(mail.text).toContain('no return is requested');
    const ack = await h.vendorAct(link, messages.acknowledgeNotice, {
      contactName: 'Dana Whitfield',
      contactEmail: 'privacy@acme-learning.example',
    });
    expect(ack.status).toBe('awaiting_certification');
    const { link: certifyLink } = await h.vendorMail(caseId, 'certify');
    const cert = certification(input);
    expect(cert.tracking.noneInUse).toBe(true);
    await h.vendorAct(certifyLink, messages.certify, { certification: cert });
    const record = await h.waitForStatus(caseId, 'completed');
    expect(record.returnPackages).toEqual([]);
    expect(record.state.tasks.map((t) => t.kind)).toEqual(['acknowledge', 'certify']);
    expect(record.state.statement?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a rejected return', () => {
  it('goes back to the vendor with the reason and a new link, keeps the staged files, destroys the rejected package, then completes', async () => {
    const input = caseInput();
    const caseId = await h.startCase(input);
    await h.vendorAct((await h.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    const first = await h.vendorMail(caseId, 'return', { gen: 1 });
    await h.stage(caseId, 'permanent', 'students.csv', 'id,name\n1,Ana\n');
    await h.vendorAct(first.link, messages.submitReturn, { files: await h.stagedRefs(caseId) });
    const reviewing = await h.waitForStatus(caseId, 'awaiting_review');
    expect(reviewing.returnPackages[0]!.shortfalls).toEqual(
      expect.arrayContaining([
        expect.stringContaining('1 of 3 expected records'),
        expect.stringContaining('no file returned'),
      ]),
    );
    const firstPackage = reviewing.returnPackages[0]!.packageId!;

    await expect(h.service.perform('review', caseId, { decision: 'reject' }, 'test:admin')).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('reason'),
    });
    const rejected = await h.service.perform(
      'review',
      caseId,
      { decision: 'reject', reason: 'Only 1 of 3 permanent records, and no electronic records.' },
      'test:admin',
    );
    expect(rejected.status).toBe('awaiting_return');

    const second = await h.vendorMail(caseId, 'return', { gen: 2, kind: 'rejection' });
    expect(second.mail.text).toContain('Only 1 of 3 permanent records');
    // The first return link did its work: using it again repeats the first answer and submits nothing new.
    const repeat = await h.vendorAct(first.link, messages.submitReturn, { files: await h.stagedRefs(caseId) });
    expect(repeat).toMatchObject({ alreadyDone: true, status: 'packaging' });
    expect((await h.records.getCase(caseId))?.status).toBe('awaiting_return');
    expect((await h.records.getCase(caseId))?.returnPackages).toHaveLength(1);
    expect(await h.service.checkLink(first.link)).toMatchObject({ valid: false, reason: 'superseded' });
    await h.waitFor('rejected package destroyed', async () =>
      (await h.records.getCase(caseId))?.timeline.some((e) => e.type === 'package_destroyed'),
    );
    expect(await h.storage.getPackage(caseId, firstPackage)).toBeUndefined();
    expect((await h.storage.listStaged(caseId)).map((f) => f.name)).toEqual(['students.csv']);

    await h.storage.removeStaged(caseId, (await h.storage.listStaged(caseId))[0]!.fileId);
    await h.stage(caseId, 'permanent', 'students.csv', 'id,name\n1,Ana\n2,Ben\n3,Chen\n');
    await h.stage(caseId, 'electronic', 'events.ndjson', '{"a":1}\n');
    await h.vendorAct(second.link, messages.submitReturn, { files: await h.stagedRefs(caseId) });
    const again = await h.waitForStatus(caseId, 'awaiting_review');
    expect(again.returnPackages).toHaveLength(2);
    expect(again.returnPackages[1]!.shortfalls).toEqual([]);
    await h.service.perform('review', caseId, { decision: 'accept' }, 'test:admin');
    await h.vendorAct((await h.vendorMail(caseId, 'certify')).link, messages.certify, {
      certification: certification(input),
    });
    const done = await h.waitForStatus(caseId, 'completed');
    expect(done.timeline.filter((e) => e.type === 'return_rejected')).toHaveLength(1);
  });
});

describe('cancellation', () => {
  it('stops the case at any status before completed, destroys staged data and tells the vendor', async () => {
    const caseId = await h.startCase();
    await h.vendorAct((await h.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    const { link } = await h.vendorMail(caseId, 'return');
    await h.stage(caseId, 'permanent', 'students.csv', 'id\n1\n');
    await expect(h.service.perform('cancel', caseId, { reason: ' ' }, 'test:admin')).rejects.toMatchObject({
      code: 'invalid_payload',
    });
    const cancelled = await h.service.perform(
      'cancel',
      caseId,
      { reason: 'Contract renewed after all.' },
      'test:admin',
    );
    expect(cancelled.status).toBe('cancelled');
    const vendorMail = await h.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'cancellation' &&
        m.to.includes('privacy@acme-learning.example'),
    );
    expect(vendorMail.text).toContain('Contract renewed after all.');
    await h.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'cancellation' &&
        m.to.includes(ADMIN_EMAIL),
    );
    await h.waitFor('staged files destroyed', async () =>
      (await h.records.getCase(caseId))?.timeline.some((e) => e.type === 'staged_files_destroyed'),
    );
    expect(await h.storage.listStaged(caseId)).toEqual([]);
    expect(await h.service.checkLink(link)).toMatchObject({ valid: false, reason: 'case_closed' });
    await expect(
      h.vendorAct(link, messages.submitReturn, {
        files: [{ fileId: 'abcdefgh12', category: 'permanent', name: 'x.csv', bytes: 1, sha256: '0'.repeat(64) }],
      }),
    ).rejects.toMatchObject({ code: 'wrong_state' });
    await expect(h.service.perform('cancel', caseId, { reason: 'again' }, 'test:admin')).rejects.toMatchObject({
      code: 'wrong_state',
    });
    const outcome = await h.service.handle(caseId).result();
    expect(outcome).toEqual({ caseId, status: 'cancelled' });
  });
});

describe('backups rolling off', () => {
  it('waits for the roll-off date, then asks the vendor to confirm before the statement', async () => {
    const input = caseInput({
      disposition: { option: 'destroy_only', extent: 'partial', categories: [{ key: 'special_education' }] },
    });
    const caseId = await h.startCase(input);
    await h.vendorAct((await h.vendorMail(caseId, 'acknowledge')).link, messages.acknowledgeNotice, {
      contactName: 'Dana',
      contactEmail: 'privacy@acme-learning.example',
    });
    const today = dayOf(Date.now());
    const cert = certification(input, { backups: { destroyed: false, rollOffDate: today } });
    const answer = await h.vendorAct((await h.vendorMail(caseId, 'certify')).link, messages.certify, {
      certification: cert,
    });
    expect(answer.status).toBe('awaiting_backup_rolloff');
    const { link, mail } = await h.vendorMail(caseId, 'confirm_backup_rolloff');
    expect(mail.text).toContain(`roll off on ${today}`);
    const yesterday = dayOf(Date.now() - 86_400_000);
    await expect(
      h.vendorAct(link, messages.confirmBackupRolloff, { confirmedOn: yesterday, attestation: true }),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringContaining('must not be before the roll-off date'),
    });
    await expect(
      h.vendorAct(link, messages.confirmBackupRolloff, { confirmedOn: today, attestation: false }),
    ).rejects.toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('The statement you make') });
    await h.vendorAct(link, messages.confirmBackupRolloff, { confirmedOn: today, attestation: true });
    const record = await h.waitForStatus(caseId, 'completed');
    expect(record.state.backupRolloff?.confirmedOn).toBe(today);
    expect(record.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining(['destruction_certified', 'backups_rolled_off', 'statement_issued']),
    );
  });
});
