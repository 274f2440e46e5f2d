// The signatory check (issue 11, item 5): holding the certification link is not enough to certify in someone's
// name. The first POST emails a 6-digit code to the signatory and answers 202; only the same POST with that code
// certifies. Wrong, expired and voided codes are refused by field, each an intrusion event, and the case keeps
// waiting with nothing recorded; the statement says the address was verified, when, and from where.
import { describe, expect, it } from 'vitest';
import { popplerText } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { harnessForTests, signatoryCodeIn } from './support/http-harness';

const SIGNATORY = 'morgan.reyes@acme-learning.example';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) SignatoryTest/1.0';

const started = harnessForTests({ env: { TRUST_PROXY: '1', INTRUSION_BURST: '1000' } });
const destroyOnly = (id: string) =>
  caseInput({
    contract: { id },
    disposition: { option: 'destroy_only', extent: 'complete', categories: [{ key: 'electronic' }] },
    trackingMechanisms: [],
  });

/** A case waiting for its certification, and its certify token. */
async function atCertify(
  contractId: string,
): Promise<{ caseId: string; token: string; body: ReturnType<typeof certification> }> {
  const input = destroyOnly(contractId);
  return { ...(await started.h.caseAtCertify(started.ada, input)), body: certification(input) };
}

/** A certify POST from a given address and browser. */
async function post(token: string, body: unknown, ip = '203.0.113.7'): Promise<{ status: number; json: any }> {
  const response = await fetch(started.h.url(`/api/vendor/${token}/certify`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'user-agent': BROWSER },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** The intrusion events from `ip` since `since`, once `count` are in: each is recorded after its answer went out. */
async function intrusionsFrom(ip: string, since: number, count: number) {
  await started.h.cases.waitFor(
    `${count} intrusion events from ${ip}`,
    async () => (await started.h.accessLog.intrusions({ ip, from: since })).length >= count,
  );
  return started.h.accessLog.intrusions({ ip, from: since });
}

const codeMails = (caseId: string) =>
  started.h.cases.smtp.mails.filter(
    (m) => m.headers.get('x-disposition-case') === caseId && m.headers.get('x-disposition-mail') === 'signatory_code',
  );

describe('the signatory check', () => {
  it('emails a code and certifies nothing until the same POST carries it; the statement says who verified, when and from where', async () => {
    const { caseId, token, body } = await atCertify('CT-OTP-1');
    const first = await post(token, body);
    expect(first).toMatchObject({
      status: 202,
      json: {
        status: 'verification_sent',
        message: expect.stringContaining(`We emailed a 6-digit code to ${SIGNATORY}`),
      },
    });
    const mail = await started.h.cases.smtp.waitFor((m) => codeMails(caseId).includes(m), 30_000, 'the code mail');
    expect(mail.to).toEqual([SIGNATORY]);
    expect(mail.subject).toBe('Your code to sign the destruction certification for Riverside Unified School District');
    expect(mail.subject).not.toMatch(/\d{6}/);
    const code = signatoryCodeIn(mail.text);
    expect(mail.text).toContain(`case ${caseId}, contract CT-OTP-1`);
    expect(mail.html).toContain(code);
    let record = await started.h.cases.records.getCase(caseId);
    expect(record?.status).toBe('awaiting_certification');
    expect(record?.state.certification).toBeUndefined();

    // Sent again without the code: the 202 again, never a certification, and no second mail within a minute.
    expect(await post(token, body)).toMatchObject({
      status: 202,
      json: { status: 'verification_sent', message: expect.stringContaining(`A code was emailed to ${SIGNATORY}`) },
    });
    expect(codeMails(caseId)).toHaveLength(1);
    // A code in the wrong shape is refused by field before anything else.
    expect(await post(token, { ...body, verificationCode: '12ab' })).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'verificationCode' }] } },
    });

    const done = await post(token, { ...body, verificationCode: code });
    expect(done).toMatchObject({ status: 200, json: { status: 'generating_statement' } });
    record = await started.h.cases.waitForStatus(caseId, 'completed');
    // Sent again once the case completed (its answer lost on the way, say): the first result, not a refusal.
    expect(await post(token, { ...body, verificationCode: code })).toMatchObject({
      status: 200,
      json: { status: 'generating_statement', alreadyDone: true },
    });
    expect(record.state.certification?.signatoryCheck).toMatchObject({
      email: SIGNATORY,
      ip: '203.0.113.7',
      userAgent: BROWSER,
    });
    // Nowhere in the access log or the intrusion events is the code written.
    const log = JSON.stringify(await started.h.accessLog.list({ caseId }));
    expect(log).toContain('POST /api/vendor/:token/certify');
    expect(log).not.toContain(code);
    expect(JSON.stringify(await started.h.accessLog.intrusions({}))).not.toContain(code);

    const pdf = await started.h.cases.storage.readStatement(record.state.statement!.statementId);
    const text = popplerText(pdf!).replace(/\s+/g, ' ');
    expect(text).toContain(`${SIGNATORY}: a one-time code sent to it was entered on`);
    expect(text).toContain(`the certification was made from 203.0.113.7 (${BROWSER})`);
    // The case page shows it too.
    const page = await (
      await fetch(started.h.url(`/cases/${caseId}`), { headers: { cookie: started.ada.cookie } })
    ).text();
    expect(page).toContain('verified by a one-time code on');
  });

  it('refuses a wrong code with the tries left and an intrusion event, voids the code after five, and takes a new one', async () => {
    const { caseId, token, body } = await atCertify('CT-OTP-2');
    expect((await post(token, body)).status).toBe(202);
    const code = signatoryCodeIn(
      (await started.h.cases.smtp.waitFor((m) => codeMails(caseId).length === 1 && codeMails(caseId).includes(m))).text,
    );
    const wrong = code === '000000' ? '111111' : '000000';
    const since = Date.now();
    const refused = await post(token, { ...body, verificationCode: wrong }, '198.51.100.99');
    expect(refused).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'invalid_payload',
          details: [
            {
              field: 'verificationCode',
              message: `The code emailed to the signatory: this is not the code sent to ${SIGNATORY} (4 tries left).`,
            },
          ],
        },
      },
    });
    const events = await intrusionsFrom('198.51.100.99', since, 1);
    expect(events.map((e) => e.kind)).toEqual(['wrong_signatory_code']);
    expect(events[0]!.reason).toContain('this is not the code');
    expect((await started.h.cases.records.getCase(caseId))?.state.certification).toBeUndefined();

    for (const left of [3, 2, 1])
      expect((await post(token, { ...body, verificationCode: wrong }, '198.51.100.99')).json.error.message).toContain(
        `(${left} ${left === 1 ? 'try' : 'tries'} left)`,
      );
    expect((await post(token, { ...body, verificationCode: wrong }, '198.51.100.99')).json.error.message).toContain(
      'that was the last try: the code no longer works',
    );
    // Even the right code is refused now; the case still waits, nothing recorded.
    expect((await post(token, { ...body, verificationCode: code })).json.error.message).toContain(
      `too many wrong codes: the code sent to ${SIGNATORY} no longer works`,
    );
    expect((await intrusionsFrom('198.51.100.99', since, 5)).length).toBe(5);
    expect((await started.h.cases.records.getCase(caseId))?.status).toBe('awaiting_certification');

    // A new POST without a code sends a new one, which certifies.
    expect((await post(token, body)).status).toBe(202);
    const fresh = signatoryCodeIn(
      (await started.h.cases.smtp.waitFor((m) => codeMails(caseId).length === 2 && codeMails(caseId).at(-1) === m))
        .text,
    );
    expect(await post(token, { ...body, verificationCode: fresh })).toMatchObject({ status: 200 });
  });

  it('refuses an expired code, and a code when none was sent, each as an intrusion', async () => {
    const { caseId, token, body } = await atCertify('CT-OTP-3');
    const since = Date.now();
    const unsent = await post(token, { ...body, verificationCode: '123456' }, '198.51.100.98');
    expect(unsent).toMatchObject({
      status: 400,
      json: {
        error: {
          details: [
            {
              field: 'verificationCode',
              message: expect.stringContaining(`no code was sent to ${SIGNATORY} for this task`),
            },
          ],
        },
      },
    });
    expect((await post(token, body)).status).toBe(202);
    const code = signatoryCodeIn((await started.h.cases.smtp.waitFor((m) => codeMails(caseId).includes(m))).text);
    // Fifteen minutes later (the clock moved by rewriting the code's expiry in the shared database).
    await started.h.cases.stores.database.run('UPDATE signatory_codes SET expires_at = ? WHERE task_key LIKE ?', [
      Date.now() - 1000,
      `${caseId}/%`,
    ]);
    const expired = await post(token, { ...body, verificationCode: code }, '198.51.100.98');
    expect(expired).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'verificationCode', message: expect.stringContaining('expired') }] } },
    });
    expect((await intrusionsFrom('198.51.100.98', since, 2)).map((e) => e.kind)).toEqual([
      'wrong_signatory_code',
      'wrong_signatory_code',
    ]);
    expect((await started.h.cases.records.getCase(caseId))?.state.certification).toBeUndefined();
  });

  it("keys the code to the task and the address: a code for one signatory does not certify another's name", async () => {
    const { caseId, token, body } = await atCertify('CT-OTP-4');
    expect((await post(token, body)).status).toBe(202);
    const code = signatoryCodeIn((await started.h.cases.smtp.waitFor((m) => codeMails(caseId).includes(m))).text);
    const otherName = {
      ...body,
      destruction: { ...body.destruction, signatoryEmail: 'someone.else@acme-learning.example' },
      verificationCode: code,
    };
    expect(await post(token, otherName)).toMatchObject({
      status: 400,
      json: { error: { details: [{ field: 'verificationCode' }] } },
    });
    expect((await started.h.cases.records.getCase(caseId))?.state.certification).toBeUndefined();
  });

  it('issue 26 item 1: mails at most 3 codes an hour for a task and 10 unused ones to an address (429, Retry-After); 12 tries a day, then the task waits for a new link', async () => {
    const bounded = async (token: string, body: unknown) => {
      const response = await fetch(started.h.url(`/api/vendor/${token}/certify`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50', 'user-agent': BROWSER },
        body: JSON.stringify(body),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), json: await response.json() };
    };
    const address = 'bounded.signatory@acme-learning.example';
    const first = await atCertify('CT-OTP-BOUND-1');
    const body = { ...first.body, destruction: { ...first.body.destruction, signatoryEmail: address } };
    // Three codes, each left to expire (the clock moved as above): a fourth within the hour is refused.
    const expire = (caseId: string) =>
      started.h.cases.stores.database.run('UPDATE signatory_codes SET expires_at = ? WHERE task_key LIKE ?', [
        Date.now() - 1000,
        `${caseId}/%`,
      ]);
    for (let round = 1; round <= 3; round += 1) {
      expect((await bounded(first.token, body)).status).toBe(202);
      await expire(first.caseId);
    }
    const fourth = await bounded(first.token, body);
    expect(fourth).toMatchObject({
      status: 429,
      json: {
        error: {
          code: 'rate_limited',
          message: expect.stringContaining('At most 3 codes are emailed for one task in an hour'),
        },
      },
    });
    expect(Number(fourth.retryAfter)).toBeGreaterThan(0);
    expect(codeMails(first.caseId).length).toBe(3);

    // Twelve tries a day are judged, whichever code they are for; the 13th is not: the task waits for a new link.
    for (let i = 0; i < 12; i += 1)
      expect((await bounded(first.token, { ...body, verificationCode: '999999' })).status).toBe(400);
    const past = await bounded(first.token, { ...body, verificationCode: '999999' });
    expect(past).toMatchObject({
      status: 429,
      json: { error: { message: expect.stringContaining('Ask the district to email you a new link') } },
    });
    expect(Number(past.retryAfter)).toBeGreaterThan(3600);
    expect((await started.h.cases.records.getCase(first.caseId))?.status).toBe('awaiting_certification');

    // To one address, 10 unused codes an hour whatever the task: three more tasks bring it to 10 (3 + 3 + 3 + 1
    // with the first), and the next task's first code is refused. A code that certifies is given back.
    const withAddress = (at: Awaited<ReturnType<typeof atCertify>>) => ({
      ...at.body,
      destruction: { ...at.body.destruction, signatoryEmail: address },
    });
    for (const [n, codes] of [
      [2, 3],
      [3, 3],
      [4, 1],
    ] as const) {
      const more = await atCertify(`CT-OTP-BOUND-${n}`);
      for (let i = 0; i < codes; i += 1) {
        expect((await bounded(more.token, withAddress(more))).status).toBe(202);
        await expire(more.caseId);
      }
    }
    const second = await atCertify('CT-OTP-BOUND-5');
    expect(await bounded(second.token, withAddress(second))).toMatchObject({
      status: 429,
      json: { error: { message: expect.stringContaining('At most 10 codes are emailed to one address in an hour') } },
    });
    expect(codeMails(second.caseId).length).toBe(0);
  });
});
