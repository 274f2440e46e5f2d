// The HTTP server on top of a CaseHarness, with an administrator and a legal user, reached with fetch.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CaseService } from '../../client/case-service';
import { buildHttpServer } from '../../server/http-server';
import type { ServerDeps } from '../../server/server-context';
import type { AccessLog } from '../../infra/database/access-log';
import type { UserStore } from '../../infra/database/user-store';
import { createMailTransport } from '../../infra/mail/mail-transport';
import { hashPassword } from '../../infra/keys/passwords';
import { CaseHarness, type HarnessOptions } from './case-harness';
import { signIn, type SignedIn } from './sign-in';
import { linkClaims, signatoryCodeIn } from './smtp-receiver';

export const PASSWORD = 'a long enough passphrase';

export { signatoryCodeIn } from './smtp-receiver';

export type { SignedIn } from './sign-in';

export class HttpHarness {
  private constructor(
    readonly cases: CaseHarness,
    readonly app: FastifyInstance,
    readonly baseUrl: string,
    readonly deps: ServerDeps,
  ) {}

  get users(): UserStore {
    return this.cases.stores.users;
  }

  get accessLog(): AccessLog {
    return this.cases.stores.accessLog;
  }

  static async start(
    options: HarnessOptions & {
      actionTimeoutMs?: number;
      logStream?: NodeJS.WritableStream;
      /** A port chosen before (its PUBLIC_URL given to a test's identity provider); else any free one. */
      port?: number;
    } = {},
  ): Promise<HttpHarness> {
    let cases: CaseHarness | undefined;
    // The worker mails admin and legal users with an email, and prints the access log's head, as worker/main.ts wires it.
    const emailsOf = (role: string) => async () =>
      (await cases!.stores.users.listUsers()).filter((u) => u.role === role && u.email).map((u) => u.email!);
    cases = await CaseHarness.start({
      ...options,
      deps: {
        ...options.deps,
        administrators: emailsOf('admin'),
        legalStaff: emailsOf('legal'),
        accessLog: {
          caseHead: (caseId) => cases!.stores.accessLog.caseHead(caseId),
          append: (entry) => cases!.stores.accessLog.append(entry),
          heads: () => cases!.stores.accessLog.heads(),
        },
      },
    });
    const { users, accessLog, counters, signatories } = cases.stores;
    for (const [username, role, email] of [
      ['ada', 'admin', 'ada@district.example'],
      ['lee', 'legal', 'lee@district.example'],
    ] as const) {
      await users.addUser({ username, role, email, passwordHash: await hashPassword(PASSWORD) });
    }
    const service = options.actionTimeoutMs
      ? new CaseService(
          cases.client,
          cases.records,
          cases.keyring,
          { taskQueue: cases.taskQueue },
          options.actionTimeoutMs,
        )
      : cases.service;
    // The server starts workflows (a webhook resend) on the harness's own task queue, as one config would give it.
    // A 500 prints its error and stack beside the test that met it (vitest labels console output by test), so a failure
    // seen once on a loaded machine can be read afterwards; every other answer stays silent.
    const deps: ServerDeps = {
      config: {
        ...cases.config,
        taskQueue: cases.taskQueue,
        ...(options.logStream ? {} : { logLevel: 'error' as const }),
      },
      client: cases.client,
      service,
      records: cases.records,
      users,
      storage: cases.storage,
      keyring: cases.keyring,
      accessLog,
      counters,
      webhooks: cases.webhooks,
      bulk: cases.bulk,
      signatories,
      mail: createMailTransport(cases.config),
      logStream:
        options.logStream ??
        new Writable({ write: (line: Buffer, _encoding, done) => (console.error(String(line).trimEnd()), done()) }),
    };
    const app = buildHttpServer(deps);
    await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return new HttpHarness(cases, app, `http://127.0.0.1:${port}`, deps);
  }

  url(pathname: string): string {
    return `${this.baseUrl}${pathname}`;
  }

  login(username: string, password = PASSWORD): Promise<SignedIn> {
    return signIn(this.baseUrl, username, password);
  }

  /** A JSON request as a signed-in user (with the CSRF token unless told otherwise). */
  async as(
    who: SignedIn | undefined,
    method: string,
    pathname: string,
    body?: unknown,
    options: { csrf?: boolean } = {},
  ): Promise<{ status: number; json: any; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (who) headers.cookie = who.cookie;
    if (who && options.csrf !== false) headers['x-csrf-token'] = who.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await oneShot(
      this.url(pathname),
      method,
      headers,
      body !== undefined ? JSON.stringify(body) : undefined,
    );
    const text = response.text;
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, json, headers: response.headers };
  }

  /**
   * Certifies through a vendor's or subprocessor's link as a signatory does (docs/architecture.md, "The signatory check"): the first
   * POST answers 202 and emails a code to the signatory, the second carries it. Answers the second POST.
   */
  async certifyByLink(
    token: string,
    body: Record<string, any>,
    action: 'certify' | 'subprocessor-certify' = 'certify',
  ): Promise<{ status: number; json: any; headers: Headers }> {
    const code = await this.signatoryCode(token, body, action);
    return this.as(undefined, 'POST', `/api/vendor/${token}/${action}`, { ...body, verificationCode: code });
  }

  /** The first POST of a certification (202), and the code it emailed to the signatory. */
  async signatoryCode(
    token: string,
    body: Record<string, any>,
    action: 'certify' | 'subprocessor-certify' = 'certify',
  ): Promise<string> {
    const email = String(body.destruction?.signatoryEmail ?? body.signatoryEmail).toLowerCase();
    const smtp = this.cases.smtp;
    const before = smtp.mails.length;
    const first = await this.as(undefined, 'POST', `/api/vendor/${token}/${action}`, body);
    if (first.status !== 202)
      throw new Error(`expected 202 verification_sent, got ${first.status} ${JSON.stringify(first.json)}`);
    const caseId = linkClaims(token).c; // cases certifying at once, with one signatory, get a code each
    const mail = await smtp.waitFor(
      (m) =>
        smtp.mails.indexOf(m) >= before &&
        m.headers.get('x-disposition-mail') === 'signatory_code' &&
        m.headers.get('x-disposition-case') === caseId &&
        m.to.includes(email),
      30_000,
      `the code for ${email}`,
    );
    return signatoryCodeIn(mail.text);
  }

  /** Starts a case as `admin` and has the vendor acknowledge it: the case waits for its certification. Answers its certify token. */
  async caseAtCertify(admin: SignedIn, input: object): Promise<{ caseId: string; token: string }> {
    const caseId = (await this.as(admin, 'POST', '/api/cases', input)).json.caseId as string;
    const ack = (await this.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
    await this.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana Whitfield',
      contactEmail: 'dana@acme-learning.example',
    });
    return { caseId, token: (await this.cases.vendorMail(caseId, 'certify')).link.split('/v/')[1]! };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.cases.close();
  }
}

/** The harness of a file's (or a describe block's) tests, the administrator signed in: started before them, closed after. */
export function harnessForTests(options?: Parameters<typeof HttpHarness.start>[0]): { h: HttpHarness; ada: SignedIn } {
  const started = {} as { h: HttpHarness; ada: SignedIn };
  beforeAll(async () => {
    started.h = await HttpHarness.start(options);
    started.ada = await started.h.login('ada');
  }, 120_000);
  afterAll(async () => started.h?.close());
  return started;
}

/**
 * One request on a connection of its own, closed after the answer. fetch keeps connections alive, and a server run
 * with a short IDLE_TIMEOUT closes an idle one just as fetch picks it up again ("other side closed" on a loaded
 * machine): a race of the test's client, not something a test should fail on.
 */
function oneShot(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string; headers: Headers }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method,
        agent: false,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        rejectUnauthorized: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const answered = new Headers();
          for (let i = 0; i < response.rawHeaders.length; i += 2)
            answered.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
          resolve({ status: response.statusCode!, text: Buffer.concat(chunks).toString('utf8'), headers: answered });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
