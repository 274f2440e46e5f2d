// The server's log: one JSON line per event, each request's lines under its id (answered as X-Request-Id), the
// path as its route pattern. No link token and no personal data, whatever the request carried.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';

const lines: string[] = [];
let h: HttpHarness;
let ada: SignedIn;

beforeAll(async () => {
  const stream = new PassThrough();
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  h = await HttpHarness.start({ env: { LOG_LEVEL: 'info' }, logStream: stream });
  ada = await h.login('ada');
});
afterAll(async () => h?.close());

describe('the structured log', () => {
  it('is JSON lines with a request id, the route pattern, and nothing a request carried', async () => {
    const caseId = await h.cases.startCase();
    const link = (await h.cases.vendorMail(caseId, 'acknowledge')).link;
    const token = new URL(link).pathname.split('/').pop()!;
    const page = await fetch(h.url(`/v/${token}`));
    const requestId = page.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, {
      contactName: 'Zebulon Quartermaine',
      contactEmail: 'zebulon@acme-learning.example',
    });
    await fetch(h.url(`/api/vendor/${token}/typo?email=zebulon@acme-learning.example`));
    await h.as(ada, 'GET', `/api/cases/${caseId}`);
    await new Promise((r) => setTimeout(r, 200));

    const entries = lines.map(
      (line) =>
        JSON.parse(line) as {
          reqId?: string;
          msg: string;
          req?: { method: string; path: string };
          res?: { statusCode: number };
          level: number;
          time: number;
        },
    );
    expect(entries.length).toBeGreaterThan(6);
    const ofPage = entries.filter((e) => e.reqId === requestId);
    expect(ofPage.map((e) => e.msg)).toEqual(['incoming request', 'request completed']);
    expect(ofPage[0]!.req).toEqual({ method: 'GET', path: '/v/:token' });
    expect(ofPage[1]!.res).toEqual({ statusCode: 200 });
    const everything = lines.join('\n');
    expect(everything).not.toContain(token.split('.').pop()!);
    expect(everything).not.toContain('Zebulon');
    expect(everything).not.toContain('acme-learning.example');
    expect(everything).toContain('"path":"/api/vendor/:token/typo"');
  });
});
