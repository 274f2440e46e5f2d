// Returned for every student (issue 28, item 2): with a roster attached, the same pass that packages the return
// finds which of the roster's students appear in it, in any category and any of CSV, JSON Lines, JSON and XML,
// by any of their keys. A real worker, Temporal, storage and database; the roster attached through its store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseDetails } from '../client/case-views';
import { readRoster } from '../domain/roster';
import * as messages from '../workflows/messages';
import { CaseHarness } from './support/case-harness';

let h: CaseHarness;
beforeAll(async () => {
  h = await CaseHarness.start();
});
afterAll(async () => h?.close());

const ROSTER = [
  'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
  'U-0001,,2026-08-01,true,s1,student,a,,Amara,Okafor,,100001,,,,,09,',
  'U-0002,,2026-08-01,true,s1,student,b,,美咲,佐藤,,100002,,,,,09,',
  'U-0003,,2026-08-01,true,s1,teacher,c,,Dana,Whitfield,,T-77,,,,,,',
  'U-0004,,2026-08-01,true,s1,student,d,,Yusuf,Al-Hakim,,100004,,,,,10,',
  'U-0005,,2026-08-01,true,s1,student,e,,Noa,Levi,,100005,,,,,10,',
  'U-0006,,2026-08-01,true,s1,student,f,,Ibrahim,Haddad,,100006,,,,,11,',
  'U-0007,,2026-08-01,true,s1,guardian,g,,Rosa,Okafor,,,,,,,,',
].join('\n');

/** A new case, acknowledged by the vendor. */
async function acknowledged(): Promise<string> {
  const caseId = await h.startCase();
  await h.vendorAct((await h.vendorMail(caseId, 'acknowledge', {})).link, messages.acknowledgeNotice, {
    contactName: 'Dana',
    contactEmail: 'privacy@acme-learning.example',
  });
  return caseId;
}

/** The vendor's return of `files` (name: category and content), submitted; answers once it waits for review. */
async function submit(caseId: string, files: Record<string, [category: string, content: string]>): Promise<void> {
  const { link } = await h.vendorMail(caseId, 'return');
  for (const [name, [category, content]] of Object.entries(files)) await h.stage(caseId, category, name, content);
  await h.vendorAct(link, messages.submitReturn, { files: await h.stagedRefs(caseId) });
  await h.waitForStatus(caseId, 'awaiting_review', 120_000);
}

describe('a return packaged against the roster', () => {
  it('counts each student found by any key, in any category and format, once; the rest are missing, exactly', async () => {
    const caseId = await acknowledged();
    const roster = readRoster({ users: ROSTER });
    // As the API, the page and the CLI attach it: the service reads and keeps the file, the case hears the count.
    const attached = await h.service.perform(
      'roster',
      caseId,
      {},
      'user:ada',
      {},
      {
        name: 'users.csv',
        bytes: Buffer.from(ROSTER),
      },
    );
    expect(attached.message).toBe(
      'The roster is attached: 5 students. Each return is checked against it when it is packaged.',
    );
    await submit(caseId, {
      // U-0001 by its sourcedId; 100002 by its identifier, in another case and with spaces; a teacher's key too.
      'students.csv': ['permanent', 'id,name,teacher\nu-0001,Amara,T-77\n" 100002 ",美咲,T-77\n'],
      // 100004 as a number; an object key naming U-0005 is not a value.
      'grades.jsonl': ['electronic', '{"student":100004,"grade":"B"}\n{"U-0005":"not a value"}\n'],
      // U-0006 in an attribute.
      'enrollment.xml': [
        'electronic',
        '<?xml version="1.0"?><enrollments><e student="U-0006" course="Math"/></enrollments>',
      ],
      // A value that only contains a key is not that key.
      'notes.json': ['electronic', '{"notes":["about XU-0005 and 1000055"]}'],
    });
    const record = (await h.records.getCase(caseId))!;
    expect(record.returnPackages.at(-1)!.roster).toEqual({ students: 5, returned: 4, missing: 1 });
    expect(caseDetails(record).roster).toMatchObject({
      format: 'oneroster-1.1',
      students: 5,
      skipped: 2,
      attachedBy: 'user:ada',
      returned: 4,
      missing: 1,
    });
    expect(await h.service.missingStudents(caseId)).toEqual({
      round: 1,
      students: 5,
      returned: 4,
      missing: [{ sourcedId: 'U-0005', identifier: '100005', name: 'Noa Levi' }],
    });
    // A missing student is a shortfall (accepted only with a reason); the timeline says the count, naming nobody.
    expect(record.returnPackages.at(-1)!.shortfalls).toContain(
      'Roster: 1 of the 5 students on it do not appear in the returned data',
    );
    const built = record.state.timeline.find((e) => e.type === 'package_built')!;
    expect(built.summary).toContain(
      '4 of the 5 students on the roster the district shared appear in the returned data.',
    );
    expect(JSON.stringify(record.state)).not.toContain('Levi');
    const match = (await h.rosters.match(caseId))!;
    expect(match).toMatchObject({ round: 1, returned: 4 });
    expect(match.missing.map((i) => roster.students[i]!.sourcedId)).toEqual(['U-0005']);
    const attachedEvent = record.state.timeline.find((e) => e.type === 'roster_attached')!;
    expect(attachedEvent.summary).toBe(
      'Roster attached: 5 students, from a OneRoster 1.1 users.csv (2 teachers, guardians and others skipped)',
    );
  });

  it('says nothing of a roster on a case that has none', async () => {
    const caseId = await acknowledged();
    await submit(caseId, { 'students.csv': ['permanent', 'id,name\nU-0001,Amara\n2,Ben\n3,Chen\n'] });
    const record = (await h.records.getCase(caseId))!;
    expect(record.returnPackages.at(-1)!.roster).toBeUndefined();
    expect(caseDetails(record).roster).toBeNull();
  });
});
