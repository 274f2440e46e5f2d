// The people of the scale-out drill, reaching several HTTP servers as they would through a load balancer: staff
// with a session, vendors with the links from their mail. A server taken out of rotation gets no new requests.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { linkClaims, linkIn, signatoryCodeIn, type SmtpReceiver } from './smtp-receiver';

export interface ServerSlot {
  name: string;
  port: number;
  /** The load balancer sends new requests here. */
  inRotation: boolean;
  inFlight: number;
}

export interface SignedIn {
  cookie: string;
  csrfToken: string;
}

export interface Answer<T = any> {
  status: number;
  json: T;
  headers: Headers;
  /** Which server answered. */
  server: number;
}

type RequestBody = NonNullable<RequestInit['body']>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ScaleClient {
  /** The administrator's session signed in on each server. */
  readonly sessions: SignedIn[] = [];
  /** Answers "try again shortly" (503) that were tried again, as the page tells people to. */
  retried = 0;

  constructor(
    readonly servers: ServerSlot[],
    readonly smtp: SmtpReceiver,
  ) {}

  url(server: number, pathname: string): string {
    return `http://127.0.0.1:${this.servers[server]!.port}${pathname}`;
  }

  /** The server a request meant for `preferred` goes to: that one while in rotation, else the next that is. */
  route(preferred: number): number {
    for (let i = 0; i < this.servers.length; i += 1) {
      const candidate = (preferred + i) % this.servers.length;
      if (this.servers[candidate]!.inRotation) return candidate;
    }
    throw new Error('no server is in rotation');
  }

  /** Takes a server out of rotation and waits until the requests it is serving have been answered. */
  async drain(server: number): Promise<void> {
    this.servers[server]!.inRotation = false;
    const deadline = Date.now() + 60_000;
    while (this.servers[server]!.inFlight > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.servers[server]!.name} still serves ${this.servers[server]!.inFlight} request(s) after 60 s`,
        );
      await sleep(50);
    }
  }

  /** One request to exactly `server` (no rerouting); the body is read whole. */
  async to(
    server: number,
    method: string,
    pathname: string,
    init: { body?: RequestBody; headers?: Record<string, string>; session?: SignedIn | false } = {},
  ): Promise<Answer & { bytes: Buffer }> {
    const slot = this.servers[server]!;
    const session = init.session === false ? undefined : (init.session ?? this.sessions[server]);
    const headers: Record<string, string> = { ...init.headers };
    if (session) {
      headers.cookie = session.cookie;
      if (method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
    }
    slot.inFlight += 1;
    try {
      const response = await fetch(this.url(server, pathname), {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      let json: unknown;
      if ((response.headers.get('content-type') ?? '').includes('application/json'))
        json = JSON.parse(bytes.toString('utf8'));
      return { status: response.status, json, headers: response.headers, server, bytes };
    } finally {
      slot.inFlight -= 1;
    }
  }

  /**
   * A request through the balancer. An action answered 503 (Temporal, the worker, the database or the storage
   * slower than the server waits) is tried again after a second; starting a case is not (a repeat is a new case).
   */
  async send(
    preferred: number,
    method: string,
    pathname: string,
    init: { json?: unknown; body?: RequestBody; session?: SignedIn | false; retry503?: boolean } = {},
  ): Promise<Answer> {
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    const headers: Record<string, string> = init.json !== undefined ? { 'content-type': 'application/json' } : {};
    for (let attempt = 1; ; attempt += 1) {
      const server = this.route(preferred);
      const answer = await this.to(server, method, pathname, {
        ...(body !== undefined ? { body } : {}),
        headers,
        ...(init.session !== undefined ? { session: init.session } : {}),
      });
      if (answer.status !== 503 || init.retry503 === false || attempt >= 60) return answer;
      this.retried += 1;
      await sleep(1_000);
    }
  }

  /** Like send, but fails unless the status is one of `expect`, naming the request and the answer. */
  async expectOk<T = any>(
    preferred: number,
    method: string,
    pathname: string,
    init: Parameters<ScaleClient['send']>[3] = {},
    expect = [200, 201, 202],
  ): Promise<Answer<T>> {
    const answer = await this.send(preferred, method, pathname, init);
    if (!expect.includes(answer.status))
      throw new Error(
        `${method} ${pathname.replace(/\/v1\.[^/]+/, '/<token>')} on ${this.servers[answer.server]!.name}: ${answer.status} ${JSON.stringify(answer.json)?.slice(0, 500)}`,
      );
    return answer as Answer<T>;
  }

  async login(server: number, username: string, password: string): Promise<SignedIn> {
    const answer = await this.to(server, 'POST', '/api/auth/login', {
      session: false,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (answer.status !== 200)
      throw new Error(
        `sign-in of ${username} on ${this.servers[server]!.name}: ${answer.status} ${answer.bytes.toString()}`,
      );
    const cookie = answer.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { cookie, csrfToken: (answer.json as { csrfToken: string }).csrfToken };
  }

  /** The one-time code mailed to a certification's signatory for `caseId`, as the signatory reads it. */
  async signatoryCode(caseId: string, email: string, timeoutMs = 60_000): Promise<string> {
    const mail = await this.smtp.waitFor(
      (m) =>
        m.headers.get('x-disposition-case') === caseId &&
        m.headers.get('x-disposition-mail') === 'signatory_code' &&
        m.to.includes(email),
      timeoutMs,
      `the signatory's code for case ${caseId}`,
    );
    return signatoryCodeIn(mail.text);
  }

  /** The token of the newest link for `task` mailed to the vendor of `caseId`, as the vendor reads it. */
  async vendorToken(caseId: string, task: string, timeoutMs = 180_000): Promise<string> {
    const mail = await this.smtp.waitFor(
      (m) => {
        if (m.headers.get('x-disposition-case') !== caseId) return false;
        try {
          return linkClaims(linkIn(m).split('/v/')[1]!).t === task;
        } catch {
          return false;
        }
      },
      timeoutMs,
      `mail with a ${task} link for case ${caseId}`,
    );
    return linkIn(mail).split('/v/')[1]!;
  }

  async upload(
    preferred: number,
    token: string,
    category: string,
    name: string,
    content: Buffer,
  ): Promise<Answer<{ fileId: string; sha256: string; bytes: number }>> {
    const form = new FormData();
    form.append('category', category);
    form.append('file', new Blob([content]), name);
    return this.expectOk(preferred, 'POST', `/api/vendor/${token}/files`, { body: form, session: false });
  }

  /** Polls the case (on the servers in turn) until it has `status`; fails naming the status it stayed in. */
  async waitForStatus(caseId: string, status: string, timeoutMs: number): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last = '(none)';
    for (let turn = 0; ; turn += 1) {
      const answer = await this.expectOk(turn % this.servers.length, 'GET', `/api/cases/${caseId}`);
      last = answer.json.status;
      if (last === status) return answer.json;
      if (Date.now() > deadline)
        throw new Error(`case ${caseId} is still ${last} after ${timeoutMs / 1000} s, waiting for ${status}`);
      await sleep(300);
    }
  }
}

/**
 * An upload that has begun and not finished: the multipart head and the first `sendBytes` of the file go over a
 * raw socket to the server, and the rest never follows. `ended` resolves with how the connection ended.
 */
export async function beginUpload(
  port: number,
  token: string,
  category: string,
  name: string,
  content: Buffer,
  sendBytes: number,
): Promise<{ socket: Socket; ended: Promise<string> }> {
  const boundary = `----scale${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\n${category}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const socket = connect(port, '127.0.0.1');
  // A server killed mid-upload can fail the socket more than once (EPIPE on a write, then ECONNRESET on a read):
  // every error is heard, the first one names how the connection ended.
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    socket.once('close', () => resolve('closed'));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST /api/vendor/${token}/files HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${head.length + content.length + tail.length}\r\n\r\n`,
  );
  socket.write(head);
  for (let at = 0; at < sendBytes; at += 256 * 1024) {
    if (socket.destroyed) break;
    if (!socket.write(content.subarray(at, Math.min(at + 256 * 1024, sendBytes))))
      await Promise.race([new Promise((r) => socket.once('drain', r)), ended]);
  }
  return { socket, ended };
}
