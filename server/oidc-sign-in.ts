// Single sign-on with the district's OpenID Connect provider (OIDC_*: docs/architecture.md, README "Single
// sign-on"): the authorization code flow with PKCE, state and nonce, through openid-client (certified). The pending
// sign-in (its PKCE verifier, state, nonce and where to go next) rides in a cookie of its own, MACed under a key
// derived from the keyring, for ten minutes; the callback checks state, nonce and issuer, reads the role claim, and
// makes or refreshes the account bound to the provider's subject. Someone whose claims give no role is refused.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../domain/statuses';
import { DispositionError } from '../domain/errors';
import type { OidcSettings } from '../infra/config';
import type { Keyring } from '../infra/keys/keys';
import type { UserStore } from '../infra/database/user-store';

type OpenIdClient = typeof import('openid-client');
type Configuration = import('openid-client').Configuration;

export const PENDING_COOKIE = 'disposition_sign_in';
const PENDING_MS = 10 * 60 * 1000;
const MAC_INFO = Buffer.from('disposition: a sign-in pending at the identity provider');

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  at: number;
}

/** A refusal of the provider's answer, with what the person reads. */
export class SignInRefused extends DispositionError {}

export class OidcSignIn {
  private configuration?: Promise<Configuration>;

  constructor(
    readonly settings: OidcSettings,
    private readonly publicUrl: string,
    private readonly keyring: Keyring,
    private readonly users: Pick<UserStore, 'signInFromProvider'>,
    private readonly secureCookies: boolean,
  ) {}

  get redirectUri(): string {
    return `${this.publicUrl}/auth/oidc/callback`;
  }

  /** openid-client is an ES module: Node loads it on first use (require of ESM, Node 20.19 and later). */
  private async client(): Promise<OpenIdClient> {
    return import('openid-client');
  }

  /** The provider's metadata, read once (again after a failure). */
  private async discovered(): Promise<Configuration> {
    const client = await this.client();
    this.configuration ??= client
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        undefined,
        client.ClientSecretBasic(this.settings.clientSecret),
        // Config refuses http:// but on loopback (a provider on this machine, as in tests).
        new URL(this.settings.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.configuration = undefined;
        throw new DispositionError(
          'identity_provider_unavailable',
          `the identity provider (${this.settings.issuer}) does not answer: ${(err as Error).message}`,
        );
      });
    return this.configuration;
  }

  /** Where to send the browser to sign in, with the cookie that remembers this attempt. */
  async start(next: string, reply: FastifyReply): Promise<string> {
    const client = await this.client();
    const configuration = await this.discovered();
    const pending: Pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next,
      at: Date.now(),
    };
    reply.setCookie(PENDING_COOKIE, this.seal(pending), {
      path: '/auth/oidc',
      httpOnly: true,
      // Lax: the provider sends the browser back with a top-level GET from its own site.
      sameSite: 'lax',
      secure: this.secureCookies,
      maxAge: PENDING_MS / 1000,
    });
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: ['openid', 'profile', 'email', ...this.settings.scopes].join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    }).href;
  }

  /**
   * The provider's answer at the callback: the account it signs in (made or refreshed), and where to go next.
   * Throws SignInRefused for a forged or stale answer, a token that does not check out, or claims with no role.
   */
  async finish(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ user: { username: string; role: Role }; next: string }> {
    const pending = this.open(request.cookies[PENDING_COOKIE]);
    reply.clearCookie(PENDING_COOKIE, {
      path: '/auth/oidc',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
    });
    if (!pending)
      throw new SignInRefused(
        'unauthorized',
        'This sign-in was not started here, or took longer than ten minutes. Start again from the sign-in page.',
      );
    const client = await this.client();
    const configuration = await this.discovered();
    // The address the provider sent the browser to, as this server is reached from outside (PUBLIC_URL).
    const callback = new URL(request.url, this.publicUrl);
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims() ?? {};
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new SignInRefused(
        'unauthorized',
        `The identity provider's answer was refused (${cause ?? (err as Error).message}). Start again from the sign-in page.`,
      );
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
    if (!subject) throw new SignInRefused('unauthorized', "The identity provider's answer names nobody.");
    const role = this.roleOf(claims[this.settings.roleClaim]);
    if (!role)
      throw new SignInRefused(
        'forbidden',
        `Your account at ${this.settings.name} gives you no role in Disposition: its "${this.settings.roleClaim}" holds none of the values the district set for administrators or legal staff. Ask the district's IT to add you to the right group.`,
      );
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const username = usernameOf(claims, subject);
    const user = await this.users.signInFromProvider(`${this.settings.issuer}#${subject}`, {
      username,
      role,
      ...(email ? { email } : {}),
    });
    return { user, next: pending.next };
  }

  /** Administrators first: a value for each role gives the higher one. */
  private roleOf(claim: unknown): Role | undefined {
    const values = Array.isArray(claim) ? claim.map(String) : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
    if (values.some((v) => this.settings.adminValues.includes(v))) return 'admin';
    if (values.some((v) => this.settings.legalValues.includes(v))) return 'legal';
    return undefined;
  }

  private macKey(kid: string): Buffer | undefined {
    const linkKey = this.keyring.get('link', kid);
    return linkKey && Buffer.from(crypto.hkdfSync('sha256', linkKey, Buffer.alloc(0), MAC_INFO, 32));
  }

  private seal(pending: Pending): string {
    const { kid } = this.keyring.current('link');
    const body = Buffer.from(JSON.stringify(pending)).toString('base64url');
    const mac = crypto.createHmac('sha256', this.macKey(kid)!).update(`${kid}.${body}`).digest('base64url');
    return `${kid}.${body}.${mac}`;
  }

  private open(cookie: string | undefined): Pending | undefined {
    const [kid, body, mac] = (cookie ?? '').split('.');
    const key = kid && body && mac ? this.macKey(kid) : undefined;
    if (!key) return undefined;
    const expected = crypto.createHmac('sha256', key).update(`${kid}.${body}`).digest();
    const given = Buffer.from(mac!, 'base64url');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
    const pending = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Pending;
    return Date.now() - pending.at <= PENDING_MS ? pending : undefined;
  }
}

/** A sign-in name from the claims: the preferred user name, else the email's local part, else the subject. */
function usernameOf(claims: Record<string, unknown>, subject: string): string {
  const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined;
  const email = typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined;
  const name = (preferred ?? email ?? subject)
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .slice(0, 60);
  return name || `user-${crypto.createHash('sha256').update(subject).digest('hex').slice(0, 12)}`;
}
