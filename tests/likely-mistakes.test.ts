// Likely mistakes are caught before they cost. Starting a second case for a vendor's contract that already has an
// open one would send the vendor a second notice (a form sent twice, a case someone else started): refused, naming
// the open case, on the API (409 duplicate_case), the page and the CLI, unless the person says to start it all the
// same. A file of 0 bytes is refused (400 empty_file) and staged files stay as they were. Returned data that falls
// short is accepted only with a reason, which the timeline and the statement show.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
});
afterAll(async () => h?.close());

/** How many cases the record holds for a contract. */
async function casesOf(contractId: string): Promise<string[]> {
  const list = await h.as(ada, 'GET', '/api/cases?limit=100');
  return (list.json.cases as { caseId: string; contractId: string }[])
    .filter((c) => c.contractId === contractId)
    .map((c) => c.caseId);
}

describe('a second open case for the same contract', () => {
  it('is refused on the API with 409 duplicate_case naming the open case, and starts with allowDuplicate', async () => {
    const input = caseInput({ contract: { id: 'CT-DUP-API' } });
    const first = await h.as(ada, 'POST', '/api/cases', input);
    expect(first.status).toBe(201);
    const firstId = first.json.caseId as string;

    // The same contract, the vendor's name written differently, and a form sent twice at once: all refused.
    const again = await h.as(ada, 'POST', '/api/cases', {
      ...input,
      vendor: { ...input.vendor, name: ' acme learning inc. ' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'duplicate_case', details: { caseId: firstId } });
    expect(again.json.error.message).toContain(`already has an open case, ${firstId}`);
    expect(again.json.error.message).toContain('"allowDuplicate": true');
    expect(await casesOf('CT-DUP-API')).toEqual([firstId]);

    const anyway = await h.as(ada, 'POST', '/api/cases', { ...input, allowDuplicate: true });
    expect(anyway.status).toBe(201);
    expect(await casesOf('CT-DUP-API')).toHaveLength(2);
    // Each case sent one notice: the refused start sent none.
    await h.cases.vendorMail(anyway.json.caseId, 'acknowledge');
    expect(h.cases.mailsOf(firstId, 'notice')).toHaveLength(1);

    expect(await h.as(ada, 'POST', '/api/cases', { ...input, allowDuplicate: 'yes' })).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_payload', details: [{ field: 'allowDuplicate' }] } },
    });
  });

  it('refuses one of two starts sent at the same moment, before either case reached the record', async () => {
    const input = caseInput({ contract: { id: 'CT-DUP-RACE' } });
    const answers = await Promise.all([1, 2].map(() => h.as(ada, 'POST', '/api/cases', input)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await casesOf('CT-DUP-RACE')).toHaveLength(1);
  });

  it('is not a duplicate for another vendor, nor once the open case was cancelled', async () => {
    const input = caseInput({ contract: { id: 'CT-DUP-OTHER' } });
    const first = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    const otherVendor = await h.as(ada, 'POST', '/api/cases', {
      ...input,
      vendor: { ...input.vendor, name: 'Bright Minds LLC' },
    });
    expect(otherVendor.status).toBe(201);
    await h.cases.waitForStatus(first, 'awaiting_acknowledgement');
    expect((await h.as(ada, 'POST', `/api/cases/${first}/cancel`, { reason: 'started by mistake' })).status).toBe(200);
    expect((await h.as(ada, 'POST', '/api/cases', input)).status).toBe(201);
  });

  it('is refused on the page, which names the open case and offers to start a second all the same', async () => {
    const fields = {
      'contract.id': 'CT-DUP-PAGE',
      'contract.terminationDate': '2026-11-30',
      'contract.agreement': 'ndpa',
      'vendor.name': 'Acme Learning Inc.',
      'vendor.contactEmail': 'privacy@acme-learning.example',
      'service.name': 'Acme Reader',
      'disposition.option': 'return_then_destroy',
      'disposition.extent': 'complete',
      'cat.permanent': 'on',
    };
    const post = (extra: Record<string, string> = {}) =>
      fetch(h.url('/cases/new'), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: ada.csrfToken, ...fields, ...extra }).toString(),
      });
    const first = await post();
    expect(first.status).toBe(303);
    const firstId = /\/cases\/([A-Za-z0-9]+)/.exec(first.headers.get('location')!)![1]!;

    const refused = await post();
    expect(refused.status).toBe(409);
    const page = await refused.text();
    expect(page).toContain('The case was not started');
    expect(page).toContain(`<a href="/cases/${firstId}">Open case ${firstId}</a>`);
    expect(page).toContain('name="allowDuplicate"');
    expect(page).toContain('value="CT-DUP-PAGE"'); // what was typed stays
    expect(page).not.toMatch(/another\.\./);

    const anyway = await post({ allowDuplicate: 'true' });
    expect(anyway.status).toBe(303);
    expect(await casesOf('CT-DUP-PAGE')).toHaveLength(2);
  });

  it('is refused by the CLI with exit 3 and the option that starts it all the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-dup-'));
    const file = path.join(dir, 'case.json');
    fs.writeFileSync(file, JSON.stringify(caseInput({ contract: { id: 'CT-DUP-CLI' } })));
    try {
      const first = await h.cases.cli(['case', 'start', '--file', file]);
      expect(first.status, first.out).toBe(0);
      const again = await h.cases.cli(['case', 'start', '--file', file]);
      expect(again.status, again.out).toBe(3);
      expect(again.stderr).toContain("Acme Learning Inc.'s contract CT-DUP-CLI already has an open case");
      expect(again.stderr).toContain('Run it again with --allow-duplicate');
      const anyway = await h.cases.cli(['case', 'start', '--file', file, '--allow-duplicate']);
      expect(anyway.status, anyway.out).toBe(0);
      expect(await casesOf('CT-DUP-CLI')).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('an empty file', () => {
  let token: string;
  let caseId: string;
  beforeAll(async () => {
    caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId as string;
    const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    token = (await h.cases.vendorMail(caseId, 'return')).link.split('/v/')[1]!;
  });

  const form = (name: string, content: string) => {
    const body = new FormData();
    body.append('category', 'electronic');
    body.append('file', new Blob([content], { type: 'text/csv' }), name);
    return body;
  };

  it('is refused with 400 empty_file naming it, and the files staged before stay', async () => {
    const kept = await fetch(h.url(`/api/vendor/${token}/files`), {
      method: 'POST',
      body: form('grades.csv', 'id\n1\n'),
    });
    expect(kept.status).toBe(201);
    // A CSV of its header alone is a category with no records, and is kept.
    const header = await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form('none.csv', 'id\n') });
    expect(header.status).toBe(201);
    const empty = await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form('export.csv', '') });
    expect(empty.status).toBe(400);
    const refusal = ((await empty.json()) as { error: { code: string; message: string; details: unknown } }).error;
    expect(refusal).toMatchObject({ code: 'empty_file', details: [{ field: 'file' }] });
    expect(refusal.message).toContain('"export.csv" is empty (0 bytes)');
    const staged = (await h.as(undefined, 'GET', `/api/vendor/${token}`)).json.stagedFiles as { name: string }[];
    expect(staged.map((f) => f.name).sort()).toEqual(['grades.csv', 'none.csv']);
  });

  it('is refused on the vendor page with the same words, and the page still lists the staged files', async () => {
    const answer = await fetch(h.url(`/v/${token}/files`), {
      method: 'POST',
      body: form('blank.csv', ''),
      redirect: 'manual',
    });
    expect(answer.status).toBe(400);
    const page = await answer.text();
    expect(page).toContain('The file was not staged: &quot;blank.csv&quot; is empty (0 bytes)');
    expect(page).toContain('grades.csv');
    expect(page).not.toContain('blank.csv</td>');
  });
});

describe('returned data that falls short', () => {
  it('is accepted only with a reason (API, page and CLI), which the timeline and the statement show', async () => {
    const input = caseInput({
      disposition: {
        option: 'return_then_destroy',
        extent: 'complete',
        categories: [{ key: 'permanent', expectedRecords: 3 }, { key: 'electronic' }],
      },
    });
    const caseId = (await h.as(ada, 'POST', '/api/cases', input)).json.caseId as string;
    const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const token = (await h.cases.vendorMail(caseId, 'return')).link.split('/v/')[1]!;
    const body = new FormData();
    body.append('category', 'permanent');
    body.append('file', new Blob(['id,name\n1,Ada\n'], { type: 'text/csv' }), 'students.csv');
    expect((await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body })).status).toBe(201);
    await h.as(undefined, 'POST', `/api/vendor/${token}/submit-return`, {});
    await h.cases.waitForStatus(caseId, 'awaiting_review');

    const bare = await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' });
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toContain(
      'the returned data falls short (Permanent student records: 1 of 3 expected records',
    );
    expect(bare.json.error.message).toContain('say why');

    // The page asks for the reason beside the accept button, and refuses without one.
    const casePage = await (await fetch(h.url(`/cases/${caseId}`), { headers: { cookie: ada.cookie } })).text();
    expect(casePage).toContain('id="accept-reason"');
    const fromPage = await fetch(h.url(`/cases/${caseId}/review`), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: ada.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: ada.csrfToken, decision: 'accept', reason: ' ' }).toString(),
    });
    expect(fromPage.status).toBe(400);
    expect(await fromPage.text()).toContain('falls short');

    const cli = await h.cases.cli(['case', 'review', caseId, '--accept']);
    expect(cli.status, cli.out).toBe(3);
    expect(cli.stderr).toContain('falls short');
    const accepted = await h.cases.cli([
      'case',
      'review',
      caseId,
      '--accept',
      '--reason',
      'The vendor kept no more records of the 2019 cohort.',
    ]);
    expect(accepted.status, accepted.out).toBe(0);

    const details = (await h.as(ada, 'GET', `/api/cases/${caseId}`)).json;
    expect(details.timeline.map((e: { summary: string }) => e.summary)).toContainEqual(
      expect.stringMatching(
        /^Returned data accepted with shortfalls \(package [0-9a-f]{12}…\): The vendor kept no more records/,
      ),
    );
    const certify = (await h.cases.vendorMail(caseId, 'certify')).link.split('/v/')[1]!;
    expect((await h.certifyByLink(certify, certification(input))).status).toBe(200);
    await h.cases.waitForStatus(caseId, 'completed');
    const pdf = await fetch(h.url(`/api/cases/${caseId}/statement`), { headers: { cookie: ada.cookie } });
    const text = popplerText(Buffer.from(await pdf.arrayBuffer())).replace(/\s+/g, ' ');
    expect(text).toContain(
      'and the district accepted it all the same: The vendor kept no more records of the 2019 cohort.',
    );
    expect(text).not.toContain('cohort..');
  }, 120_000);
});
