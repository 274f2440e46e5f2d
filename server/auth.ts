// Staff sign-in (7400.1 I.B): argon2id passwords, one HttpOnly SameSite=Strict session cookie, a CSRF token
// for every state-changing cookie request, roles on every route, and slow-down then lock-out on failures.
import crypto from 'node:crypto';
import { hashPassword, verifyPassword } from '../infra/keys/passwords';
import '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DispositionError } from '../domain/errors';
import type { Role, Session, UserStore } from '../infra/database/user-store';

export const SESSION_COOKIE = 'disposition_session';
const SESSION_IDLE_MS = 8 * 3_600_000;
const LOCKOUT = { lockAfter: 5, lockMs: 15 * 60_000 };

export interface RequestSession extends Session {
  idHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: RequestSession;
  }
}

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Auth {
  // Verifying against this keeps an unknown user name as slow as a wrong password.
  private readonly decoy = hashPassword(crypto.randomBytes(16).toString('hex'));

  constructor(
    private readonly users: UserStore,
    private readonly secureCookies: boolean,
    /** With PASSWORD_SIGN_IN=false: where everyone but break-glass accounts signs in instead (OIDC_NAME). */
    private readonly passwordsOnlyForBreakGlass?: { signInWith: string },
  ) {}

  async login(
    username: string,
    password: string,
    reply: FastifyReply,
  ): Promise<{ user: { username: string; role: Role }; csrfToken: string }> {
    const now = Date.now();
    // Counted before the password is checked, in one transaction: parallel guesses each take a place in the
    // count, so no more than LOCKOUT.lockAfter of them are ever checked.
    const attempt = await this.users.claimLoginAttempt(username, now, LOCKOUT);
    if (!attempt.allowed) {
      throw new DispositionError(
        'rate_limited',
        `too many failed sign-ins: this account is locked until ${new Date(attempt.lockedUntil).toISOString()}`,
      );
    }
    const user = await this.users.getUser(username);
    const ok = await verifyPassword(user ? user.passwordHash : await this.decoy, password);
    if (!user || !ok) {
      // Known and unknown names alike: same count, same delay, same answer.
      await sleep(Math.min(250 * 2 ** (attempt.failures - 1), 4000)); // each failure answers more slowly
      throw new DispositionError('unauthorized', 'the user name or password is wrong');
    }
    await this.users.clearLoginAttempts(username);
    // Checked once the password is: the answer to a guess tells nothing of which accounts are break-glass.
    if (this.passwordsOnlyForBreakGlass && !user.breakGlass)
      throw new DispositionError(
        'forbidden',
        `Password sign-in is off here: sign in with ${this.passwordsOnlyForBreakGlass.signInWith}.`,
      );
    return this.startSession(user, reply);
  }

  /** A new session for `user` (signed in by password, or by the district's identity provider), as a cookie. */
  async startSession(
    user: { username: string; role: Role },
    reply: FastifyReply,
  ): Promise<{ user: { username: string; role: Role }; csrfToken: string }> {
    const sessionId = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(24).toString('base64url');
    await this.users.createSession(sha256(sessionId), {
      username: user.username,
      role: user.role,
      csrfToken,
      expiresAt: Date.now() + SESSION_IDLE_MS,
    });
    reply.setCookie(SESSION_COOKIE, sessionId, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookies,
    });
    return { user: { username: user.username, role: user.role }, csrfToken };
  }

  async logout(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.session) await this.users.deleteSession(request.session.idHash);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: this.secureCookies });
  }

  /** Reads the session cookie; sliding expiry while the user is active. */
  async load(request: FastifyRequest): Promise<void> {
    const sessionId = request.cookies[SESSION_COOKIE];
    if (!sessionId) return;
    const idHash = sha256(sessionId);
    const now = Date.now();
    const session = await this.users.getSession(idHash, now);
    if (!session) return;
    if (session.expiresAt - now < SESSION_IDLE_MS - 60_000)
      await this.users.touchSession(idHash, now + SESSION_IDLE_MS);
    request.session = { ...session, idHash };
  }

  /**
   * The signed-in user, who must hold one of `roles`. State changes need the CSRF token too, unless the route
   * changes nothing (`csrf: false`, e.g. the codec endpoint, which only transforms what it is given).
   */
  require(
    request: FastifyRequest,
    roles: readonly Role[],
    options: { csrf?: boolean; token?: string } = {},
  ): RequestSession {
    const session = request.session;
    if (!session) throw new DispositionError('unauthorized', 'sign in first');
    if (!roles.includes(session.role))
      throw new DispositionError(
        'forbidden',
        `this needs the ${roles.join(' or ')} role; you are signed in as ${session.role}`,
      );
    if (request.method !== 'GET' && request.method !== 'HEAD' && options.csrf !== false)
      this.checkCsrf(request, session, options.token);
    return session;
  }

  /** `token`: the form field of a multipart body, which only the route reads. */
  private checkCsrf(request: FastifyRequest, session: RequestSession, token?: string): void {
    const header = request.headers['x-csrf-token'];
    const field = token ?? (request.body as Record<string, unknown> | undefined)?._csrf;
    const given = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
    const a = Buffer.from(given);
    const b = Buffer.from(session.csrfToken);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
      throw new DispositionError(
        'csrf_failed',
        'the request lacks a valid CSRF token (X-CSRF-Token header or _csrf field); reload the page and try again',
      );
    }
  }
}

export const actorOf = (session: Session): string => `user:${session.username}`;
