// Password guessing against staff sign-in (7400.1 I.B, I.C): the limits key on the route, the failure count is
// taken before the password is checked, and a name that does not exist answers exactly like one that does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../infra/keys/passwords';
import { HttpHarness, PASSWORD } from './support/http-harness';

let h: HttpHarness;

beforeAll(async () => {
  h = await HttpHarness.start({ env: { TRUST_PROXY: '1', INTRUSION_BURST: '1000' } });
  for (const username of ['parallel', 'known'])
    await h.users.addUser({ username, role: 'legal', passwordHash: await hashPassword(PASSWORD) });
});
afterAll(async () => h?.close());

const signIn = (pathname: string, username: string, password: string, ip: string): Promise<Response> =>
  fetch(h.url(pathname), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  });

describe('guessing staff passwords', () => {
  it('counts every spelling of the sign-in route against one limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) {
      // A query string (or none, or an empty one) does not make another route.
      const pathname = [
        '/api/auth/login',
        `/api/auth/login?x=${i}`,
        '/api/auth/login?',
        `/api/auth/login?username=ghost${i}`,
      ][i % 4]!;
      statuses.push((await signIn(pathname, `ghost-a${i}`, 'whatever it is', '192.0.2.210')).status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  }, 60_000);

  it('checks at most five of fifteen parallel guesses at one account, then locks it', async () => {
    const responses = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        signIn('/api/auth/login', 'parallel', `guess number ${i}`, `192.0.2.${100 + i}`),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const rightPassword = await signIn('/api/auth/login', 'parallel', PASSWORD, '192.0.2.99');
    expect(rightPassword.status).toBe(429);
    expect(((await rightPassword.json()) as { error: { message: string } }).error.message).toContain('locked until');
  }, 60_000);

  it('answers a name that does not exist exactly as one that does: same statuses, same messages, same lock', async () => {
    const answers = async (username: string, ip: string): Promise<string[]> => {
      const seen: string[] = [];
      for (let i = 0; i < 7; i += 1) {
        const response = await signIn('/api/auth/login', username, 'not the password', ip);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        // The lock's time differs by the moment it was taken; its shape must not.
        seen.push(`${response.status} ${error.code} ${error.message.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, '<time>')}`);
      }
      return seen;
    };
    const [known, unknown] = await Promise.all([
      answers('known', '192.0.2.220'),
      answers('nobody-by-this-name', '192.0.2.221'),
    ]);
    expect(unknown).toEqual(known);
    expect(known.slice(0, 5).every((a) => a.startsWith('401 unauthorized'))).toBe(true);
    expect(known.slice(5)).toEqual(
      Array(2).fill('429 rate_limited too many failed sign-ins: this account is locked until <time>'),
    );
  }, 90_000);

  it('counts a name in any letter case as the same name', async () => {
    await h.users.addUser({ username: 'casey', role: 'legal', passwordHash: await hashPassword(PASSWORD) });
    for (const [i, name] of ['casey', 'CASEY', 'Casey', 'cAsEy', 'caseY'].entries()) {
      expect((await signIn('/api/auth/login', name, 'not the password', `192.0.2.${30 + i}`)).status).toBe(401);
    }
    expect((await signIn('/api/auth/login', 'casey', PASSWORD, '192.0.2.40')).status).toBe(429);
  }, 60_000);
});
