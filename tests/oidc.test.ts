// Single sign-on with the district's identity provider (issue 27, item 1), against a real OpenID provider
// (oidc-provider) on loopback: administrators and legal staff sign in through it, their accounts made on the first
// sign-in and their roles refreshed at each; someone the claims give no role is refused with a clear page and an
// intrusion event; and a forged state, a tampered nonce, a code used twice or too late, and an answer from another
// provider are refused. Most of it plays the browser with fetch and a cookie jar for the provider's cookies; the last
// test signs in an administrator and legal staff in a real Chromium, from the button on the sign-in page.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { loadConfig } from '../infra/config';
import { HttpHarness, PASSWORD } from './support/http-harness';

const CLIENT_ID = 'disposition';
const CLIENT_SECRET = crypto.randomBytes(24).toString('base64url');
const PUBLIC_URL = 'http://localhost:3000'; // the harness's PUBLIC_URL: the callback the provider knows
const CALLBACK = `${PUBLIC_URL}/auth/oidc/callback`;

/** The provider's people and their groups; a test may move someone to another group. */
const ACCOUNTS: Record<string, { name: string; email: string; groups: string[] }> = {
  ada: { name: 'Ada Okafor', email: 'ada.okafor@district.example', groups: ['staff', 'disposition-admins'] },
  lee: { name: 'Lee Nakamura', email: 'lee@district.example', groups: ['disposition-legal'] },
  eve: { name: 'Eve Student', email: 'eve@district.example', groups: ['students'] },
};

interface TestProvider {
  issuer: string;
  codeTtl: number;
  close(): Promise<void>;
}

async function startProvider(callback = CALLBACK): Promise<TestProvider> {
  const { default: Provider } = (await import('oidc-provider')) as { default: new (...args: unknown[]) => any };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const made: TestProvider = {
    issuer,
    codeTtl: 60,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
    // The groups in the ID token itself, as the district's provider is set up to send them.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, sub: string) => {
      const account = ACCOUNTS[sub];
      return (
        account && {
          accountId: sub,
          claims: () => ({ sub, preferred_username: sub, ...account, groups: [...account.groups] }),
        }
      );
    },
    // A first-party application: no consent screen.
    loadExistingGrant: async (ctx: any) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AuthorizationCode: () => made.codeTtl,
      IdToken: 3600,
      AccessToken: 3600,
      Session: 3600,
      Interaction: 600,
      Grant: 3600,
    },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' }] },
  });
  server.on('request', provider.callback());
  return made;
}

/** A browser's cookies for one site, enough for the provider's session and interaction cookies. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const value = pair!.slice(at + 1);
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(pair!.slice(0, at));
      else this.cookies.set(pair!.slice(0, at), value);
    }
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Signs in at the provider as `login` (any password) from its authorization URL; answers the callback URL it sends. */
async function atProvider(authorizationUrl: string, login: string, ours = CALLBACK): Promise<URL> {
  const jar = new Jar();
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.startsWith(ours)) return new URL(url);
    const response = await fetch(url, {
      ...init,
      headers: { ...(init.headers as object), cookie: jar.header },
      redirect: 'manual',
    });
    jar.take(response);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location')!, url).href;
      init = {};
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
    if (!action || !prompt) throw new Error(`no sign-in form at ${url}: ${response.status} ${page.slice(0, 200)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'anything' } : { prompt }).toString(),
    };
  }
  throw new Error('the provider kept redirecting');
}

/** The district's settings for a provider, as each harness here gives them. */
const oidcEnv = (issuer: string, more: Record<string, string> = {}): Record<string, string> => ({
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: CLIENT_ID,
  OIDC_CLIENT_SECRET: CLIENT_SECRET,
  OIDC_NAME: 'Riverside Schools account',
  OIDC_ADMIN_VALUES: 'disposition-admins',
  OIDC_LEGAL_VALUES: 'disposition-legal',
  OIDC_SCOPES: 'groups',
  ...more,
});

let h: HttpHarness;
let provider: TestProvider;
let other: TestProvider;

beforeAll(async () => {
  provider = await startProvider();
  other = await startProvider();
  h = await HttpHarness.start({
    env: { PUBLIC_URL, ...oidcEnv(provider.issuer) },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await provider?.close();
  await other?.close();
});

/** Our start: the provider's authorization URL and the cookie that remembers the attempt. */
async function start(next = '/cases'): Promise<{ authorizationUrl: string; pending: string }> {
  const response = await fetch(h.url(`/auth/oidc/start?next=${encodeURIComponent(next)}`), { redirect: 'manual' });
  expect(response.status).toBe(303);
  const pending = response.headers.getSetCookie().find((c) => c.startsWith('disposition_sign_in='))!;
  expect(pending).toMatch(/HttpOnly/i);
  expect(pending).toMatch(/SameSite=Lax/i);
  return { authorizationUrl: response.headers.get('location')!, pending: pending.split(';')[0]! };
}

/** The provider's answer delivered to our callback, as the browser would (with the pending cookie). */
function callback(answer: URL, pending: string): Promise<Response> {
  return fetch(h.url(`/auth/oidc/callback${answer.search}`), { headers: { cookie: pending }, redirect: 'manual' });
}

const casesPage = async (session: string): Promise<string> =>
  (await fetch(h.url('/cases'), { headers: { cookie: session } })).text();

async function signIn(login: string): Promise<{ response: Response; page: string; session?: string }> {
  const { authorizationUrl, pending } = await start();
  const response = await callback(await atProvider(authorizationUrl, login), pending);
  const session = response.headers.getSetCookie().find((c) => c.startsWith('disposition_session='));
  return { response, page: await response.text(), ...(session ? { session: session.split(';')[0]! } : {}) };
}

describe('single sign-on', () => {
  it('offers the button on the sign-in page, and sends the browser to the provider with PKCE, state and nonce', async () => {
    const login = await (await fetch(h.url('/login?next=/cases'))).text();
    expect(login).toContain(
      'href="/auth/oidc/start?next=%2Fcases">Sign in with <bdi>Riverside Schools account</bdi></a>',
    );
    const { authorizationUrl } = await start();
    const asked = new URL(authorizationUrl);
    expect(asked.origin).toBe(provider.issuer);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      code_challenge_method: 'S256',
      scope: 'openid profile email groups',
    });
    for (const param of ['state', 'nonce', 'code_challenge'])
      expect(asked.searchParams.get(param)).toMatch(/^[\w-]{20,}$/);
  });

  it('signs in an administrator and legal staff, making their accounts and refreshing roles at each sign-in', async () => {
    const ada = await signIn('ada');
    expect(ada.response.status).toBe(200);
    // A page that goes on, not a redirect: the session cookie is SameSite=Strict.
    expect(ada.page).toContain('<meta http-equiv="refresh" content="0; url=/cases">');
    expect(ada.session).toBeDefined();
    const cases = await fetch(h.url('/cases'), { headers: { cookie: ada.session! } });
    expect(cases.status).toBe(200);
    expect(await cases.text()).toContain('ada-2 (admin)');
    const lee = await signIn('lee');
    expect(await casesPage(lee.session!)).toContain('lee-2 (legal)');

    const users = await h.cases.stores.users.listUsers();
    expect(users.filter((u) => u.username.startsWith('ada-'))).toEqual([
      expect.objectContaining({ username: 'ada-2', role: 'admin', email: 'ada.okafor@district.example' }),
    ]);
    // ("ada" is the harness's own password account: the provider's Ada gets a name of her own, never that account.)
    expect((await h.cases.stores.users.getUser('ada'))!.email).toBe('ada@district.example');

    // Moved to the legal group at the provider: the next sign-in carries it, to the same account.
    ACCOUNTS.ada!.groups = ['disposition-legal'];
    try {
      const again = await signIn('ada');
      expect(await casesPage(again.session!)).toContain('ada-2 (legal)');
      expect((await h.cases.stores.users.listUsers()).filter((u) => u.username.startsWith('ada-'))).toHaveLength(1);
    } finally {
      ACCOUNTS.ada!.groups = ['staff', 'disposition-admins'];
    }
  });

  it('refuses someone whose claims give no role, with a clear page and an intrusion event', async () => {
    const eve = await signIn('eve');
    expect(eve.response.status).toBe(403);
    expect(eve.session).toBeUndefined();
    expect(eve.page).toContain('Your account at Riverside Schools account gives you no role in Disposition');
    const events = await h.cases.waitFor('the refusal in the intrusion log', async () => {
      const found = (await h.cases.stores.accessLog.intrusions({})).filter((e) => e.path === '/auth/oidc/callback');
      return found.length > 0 && found;
    });
    expect(events.map((e) => e.kind)).toContain('role_refusal');
    expect((await h.cases.stores.users.listUsers()).map((u) => u.username)).not.toContain('eve');
  });

  it('refuses a forged state, a tampered nonce, a code used twice or too late, and an answer from another provider', async () => {
    const refused = async (response: Response, says: string): Promise<void> => {
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('disposition_session='))).toBe(false);
      expect(await response.text()).toContain(says);
    };

    // A forged state: the answer does not belong to the attempt this browser started.
    let attempt = await start();
    let answer = await atProvider(attempt.authorizationUrl, 'lee');
    answer.searchParams.set('state', 'forged-state-of-another-attempt');
    await refused(await callback(answer, attempt.pending), 'unexpected &quot;state&quot;');

    // A nonce changed on the way to the provider: the ID token carries another than the attempt expects.
    attempt = await start();
    const tampered = new URL(attempt.authorizationUrl);
    tampered.searchParams.set('nonce', crypto.randomBytes(24).toString('base64url'));
    await refused(await callback(await atProvider(tampered.href, 'lee'), attempt.pending), 'nonce');

    // A code used twice: the second use is refused by the provider.
    attempt = await start();
    answer = await atProvider(attempt.authorizationUrl, 'lee');
    expect((await callback(answer, attempt.pending)).status).toBe(200);
    await refused(await callback(answer, attempt.pending), 'refused');

    // A code used too late.
    provider.codeTtl = 1;
    try {
      attempt = await start();
      answer = await atProvider(attempt.authorizationUrl, 'lee');
      await new Promise((r) => setTimeout(r, 2_100));
      await refused(await callback(answer, attempt.pending), 'refused');
    } finally {
      provider.codeTtl = 60;
    }

    // The same request sent to another provider: its answer names another issuer.
    attempt = await start();
    const elsewhere = new URL(attempt.authorizationUrl);
    const otherOrigin = new URL(other.issuer);
    elsewhere.host = otherOrigin.host;
    await refused(await callback(await atProvider(elsewhere.href, 'lee'), attempt.pending), 'issuer');

    // No attempt at all (no cookie, or one this server did not make).
    await refused(await callback(answer, 'disposition_sign_in=forged.cookie.value'), 'Start again');
    // Each refusal is an intrusion event: a failed sign-in from that address.
    const events = await h.cases.waitFor('the refused answers in the intrusion log', async () => {
      const found = (await h.cases.stores.accessLog.intrusions({})).filter(
        (e) => e.path === '/auth/oidc/callback' && e.kind === 'failed_login',
      );
      return found.length >= 6 && found;
    });
    expect(events.map((e) => e.reason)).toContainEqual(expect.stringContaining('"state"'));
  }, 60_000);
});

describe('password sign-in off (PASSWORD_SIGN_IN=false)', () => {
  it('keeps passwords for break-glass accounts only, and tells everyone else where to sign in', async () => {
    const off = await HttpHarness.start({
      env: { PUBLIC_URL, ...oidcEnv(provider.issuer, { PASSWORD_SIGN_IN: 'false' }) },
    });
    try {
      const { hashPassword } = await import('../infra/keys/passwords');
      await off.cases.stores.users.addUser({
        username: 'glass',
        role: 'admin',
        passwordHash: await hashPassword('a long break-glass passphrase'),
        breakGlass: true,
      });
      const login = (username: string, password: string) =>
        fetch(off.url('/api/auth/login'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
      expect((await login('glass', 'a long break-glass passphrase')).status).toBe(200);
      // The harness's "ada" has a password but is no break-glass account: refused, once the password is right.
      const ada = await login('ada', PASSWORD);
      expect(ada.status).toBe(403);
      expect(((await ada.json()) as { error: { message: string } }).error.message).toBe(
        'Password sign-in is off here: sign in with Riverside Schools account.',
      );
      // A wrong password answers as it always does: nothing says which accounts are break-glass.
      expect((await login('ada', 'not the password at all')).status).toBe(401);
    } finally {
      await off.close();
    }
  });
});

describe('npm run demo with single sign-on configured', () => {
  it('drives the whole case, makes no password account, and the administrator then signs in through the provider', async () => {
    const root = path.resolve(__dirname, '..');
    const port = await freePort();
    const publicUrl = `http://localhost:${port}`;
    const district = await startProvider(`${publicUrl}/auth/oidc/callback`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-demo-sso-'));
    const env = {
      ...process.env,
      DATA_DIR: path.join(work, 'data'),
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: `demo-sso-${port}`,
      SMTP_URL: '',
      DATABASE_URL: '',
      PASSWORD_SIGN_IN: 'false',
      ...oidcEnv(district.issuer),
    };
    const demo = spawn(process.execPath, [path.join(root, 'bin', 'run.js'), 'demo'], { cwd: work, env });
    let output = '';
    demo.stdout.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    try {
      const deadline = Date.now() + 240_000;
      while (!output.includes('The stack keeps running')) {
        if (demo.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not finish:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(output).toContain('Staff sign in with Riverside Schools account: no local account is made');
      expect(output).toContain(
        'Sign in with Riverside Schools account: groups "disposition-admins" makes an administrator; groups "disposition-legal" makes legal staff',
      );
      expect(output).not.toContain('passphrase');
      expect(output).toContain('$ disposition statement verify');
      const caseId = /caseId (\S+)/.exec(output)![1]!;
      const statement = /The statement: (\S+\.pdf)/.exec(output)![1]!;
      fs.rmSync(statement, { force: true });
      const accounts = async (): Promise<{ username: string; role: string }[]> => {
        const { openStores } = await import('../infra/database/open-stores');
        const stores = await openStores(loadConfig(env));
        try {
          return (await stores.users.listUsers()).map(({ username, role }) => ({ username, role }));
        } finally {
          await stores.close();
        }
      };
      expect(await accounts()).toEqual([]);

      // Ada, in the administrators' group at the district's provider, signs in and finds the demo's case done.
      const started = await fetch(`${publicUrl}/auth/oidc/start?next=${encodeURIComponent(`/cases/${caseId}`)}`, {
        redirect: 'manual',
      });
      expect(started.status).toBe(303);
      const pending = started.headers
        .getSetCookie()
        .find((c) => c.startsWith('disposition_sign_in='))!
        .split(';')[0]!;
      const answer = await atProvider(started.headers.get('location')!, 'ada', `${publicUrl}/auth/oidc/callback`);
      const signedIn = await fetch(`${publicUrl}/auth/oidc/callback${answer.search}`, {
        headers: { cookie: pending },
        redirect: 'manual',
      });
      const session = signedIn.headers
        .getSetCookie()
        .find((c) => c.startsWith('disposition_session='))!
        .split(';')[0]!;
      const page = await fetch(`${publicUrl}/cases/${caseId}`, { headers: { cookie: session } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/Completed/);
      expect(await accounts()).toEqual([{ username: 'ada', role: 'admin' }]);
    } finally {
      demo.kill('SIGINT');
      await exited;
      await district.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('the single sign-on settings', () => {
  const base = { DATA_DIR: '/tmp/disposition-oidc-config' };
  const oidc = {
    OIDC_ISSUER: 'https://accounts.google.com',
    OIDC_CLIENT_ID: 'id',
    OIDC_CLIENT_SECRET: 'secret',
    OIDC_ADMIN_VALUES: 'admins@district.example',
  };

  it('reads the provider, the claim and its values, with defaults for the name and the claim', () => {
    expect(loadConfig({ ...base, ...oidc }).oidc).toEqual({
      issuer: 'https://accounts.google.com',
      clientId: 'id',
      clientSecret: 'secret',
      name: 'accounts.google.com',
      roleClaim: 'groups',
      adminValues: ['admins@district.example'],
      legalValues: [],
      scopes: [],
    });
    expect(loadConfig(base).oidc).toBeUndefined();
  });

  it('refuses an http:// issuer off loopback, a missing secret, and no value for any role', () => {
    expect(() => loadConfig({ ...base, ...oidc, OIDC_ISSUER: 'http://idp.district.example' })).toThrow(
      'must be https:// (http:// only for a provider on this machine',
    );
    expect(loadConfig({ ...base, ...oidc, OIDC_ISSUER: 'http://127.0.0.1:8080' }).oidc?.issuer).toBe(
      'http://127.0.0.1:8080',
    );
    expect(() => loadConfig({ ...base, ...oidc, OIDC_CLIENT_SECRET: '' })).toThrow('OIDC_CLIENT_SECRET is required');
    expect(() => loadConfig({ ...base, ...oidc, OIDC_ADMIN_VALUES: '' })).toThrow('set OIDC_ADMIN_VALUES and/or');
    expect(() => loadConfig({ ...base, PASSWORD_SIGN_IN: 'false' })).toThrow(
      'PASSWORD_SIGN_IN=false needs single sign-on',
    );
    expect(loadConfig({ ...base, ...oidc, PASSWORD_SIGN_IN: 'false' }).passwordSignIn).toBe(false);
    expect(loadConfig(base).passwordSignIn).toBe(true);
  });
});

describe('single sign-on in a browser', () => {
  it('signs in an administrator, then legal staff, from the button on the sign-in page', async () => {
    const { freePort } = await import('../scripts/dev-server');
    const { launchChromium } = await import('./support/browser');
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const idp = await startProvider(`${publicUrl}/auth/oidc/callback`);
    const site = await HttpHarness.start({
      port,
      env: { PUBLIC_URL: publicUrl, ...oidcEnv(idp.issuer) },
    });
    const browser = await launchChromium();
    try {
      for (const [login, who] of [
        ['ada', 'ada-2 (admin)'],
        ['lee', 'lee-2 (legal)'],
      ] as const) {
        const context = await browser.newContext({ baseURL: publicUrl });
        const page = await context.newPage();
        await page.goto('/login?next=/cases');
        await page.getByRole('link', { name: 'Sign in with Riverside Schools account' }).click();
        // The provider's own sign-in page (its development one takes any password).
        await page.waitForURL((url) => url.origin === idp.issuer);
        await page.locator('input[name="login"]').fill(login);
        await page.locator('input[name="password"]').fill('anything');
        await page.locator('button[type="submit"]').click();
        // Back here: the page that goes on to the case list, signed in.
        await page.waitForURL((url) => url.origin === publicUrl && url.pathname === '/cases', { timeout: 20_000 });
        expect(await page.locator('.who').textContent()).toBe(who);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL((url) => url.pathname === '/login');
        expect((await context.request.get('/cases', { maxRedirects: 0 })).status()).toBe(303);
        await context.close();
      }
    } finally {
      await browser.close();
      await site.close();
      await idp.close();
    }
  }, 120_000);
});
