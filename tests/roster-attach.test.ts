// Attaching the roster (issue 28, items 1, 3 and 4) as a district administrator does it: through the API with the
// OneRoster set's ZIP, through the case page's form without JavaScript, refused with the form's words when the file
// cannot be used (the roster attached before stays), and for administrators only.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as messages from '../workflows/messages';
import { harnessForTests } from './support/http-harness';
import { zipOf } from './support/zip-of';

const started = harnessForTests();

const USERS_12 = [
  'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier',
  'p-1,active,2026-08-01,true,noa,,Noa,Levi,,2001,,,,,,,SIS-2001',
  'p-2,active,2026-08-01,true,ib,,Ibrahim,Haddad,,2002,,,,,,,SIS-2002',
  'p-3,active,2026-08-01,true,cd,,Claire,Dubois,,T-1,,,,,,,',
].join('\n');
const ROLES_12 = [
  'sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId,userProfileSourcedId,beginDate,endDate',
  'r-1,active,2026-08-01,p-1,primary,student,school-1,,,',
  'r-2,active,2026-08-01,p-2,primary,student,school-1,,,',
  'r-3,active,2026-08-01,p-3,primary,teacher,school-1,,,',
].join('\n');

async function newCase(): Promise<string> {
  const { h, ada } = started;
  const { caseInput } = await import('./support/fixtures');
  return (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
}

/** The roster sent as the API takes it: multipart/form-data, the file in `file`. */
async function sendRoster(
  caseId: string,
  file: Buffer | string,
  name: string,
  who = started.ada,
): Promise<{ status: number; json: any }> {
  const form = new FormData();
  form.set('file', new Blob([file]), name);
  const response = await fetch(started.h.url(`/api/cases/${caseId}/roster`), {
    method: 'POST',
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken },
    body: form,
  });
  return { status: response.status, json: await response.json() };
}

describe('the roster, attached through the API', () => {
  it("takes a OneRoster 1.2 set's ZIP, and the case says how many students it names", async () => {
    const { h, ada } = started;
    const caseId = await newCase();
    const zip = await zipOf({ 'oneroster/users.csv': USERS_12, 'oneroster/roles.csv': ROLES_12 });
    const attached = await sendRoster(caseId, zip, 'oneroster-2026.zip');
    expect(attached).toMatchObject({
      status: 200,
      json: { message: 'The roster is attached: 2 students. Each return is checked against it when it is packaged.' },
    });
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.roster).toMatchObject({
      format: 'oneroster-1.2',
      students: 2,
      skipped: 1,
      attachedBy: 'user:ada',
      returned: null,
      missing: null,
    });
    // Nothing was packaged against it yet: no missing list to give.
    expect(await h.as(ada, 'GET', `/api/cases/${caseId}/roster/missing`)).toMatchObject({
      status: 404,
      json: {
        error: { message: expect.stringContaining('no return has been packaged since the roster was attached') },
      },
    });

    // A file that is not a roster is refused with the columns it expected, and the roster attached stays.
    const refused = await sendRoster(caseId, 'name,grade\nAna,3\n', 'grades.csv');
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain('nor a CSV with a student_id column; its columns are name, grade');
    const users12Alone = await sendRoster(caseId, USERS_12, 'users.csv');
    expect(users12Alone.json.error.message).toContain('attach the ZIP of the OneRoster set, with roles.csv');
    const empty = await sendRoster(caseId, '', 'users.csv');
    expect(empty).toMatchObject({
      status: 400,
      json: { error: { message: 'Choose the file of the roster (the field "file").' } },
    });
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.roster).toMatchObject({ students: 2 });
  });

  it('is for administrators: legal staff are refused, and so is a request without its CSRF token', async () => {
    const { h } = started;
    const caseId = await newCase();
    const lee = await h.login('lee');
    expect((await sendRoster(caseId, 'student_id\nS-1\n', 'roster.csv', lee)).status).toBe(403);
    const form = new FormData();
    form.set('file', new Blob(['student_id\nS-1\n']), 'roster.csv');
    const noToken = await fetch(h.url(`/api/cases/${caseId}/roster`), {
      method: 'POST',
      headers: { cookie: started.ada.cookie },
      body: form,
    });
    expect(noToken.status).toBe(403);
    expect((await h.as(started.ada, 'GET', `/api/cases/${caseId}`)).json.roster).toBeNull();
  });
});

describe('the roster, attached from the CLI', () => {
  it('takes the file after the case id or as --file, and says what is missing without it', async () => {
    const { h, ada } = started;
    const caseId = await newCase();
    const file = path.join(h.cases.dataDir, 'users.csv');
    fs.copyFileSync('examples/roster/users.csv', file);
    const bare = await h.cases.cli(['case', 'roster', caseId]);
    expect(bare.status).not.toBe(0);
    expect(bare.out).toContain('give the file of the roster: ID FILE, or --file FILE');
    const done = await h.cases.cli(['case', 'roster', caseId, '--file', file]);
    expect(done.out).toContain('The roster is attached: 1,202 students.');
    expect(done.status).toBe(0);
    // As the district's runbook may spell it: the file after the case id.
    const again = await h.cases.cli(['case', 'roster', caseId, file]);
    expect(again.out).toContain('The roster is attached: 1,202 students.');
    expect(again.status).toBe(0);
    expect((await h.as(ada, 'GET', `/api/cases/${caseId}`)).json.roster).toMatchObject({
      format: 'oneroster-1.1',
      students: 1202,
      skipped: 24,
      attachedBy: expect.stringMatching(/^cli:/),
    });
  });
});

describe('the roster, attached on the case page', () => {
  it('is a form with a file field that works without JavaScript, answered on the case page', async () => {
    const { h, ada } = started;
    const caseId = await newCase();
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain(`<form method="post" action="/cases/${caseId}/roster" enctype="multipart/form-data">`);
    expect(page).toContain('<label for="roster-file">Roster of the students shared with the vendor</label>');

    const form = new FormData();
    form.set('_csrf', ada.csrfToken);
    form.set(
      'file',
      new Blob(['student_id,first_name,last_name\nS-1,Ana,Silva\nS-2,Ben,Ode\nS-3,Chen,Li\n']),
      'roster.csv',
    );
    const posted = await fetch(h.url(`/cases/${caseId}/roster`), {
      method: 'POST',
      headers: { cookie: ada.cookie },
      body: form,
      redirect: 'manual',
    });
    expect(posted.status).toBe(303);
    const after = await (
      await fetch(h.url(posted.headers.get('location')!), { headers: { cookie: ada.cookie } })
    ).text();
    expect(after).toContain('The roster is attached: 3 students.');
    expect(after).toContain('Replace the roster (now 3 students)');

    // A file that cannot be used: the case page again, with the reason, and a 400.
    const bad = new FormData();
    bad.set('_csrf', ada.csrfToken);
    bad.set('file', new Blob(['teacher_id\nT-1\n']), 'staff.csv');
    const refused = await fetch(h.url(`/cases/${caseId}/roster`), {
      method: 'POST',
      headers: { cookie: ada.cookie },
      body: bad,
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('The roster was not attached: the file is neither a OneRoster users.csv');
  });
});

/**
 * A case in review: by default with the OneRoster 1.2 set attached and a return that names Noa (by
 * userMasterIdentifier) and not Ibrahim; or with no roster and the return given.
 */
async function caseInReview(
  options: { roster: boolean; students: string } = {
    roster: true,
    students: 'id,name\nSIS-2001,Noa\nX-9,Someone\nX-10,Else\n',
  },
): Promise<string> {
  const { h } = started;
  const caseId = await newCase();
  if (options.roster) {
    const zip = await zipOf({ 'users.csv': USERS_12, 'roles.csv': ROLES_12 });
    expect((await sendRoster(caseId, zip, 'oneroster.zip')).status).toBe(200);
  }
  await h.cases.vendorAct((await h.cases.vendorMail(caseId, 'acknowledge', {})).link, messages.acknowledgeNotice, {
    contactName: 'Dana',
    contactEmail: 'privacy@acme-learning.example',
  });
  const { link } = await h.cases.vendorMail(caseId, 'return');
  await h.cases.stage(caseId, 'permanent', 'students.csv', options.students);
  await h.cases.vendorAct(link, messages.submitReturn, { files: await h.cases.stagedRefs(caseId) });
  await h.cases.waitForStatus(caseId, 'awaiting_review', 120_000);
  return caseId;
}

describe('the review of a return against the roster', () => {
  it('shows administrators the coverage and the missing students, as a list and a CSV, each read logged', async () => {
    const { h, ada } = started;
    const caseId = await caseInReview();

    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain('1 of the 2 students on the roster the district shared appear in the returned data.');
    expect(page).toContain('The 1 student of the roster missing from the returned data');
    expect(page).toContain('<bdi>Ibrahim Haddad</bdi>');
    expect(page).toContain(`href="/api/cases/${caseId}/roster/missing?format=csv"`);
    expect(page).toContain('Roster: 1 of the 2 students on it do not appear in the returned data');
    const lee = await h.login('lee');
    const legalPage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: lee.cookie } })).text();
    expect(legalPage).toContain('1 of the 2 students on the roster');
    expect(legalPage).not.toContain('Ibrahim');

    expect((await h.as(ada, 'GET', `/api/cases/${caseId}/roster/missing`)).json).toEqual({
      caseId,
      round: 1,
      students: 2,
      returned: 1,
      missing: [{ sourcedId: 'p-2', identifier: '2002' }],
    });
    const csv = await fetch(h.url(`/api/cases/${caseId}/roster/missing?format=csv`), {
      headers: { cookie: ada.cookie },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(await csv.text()).toBe(
      'sourcedId,identifier,userMasterIdentifier,name\r\np-2,2002,SIS-2002,Ibrahim Haddad\r\n',
    );
    expect((await h.as(lee, 'GET', `/api/cases/${caseId}/roster/missing`)).status).toBe(403);
    // Each read is logged once its answer is sent.
    const reads = await h.cases.waitFor('the three reads in the access log', async () => {
      const entries = (await h.cases.stores.accessLog.list({ caseId })).filter((e) =>
        e.action.includes('roster/missing'),
      );
      return entries.length >= 3 && entries;
    });
    expect(reads.map((e) => [e.actor, e.outcome.split(' ')[0]])).toEqual([
      ['user:ada', 'ok'],
      ['user:ada', 'ok'],
      ['user:lee', 'refused'],
    ]);
  });

  it("lists the missing students' identifiers for the vendor when the district rejects the return and asks to", async () => {
    const { h, ada } = started;
    const caseId = await caseInReview();
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).toContain(
      '<input type="checkbox" name="listMissing" value="true"> Send the vendor the identifiers of the 1 student of the roster missing',
    );
    // Only a rejection lists them.
    expect(
      await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept', reason: 'fine', listMissing: true }),
    ).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('only a rejection lists') } } });
    const rejected = await h.as(ada, 'POST', `/api/cases/${caseId}/review`, {
      decision: 'reject',
      reason: 'A student of the roster is missing.',
      listMissing: true,
    });
    expect(rejected).toMatchObject({ status: 200, json: { status: 'awaiting_return' } });
    const { mail } = await h.cases.vendorMail(caseId, 'return', { gen: 2, kind: 'rejection' });
    expect(mail.attachments).toEqual([
      expect.objectContaining({ filename: 'missing-students.csv', contentType: 'text/csv' }),
    ]);
    expect(mail.attachments[0]!.content.toString()).toBe('sourcedId,identifier\r\np-2,2002\r\n');
    expect(mail.text).toContain("1 student of the district's roster does not appear in the data you returned.");
    expect(mail.text).toContain('p-2 (identifier 2002)');
    // Identifiers only: the vendor is not sent the roster's names, nor the students it returned.
    for (const clear of ['Ibrahim', 'Haddad', 'SIS-2002', 'p-1', 'Noa']) {
      expect(mail.text, clear).not.toContain(clear);
      expect(mail.html, clear).not.toContain(clear);
    }
    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.timeline.map((e: { summary: string }) => e.summary)).toContain(
      'Returned data rejected: A student of the roster is missing. (the identifiers of the 1 missing student of the roster sent to the vendor)',
    );
    const read = await h.cases.waitFor('the roster read for the message in the access log', async () =>
      (await h.cases.stores.accessLog.list({ caseId })).find((e) => e.actor === 'system:mail'),
    );
    expect(read).toMatchObject({
      action: "read the roster's missing students (1) for the vendor's rejection message",
      outcome: 'ok',
    });
  });

  it('refuses to list missing students when none is missing', async () => {
    const { h, ada } = started;
    const caseId = await caseInReview({ roster: false, students: 'id\n1\n' });
    const page = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(page).not.toContain('name="listMissing"');
    expect(
      await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'reject', reason: 'x', listMissing: true }),
    ).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('no student of the roster is missing from this return') } },
    });
    const out = await h.cases.cli(['case', 'review', caseId, '--reject', '--reason', 'Incomplete', '--list-missing']);
    expect(out.status).not.toBe(0);
    expect(out.out).toContain('no student of the roster is missing from this return');
  });
});
