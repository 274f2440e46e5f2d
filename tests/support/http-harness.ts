// The HTTP server on top of a CaseHarness, with an administrator and a legal user, reached with fetch.
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CaseService } from '../../client/case-service';
import { buildHttpServer } from '../../client/server/http-server';
import { SqliteUserStore } from '../../infra/database/sqlite-user-store';
import { SqliteAccessLog } from '../../infra/database/sqlite-access-log';
import { createSmtpTransport } from '../../infra/mail-transport';
import { hashPassword } from '../../infra/passwords';
import { CaseHarness, type HarnessOptions } from './case-harness';

export const PASSWORD = 'a long enough passphrase';

export interface SignedIn {
  cookie: string;
  csrfToken: string;
}

export class HttpHarness {
  private constructor(readonly cases: CaseHarness, readonly app: FastifyInstance, readonly users: SqliteUserStore, readonly accessLog: SqliteAccessLog, readonly baseUrl: string) {}

  static async start(options: HarnessOptions & { actionTimeoutMs?: number } = {}): Promise<HttpHarness> {
    let users: SqliteUserStore | undefined;
    let accessLog: SqliteAccessLog | undefined;
    // The worker mails admin and legal users with an email, and prints the access log's head, as worker/main.ts wires it.
    const emailsOf = (role: string) => async () => (await users?.listUsers())?.filter((u) => u.role === role && u.email).map((u) => u.email!) ?? [];
    const cases = await CaseHarness.start({ ...options, deps: { administrators: emailsOf('admin'), legalStaff: emailsOf('legal'), accessLog: { caseHead: (caseId) => accessLog?.caseHead(caseId), append: (entry) => accessLog!.append(entry) } } });
    users = new SqliteUserStore(path.join(cases.dataDir, 'disposition.db'));
    accessLog = new SqliteAccessLog(path.join(cases.dataDir, 'disposition.db'));
    for (const [username, role, email] of [['ada', 'admin', 'ada@district.example'], ['lee', 'legal', 'lee@district.example']] as const) {
      await users.addUser({ username, role, email, passwordHash: await hashPassword(PASSWORD) });
    }
    const service = options.actionTimeoutMs ? new CaseService(cases.client, cases.records, cases.keyring, { taskQueue: cases.taskQueue }, options.actionTimeoutMs) : cases.service;
    const app = buildHttpServer({ config: cases.config, client: cases.client, service, records: cases.records, users, storage: cases.storage, keyring: cases.keyring, accessLog, mail: createSmtpTransport(cases.config.smtpUrl!) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return new HttpHarness(cases, app, users!, accessLog!, `http://127.0.0.1:${port}`);
  }

  url(pathname: string): string {
    return `${this.baseUrl}${pathname}`;
  }

  async login(username: string, password = PASSWORD): Promise<SignedIn> {
    const response = await fetch(this.url('/api/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (response.status !== 200) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
    const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    return { cookie, csrfToken };
  }

  /** A JSON request as a signed-in user (with the CSRF token unless told otherwise). */
  async as(who: SignedIn | undefined, method: string, pathname: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<{ status: number; json: any; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (who) headers.cookie = who.cookie;
    if (who && options.csrf !== false) headers['x-csrf-token'] = who.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url(pathname), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, json, headers: response.headers };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.users.close();
    this.accessLog.close();
    await this.cases.close();
  }
}
