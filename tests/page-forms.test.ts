// The pages' forms follow Post/Redirect/Get: an action that succeeds answers 303 See Other to a page on this
// server, whose GET names the outcome (a reload reads, it does not send the form again); a refused action
// answers 4xx with the page, the reason and what was typed. Real server, Temporal, SMTP and SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, readableMoment } from '../domain/dates';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let lee: SignedIn;
const tokenOf = (link: string): string => link.split('/v/')[1]!;

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
  lee = await h.login('lee');
});
afterAll(async () => h?.close());

interface Answer {
  status: number;
  location: string | null;
  html: string;
}

/** A form as a browser sends it (the CSRF field from the page), without following the redirect. */
async function submit(
  who: SignedIn | undefined,
  pathname: string,
  fields: Record<string, string>,
  options: { csrf?: boolean } = {},
): Promise<Answer> {
  const body = new URLSearchParams({ ...(who && options.csrf !== false ? { _csrf: who.csrfToken } : {}), ...fields });
  const response = await fetch(h.url(pathname), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(who ? { cookie: who.cookie } : {}) },
    body,
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

async function view(who: SignedIn | undefined, pathname: string): Promise<Answer> {
  const response = await fetch(h.url(pathname), { redirect: 'manual', headers: who ? { cookie: who.cookie } : {} });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

/** 303 to a path on this server; then the GET a browser makes next. */
async function followed(answer: Answer, who: SignedIn | undefined, expected: RegExp): Promise<Answer> {
  expect(answer.status, answer.html.slice(0, 500)).toBe(303);
  const target = new URL(answer.location!, h.baseUrl);
  expect(target.origin).toBe(new URL(h.baseUrl).origin);
  expect(`${target.pathname}${target.search}`).toMatch(expected);
  const page = await view(who, `${target.pathname}${target.search}`);
  expect(page.status).toBe(200);
  return page;
}

const decoded = (html: string): string =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
/** The text of the page's notice (role status or alert), or undefined. */
const notice = (html: string): string | undefined => {
  const match = /<div class="notice[^"]*" role="(?:status|alert)">([\s\S]*?)<\/div>/.exec(html);
  return match ? decoded(match[1]!.replace(/<[^>]+>/g, '')) : undefined;
};

const NEW_CASE = {
  'contract.id': 'CT-PRG-001',
  'contract.terminationDate': '2026-11-30',
  'contract.agreement': 'ndpa',
  'vendor.name': 'Acme Learning Inc.',
  'vendor.contactEmail': 'privacy@acme-learning.example',
  'service.name': 'Acme Reader',
  'disposition.option': 'return_then_destroy',
  'disposition.extent': 'complete',
  'cat.permanent': 'on',
};

describe('staff pages', () => {
  it('the new-case form redirects to the case, which says it started; a refused form keeps the input (400)', async () => {
    const refused = await submit(ada, '/cases/new', { ...NEW_CASE, 'vendor.contactEmail': 'not an address' });
    expect(refused.status).toBe(400);
    expect(notice(refused.html)).toContain('The case was not started');
    expect(refused.html).toContain('value="CT-PRG-001"');
    expect(refused.location).toBeNull();

    const page = await followed(
      await submit(ada, '/cases/new', NEW_CASE),
      ada,
      /^\/cases\/[A-Za-z0-9]{6,32}\?done=started$/,
    );
    expect(notice(page.html)).toBe('Case started; the notice is on its way to the vendor.');
    expect(page.html).toContain('<bdi>Acme Learning Inc.</bdi> · contract <bdi>CT-PRG-001</bdi>');
    // Where the case stands: the status in words, and the lifecycle with its first step current.
    expect(page.html).toContain(
      '<span class="status" data-status="awaiting_acknowledgement">Waiting for the vendor to acknowledge</span>',
    );
    expect(page.html).toMatch(/<li class="step current" aria-current="step"><span class="step-title">Notice<\/span>/);
    expect([...page.html.matchAll(/<li class="step (\w+)"/g)].map((m) => m[1])).toEqual([
      'current',
      'upcoming',
      'upcoming',
      'upcoming',
      'upcoming',
      'upcoming',
    ]);
    const list = await (
      await fetch(h.url('/cases?status=awaiting_acknowledgement'), { headers: { cookie: ada.cookie } })
    ).text();
    expect(list).toContain(
      '<option value="awaiting_acknowledgement" selected>Waiting for the vendor to acknowledge</option>',
    );
    expect(list).not.toMatch(/<td><span class="status"[^>]*>awaiting_/);
  });

  it('extend, resend, hold and cancel answer 303 to the case page naming the outcome; refusals answer 4xx with the reason', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
    const casePath = `/cases/${caseId}`;
    const until = dayOf(Date.now() + 30 * 86_400_000);

    // CSRF checks stay as they were: no token, no action.
    expect(
      (await submit(ada, `${casePath}/extend`, { task: 'acknowledge', until, reason: 'asked' }, { csrf: false }))
        .status,
    ).toBe(403);

    const badDate = await submit(ada, `${casePath}/extend`, {
      task: 'acknowledge',
      until: 'soon',
      reason: 'Vendor asked for time',
    });
    expect(badDate.status).toBe(400);
    expect(notice(badDate.html)).toContain('The new due date must be a date');
    expect(badDate.html).toContain('id="extend-reason" name="reason" value="Vendor asked for time"'); // what was typed stays
    expect(badDate.html).toContain('<p class="error" id="until-error">');
    const extended = await followed(
      await submit(ada, `${casePath}/extend`, { task: 'acknowledge', until, reason: 'Vendor asked for time' }),
      ada,
      new RegExp(`^${casePath}\\?done=extended$`),
    );
    expect(notice(extended.html)).toBe(
      `Due time extended: "Acknowledge the termination notice" is now due ${readableMoment(Date.parse(`${until}T23:59:00Z`))}.`,
    );

    const resent = await followed(
      await submit(ada, `${casePath}/resend-link`, {}),
      ada,
      new RegExp(`^${casePath}\\?done=link-sent$`),
    );
    expect(notice(resent.html)).toContain('is on its way to the vendor; older links no longer work');

    const blank = await submit(lee, `${casePath}/legal-hold`, { on: 'true', reason: '' });
    expect(blank.status).toBe(400);
    expect(notice(blank.html)).toContain('reason');
    const held = await followed(
      await submit(lee, `${casePath}/legal-hold`, { on: 'true', reason: 'Records request' }),
      lee,
      new RegExp(`^${casePath}\\?done=hold-set$`),
    );
    expect(notice(held.html)).toBe("Legal hold set: the case's data is kept until it is released.");
    const twice = await submit(lee, `${casePath}/legal-hold`, { on: 'true', reason: 'Records request again' });
    expect(twice.status).toBe(409);
    expect(notice(twice.html)).toContain('the legal hold is already on');
    expect(twice.html).toContain('value="Records request again"');

    expect((await submit(lee, `${casePath}/cancel`, { reason: 'no' })).status).toBe(403);
    const cancelled = await followed(
      await submit(ada, `${casePath}/cancel`, { reason: 'Contract renewed' }),
      ada,
      new RegExp(`^${casePath}\\?done=cancelled$`),
    );
    expect(notice(cancelled.html)).toBe('Case cancelled.');
    expect(cancelled.html).toContain('<span class="status" data-status="cancelled">Cancelled</span>');
    const again = await submit(ada, `${casePath}/resend-link`, {});
    expect(again.status).toBe(409);
    expect(notice(again.html)).toContain('the case is cancelled');
  });

  it('the case page shows only the outcomes it knows, and never echoes the query', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
    const page = await view(ada, `/cases/${caseId}?done=${encodeURIComponent('<script>alert(1)</script>')}&again=1`);
    expect(page.status).toBe(200);
    expect(notice(page.html)).toBeUndefined();
    expect(page.html).not.toContain('alert(1)');
    expect(notice((await view(ada, `/cases/${caseId}?done=toString`)).html)).toBeUndefined();
  });
});

describe("a return through the vendor's pages and the review on the case page", () => {
  it('answers each successful form with 303, says what was done on the next page, and "already done" on a repeat', async () => {
    const caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
    const ackToken = tokenOf((await h.cases.vendorMail(caseId, 'acknowledge')).link);

    const missing = await submit(undefined, `/v/${ackToken}/acknowledge`, { contactName: 'Dana Whitfield' });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('id="contactName" name="contactName" value="Dana Whitfield"');
    expect(missing.html).toContain('<p class="error" id="contactEmail-error">');
    const ack = { contactName: 'Dana Whitfield', contactEmail: 'dana@acme-learning.example' };
    const acknowledged = await followed(
      await submit(undefined, `/v/${ackToken}/acknowledge`, ack),
      undefined,
      /\?done=acknowledged$/,
    );
    expect(acknowledged.html).toContain('<h1>Notice acknowledged</h1>');
    expect(notice(acknowledged.html)).toBe('Notice acknowledged. The next task is on its way by email.');
    const repeat = await followed(
      await submit(undefined, `/v/${ackToken}/acknowledge`, ack),
      undefined,
      /\?done=acknowledged&again=1$/,
    );
    expect(notice(repeat.html)).toContain('(already done)');
    // An altered link shows no outcome, whatever the query says.
    const last = ackToken.at(-1) === 'A' ? 'B' : 'A';
    expect((await view(undefined, `/v/${ackToken.slice(0, -1)}${last}?done=acknowledged`)).status).toBe(403);

    const returnToken = tokenOf((await h.cases.vendorMail(caseId, 'return')).link);
    // A hand-made outcome on a link whose task is still open shows the task.
    const early = await view(undefined, `/v/${returnToken}?done=returned`);
    expect(early.status).toBe(200);
    expect(early.html).toContain('<h1>Return all student data</h1>');

    // Uploading without JavaScript: a multipart form, answered with 303 to the task page naming the file.
    const form = new FormData();
    form.append('category', 'permanent');
    form.append('file', new Blob([Buffer.from('id,name\n1,Ana\n')]), 'students.csv');
    const uploaded = await fetch(h.url(`/v/${returnToken}/files`), { method: 'POST', redirect: 'manual', body: form });
    const staged = await followed(
      { status: uploaded.status, location: uploaded.headers.get('location'), html: await uploaded.text() },
      undefined,
      /\?staged=[A-Za-z0-9_-]+$/,
    );
    expect(notice(staged.html)).toBe('"students.csv" is staged (14 bytes).');

    await followed(
      await submit(undefined, `/v/${returnToken}/submit-return`, { note: 'All of it.' }),
      undefined,
      /\?done=returned$/,
    ).then((page) => expect(notice(page.html)).toBe('Return received. The district will review it and write to you.'));
    await h.cases.waitForStatus(caseId, 'awaiting_review');

    const casePath = `/cases/${caseId}`;
    const noReason = await submit(ada, `${casePath}/review`, { decision: 'reject' });
    expect(noReason.status).toBe(400);
    expect(notice(noReason.html)).toContain('reason');
    expect((await submit(lee, `${casePath}/review`, { decision: 'accept' })).status).toBe(403);
    // The return falls short of the case's categories: accepting it takes the district's reason.
    const accepted = await followed(
      await submit(ada, `${casePath}/review`, { decision: 'accept', reason: 'Enough for the district' }),
      ada,
      new RegExp(`^${casePath}\\?done=accepted$`),
    );
    expect(notice(accepted.html)).toBe('Return accepted; the vendor is asked to certify destruction.');
    expect(accepted.html).toContain('Accepted by user:ada');
    // A repeat is answered by the workflow with the first result (Temporal may mark it already done).
    const acceptedAgain = await followed(
      await submit(ada, `${casePath}/review`, { decision: 'accept', reason: 'Enough for the district' }),
      ada,
      new RegExp(`^${casePath}\\?done=accepted(&again=1)?$`),
    );
    expect(notice(acceptedAgain.html)).toMatch(
      /^Return accepted; the vendor is asked to certify destruction\.( \(already done\))?$/,
    );
  });
});
