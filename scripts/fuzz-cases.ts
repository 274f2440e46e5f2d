// The cases `npm run test:fuzz` fuzzes against, brought to their states through the API as a district and a
// vendor would: a case waiting for review, a completed one with its statement, and live vendor links of the
// acknowledge, return and certify tasks, each read from the mail the worker wrote to the outbox.
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { caseInput, certification } from '../tests/support/fixtures';
import { CODE_IN_MAIL } from '../domain/mail';

export interface Session {
  cookie: string;
  csrfToken: string;
}

export interface FuzzCases {
  /** Waiting for the district's review, with a return package to download. */
  reviewCaseId: string;
  completedCaseId: string;
  statementId: string;
  acknowledgeToken: string;
  returnToken: string;
  certifyToken: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An answer's JSON, of which this script reads a few fields. */
type Json = unknown;

/** The text at `path` in an answer, or a failure naming what is missing. */
function textAt(value: Json, ...path: string[]): string {
  let at = value;
  for (const key of path) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  if (typeof at !== 'string') throw new Error(`the answer has no ${path.join('.')}: ${JSON.stringify(value)}`);
  return at;
}

async function call(
  baseUrl: string,
  method: string,
  pathname: string,
  options: { session?: Session; json?: unknown; form?: FormData } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (options.session)
    Object.assign(headers, { cookie: options.session.cookie, 'x-csrf-token': options.session.csrfToken });
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers,
    ...(options.json !== undefined
      ? { body: JSON.stringify(options.json) }
      : options.form
        ? { body: options.form }
        : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

async function expectStatus(
  what: string,
  pending: Promise<{ status: number; body: Json }>,
  status: number,
): Promise<Json> {
  const result = await pending;
  if (result.status !== status)
    throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

export async function waitForHealth(
  baseUrl: string,
  timeoutMs: number,
  givenUp: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (givenUp()) throw new Error(`${baseUrl} stopped before it answered (see .fuzz/stack.log)`);
    try {
      if ((await fetch(`${baseUrl}/api/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl}/api/ready did not answer 200 within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

export async function signIn(baseUrl: string, username: string, password: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in as ${username}: ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrfToken: ((await response.json()) as { csrfToken: string }).csrfToken };
}

/** Reads the outbox's .eml files for the link of a case's vendor task, as a vendor would find it in the mail. */
class Outbox {
  private seen = new Map<string, { caseId: string; links: string[]; code?: string }>();

  constructor(private readonly dir: string) {}

  async link(caseId: string, task: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.read();
      for (const mail of this.seen.values()) {
        if (mail.caseId !== caseId) continue;
        const token = mail.links.find((t) => Outbox.taskOf(t) === task);
        if (token) return token;
      }
      if (Date.now() > deadline)
        throw new Error(`no mail with a ${task} link for case ${caseId} within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  /** The one-time code mailed to a case's certification signatory (docs/architecture.md, "The signatory check"). */
  async signatoryCode(caseId: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.read();
      const code = [...this.seen.values()].find((mail) => mail.caseId === caseId && mail.code)?.code;
      if (code) return code;
      if (Date.now() > deadline) throw new Error(`no signatory's code for case ${caseId} within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  private async read(): Promise<void> {
    const files = fs.existsSync(this.dir) ? fs.readdirSync(this.dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      if (this.seen.has(file)) continue;
      const parsed = await simpleParser(fs.readFileSync(path.join(this.dir, file)));
      const header = parsed.headers.get('x-disposition-case');
      const caseId = typeof header === 'string' ? header : '';
      const links = [...(parsed.text ?? '').matchAll(/https?:\/\/\S+\/v\/([A-Za-z0-9._-]+)/g)].map((m) => m[1]!);
      const code = CODE_IN_MAIL.exec(parsed.text ?? '')?.[1];
      this.seen.set(file, { caseId, links, ...(code ? { code } : {}) });
    }
  }

  /** The task a token is for, from its payload (the server checks the signature; here we only sort mail). */
  private static taskOf(token: string): string | undefined {
    try {
      return (JSON.parse(Buffer.from(token.split('.')[2] ?? '', 'base64url').toString()) as { t?: string }).t;
    } catch {
      return undefined;
    }
  }
}

export async function prepareCases(
  baseUrl: string,
  admin: Session,
  outboxDir: string,
  log: (line: string) => void,
): Promise<FuzzCases> {
  const outbox = new Outbox(outboxDir);
  // Each case names a contract of its own (a second open case for one contract is refused); the same vendor certifies.
  const input = caseInput();
  const vendor = (token: string, action: string, json: unknown) =>
    call(baseUrl, 'POST', `/api/vendor/${token}/${action}`, { json });

  const status = async (caseId: string, wanted: string, timeoutMs = 60_000): Promise<Json> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const details = await expectStatus(
        `case ${caseId}`,
        call(baseUrl, 'GET', `/api/cases/${caseId}`, { session: admin }),
        200,
      );
      const now = textAt(details, 'status');
      if (now === wanted) return details;
      if (Date.now() > deadline)
        throw new Error(`case ${caseId} did not reach ${wanted} within ${timeoutMs / 1000} s (it is ${now})`);
      await sleep(200);
    }
  };
  const start = async (): Promise<string> =>
    textAt(
      await expectStatus(
        'start a case',
        call(baseUrl, 'POST', '/api/cases', { session: admin, json: caseInput() }),
        201,
      ),
      'caseId',
    );
  const acknowledge = async (caseId: string): Promise<void> => {
    const token = await outbox.link(caseId, 'acknowledge');
    await expectStatus(
      'acknowledge',
      vendor(token, 'acknowledge', { contactName: 'Dana Whitfield', contactEmail: 'privacy@acme-learning.example' }),
      200,
    );
  };
  const returnData = async (caseId: string): Promise<void> => {
    const token = await outbox.link(caseId, 'return');
    // Everything the case expects (3 permanent records, a file of electronic ones): nothing falls short, so a
    // generated review that accepts it without a reason is taken.
    for (const [category, name, content] of [
      ['permanent', 'roster.csv', 'student_id,name\n1,Test Student\n2,Another Student\n3,A Third\n'],
      ['electronic', 'notes.csv', 'student_id,note\n1,Reads well\n'],
    ]) {
      const form = new FormData();
      form.append('category', category!);
      form.append('file', new Blob([content!]), name);
      await expectStatus('stage a file', call(baseUrl, 'POST', `/api/vendor/${token}/files`, { form }), 201);
    }
    await expectStatus('submit the return', vendor(token, 'submit-return', {}), 202);
    await status(caseId, 'awaiting_review');
  };
  const accept = async (caseId: string): Promise<string> => {
    await expectStatus(
      'accept the return',
      call(baseUrl, 'POST', `/api/cases/${caseId}/review`, {
        session: admin,
        json: { decision: 'accept', reason: 'A sample return; its shortfalls are known' },
      }),
      200,
    );
    return outbox.link(caseId, 'certify');
  };

  const [acknowledgeCase, returnCase, reviewCase, certifyCase, completedCase] = await Promise.all([
    start(),
    start(),
    start(),
    start(),
    start(),
  ]);
  const [acknowledgeToken, returnToken, , certifyToken, statementId] = await Promise.all([
    outbox.link(acknowledgeCase, 'acknowledge'),
    acknowledge(returnCase).then(() => outbox.link(returnCase, 'return')),
    acknowledge(reviewCase).then(() => returnData(reviewCase)),
    acknowledge(certifyCase)
      .then(() => returnData(certifyCase))
      .then(() => accept(certifyCase)),
    acknowledge(completedCase)
      .then(() => returnData(completedCase))
      .then(() => accept(completedCase))
      .then(async (token) => {
        // The signatory's code first (202), then the certification with it.
        await expectStatus("ask for the signatory's code", vendor(token, 'certify', certification(input)), 202);
        await expectStatus(
          'certify',
          vendor(token, 'certify', {
            ...certification(input),
            verificationCode: await outbox.signatoryCode(completedCase),
          }),
          200,
        );
        return textAt(await status(completedCase, 'completed'), 'statement', 'statementId');
      }),
  ]);
  log(
    `cases ready: review ${reviewCase}, completed ${completedCase} (statement ${statementId}); links for acknowledge, return and certify`,
  );
  return {
    reviewCaseId: reviewCase,
    completedCaseId: completedCase,
    statementId,
    acknowledgeToken,
    returnToken,
    certifyToken,
  };
}
