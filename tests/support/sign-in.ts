// Signing in through the API, as a browser does: the session cookie and the CSRF token a staff request then sends.
// One copy for the tests' harnesses and the benchmarks' stack.

export interface SignedIn {
  cookie: string;
  csrfToken: string;
}

export async function signIn(baseUrl: string, username: string, password: string): Promise<SignedIn> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200)
    throw new Error(`signing in as ${username} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}
