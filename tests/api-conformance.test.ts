// What schemathesis (`npm run test:fuzz`) found, kept as tests: the API answers what its OpenAPI document says,
// and no malformed request is a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationSchema } from '../domain/time-schemas';
import { EMAIL } from '../domain/text';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let caseId: string;
let token: string;

/** A multipart body as raw bytes, so it can be broken in ways FormData never would. */
const rawMultipart = (pathname: string, boundary: string, body: string) =>
  fetch(h.url(pathname), {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });

beforeAll(async () => {
  h = await HttpHarness.start();
  ada = await h.login('ada');
  caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId;
  const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
  await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
    contactName: 'Dana',
    contactEmail: 'dana@acme-learning.example',
  });
  token = (await h.cases.vendorMail(caseId, 'return')).link.split('/v/')[1]!;
});
afterAll(async () => h?.close());

describe('methods', () => {
  it('answers 405 with Allow for a method an API resource does not take', async () => {
    const patch = await fetch(h.url('/api/cases'), { method: 'PATCH' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await patch.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const put = await h.as(ada, 'PUT', `/api/vendor/${token}/files`, {});
    expect(put).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
    expect(put.headers.get('allow')).toBe('POST');
  });

  it('takes /api/statements/verify as its own resource, not a statement id', async () => {
    const get = await fetch(h.url('/api/statements/verify'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('leaves unknown API paths 404, and routes that exist as they are', async () => {
    expect((await h.as(undefined, 'DELETE', '/api/nope')).status).toBe(404);
    expect((await fetch(h.url('/api/health'), { method: 'HEAD' })).status).toBe(200);
  });
});

describe('malformed bodies are refused, never a 500', () => {
  it('a multipart upload cut short is a 400', async () => {
    const response = await rawMultipart(`/api/vendor/${token}/files`, 'xyz', '--xyz\r\n-41052');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_payload', message: expect.stringContaining('not well-formed multipart') },
    });
  });

  it('a multipart boundary longer than RFC 2046 allows is a 400', async () => {
    const boundary = 'b'.repeat(300);
    const response = await rawMultipart(
      `/api/vendor/${token}/files`,
      boundary,
      `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\npermanent\r\n--${boundary}--\r\n`,
    );
    expect(response.status).toBe(400);
  });

  it('verification of a multipart body cut short is still a verdict', async () => {
    const response = await rawMultipart('/api/statements/verify', 'xyz', '--xyz\r\n-41052');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ valid: false });
  });

  it('a "__proto__" key is refused (the document says so: no object may have one)', async () => {
    const response = await fetch(h.url(`/api/cases/${caseId}/legal-hold`), {
      method: 'POST',
      headers: { cookie: ada.cookie, 'x-csrf-token': ada.csrfToken, 'content-type': 'application/json' },
      body: '{"on": true, "reason": "audit", "__proto__": {"admin": true}}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_payload' } });
  });
});

describe('due times stay within what dates and Temporal hold', () => {
  it('refuses a deadline of more than 10 years (it made a case Temporal could not index and a case list that failed)', async () => {
    expect(durationSchema.safeParse('10 years').success).toBe(true);
    expect(durationSchema.safeParse('274000 years').success).toBe(false);
    const started = await h.as(ada, 'POST', '/api/cases', caseInput({ deadlines: { acknowledge: '5000000 years' } }));
    expect(started).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('at most 10 years') } },
    });
    expect((await h.as(ada, 'GET', '/api/cases')).status).toBe(200);
  });

  it('refuses an extension beyond 10 years ahead', async () => {
    const extended = await h.as(ada, 'POST', `/api/cases/${caseId}/extend`, {
      task: 'return',
      until: '9999-12-31T23:59:59-23:59',
      reason: 'a typo',
    });
    expect(extended).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('at most 10 years') } },
    });
  });
});

describe('the OpenAPI document', () => {
  it('says what the routes answer: CSRF on cookie state changes, a repeated upload, rate limits, real dates', async () => {
    const doc = (await h.as(undefined, 'GET', '/api/openapi.json')).json;
    expect(doc.components.securitySchemes.csrf).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(doc.paths['/api/cases'].post.security).toEqual([{ session: [], csrf: [] }]);
    expect(doc.paths['/api/cases'].get.security).toEqual([{ session: [] }]);
    const upload = doc.paths['/api/vendor/{token}/files'].post.responses;
    expect(Object.keys(upload)).toEqual(expect.arrayContaining(['200', '201', '429']));
    const caseBody = doc.paths['/api/cases'].post.requestBody.content['application/json'].schema;
    expect(caseBody.properties.contract.properties.terminationDate).toMatchObject({ format: 'date' });
    expect(caseBody.propertyNames).toEqual({ not: { const: '__proto__' } });
  });

  it('describes an email address with the pattern the server checks', () => {
    expect(`^${EMAIL}$`).toBe(z.regexes.email.source);
  });
});
