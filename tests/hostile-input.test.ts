// Hostile input (7400.1 I.C): refused with a clear 4xx and an intrusion event, and nothing already staged lost.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';
import { caseInput } from './support/fixtures';

let h: HttpHarness;
let ada: SignedIn;
let token: string;
let caseId: string;

/** A real ZIP bomb: one entry of 100 MiB of zeros, deflated to about 100 KiB. */
function zipBomb(): Buffer {
  const size = 100 * 1024 * 1024;
  const data = zlib.deflateRawSync(Buffer.alloc(size), { level: 9 });
  const name = Buffer.from('zeros.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const directory = Buffer.concat([central, name]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, directory, end]);
}

async function upload(name: string, content: Buffer | string, type?: string, ip = '198.51.100.77') {
  const form = new FormData();
  form.append('category', 'electronic');
  form.append('file', new Blob([Buffer.from(content)], type ? { type } : {}), name);
  const response = await fetch(h.url(`/api/vendor/${token}/files`), {
    method: 'POST',
    body: form,
    headers: { 'x-forwarded-for': ip },
  });
  return { status: response.status, json: (await response.json()) as any };
}

/** One request carrying two `file` parts: the first is fine on its own, the request is not. */
async function uploadTwo() {
  const form = new FormData();
  form.append('category', 'electronic');
  form.append('file', new Blob(['id\n2\n'], { type: 'text/csv' }), 'first.csv');
  form.append('file', new Blob(['id\n3\n'], { type: 'text/csv' }), 'second.csv');
  const response = await fetch(h.url(`/api/vendor/${token}/files`), {
    method: 'POST',
    body: form,
    headers: { 'x-forwarded-for': '198.51.100.77' },
  });
  return { status: response.status, json: (await response.json()) as any };
}

beforeAll(async () => {
  h = await HttpHarness.start({
    env: { TRUST_PROXY: '1', UPLOAD_MAX_BYTES: String(5 * 1024 * 1024), INTRUSION_BURST: '1000' },
  });
  ada = await h.login('ada');
  caseId = (await h.as(ada, 'POST', '/api/cases', caseInput())).json.caseId;
  const ack = (await h.cases.vendorMail(caseId, 'acknowledge')).link.split('/v/')[1]!;
  await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
    contactName: 'Dana',
    contactEmail: 'dana@acme-learning.example',
  });
  token = (await h.cases.vendorMail(caseId, 'return')).link.split('/v/')[1]!;
  expect((await upload('keep-me.csv', 'id\n1\n', 'text/csv')).status).toBe(201);
});
afterAll(async () => h?.close());

describe('uploads', () => {
  const cases: [string, () => Promise<{ status: number; json: any }>, number, RegExp][] = [
    ['a path traversal name', () => upload('../../etc/passwd', 'root:x:0:0'), 400, /not a plain file name/],
    ['a Windows path', () => upload('..\\..\\boot.ini', 'x'), 400, /not a plain file name/],
    ['a ZIP bomb', () => upload('records.zip', zipBomb(), 'application/zip'), 400, /ZIP bomb/],
    [
      'a gzip bomb',
      () => upload('records.csv.gz', zlib.gzipSync(Buffer.alloc(100 * 1024 * 1024)), 'application/gzip'),
      400,
      /gzip bomb/,
    ],
    [
      'a PDF that is not one',
      () => upload('report.pdf', 'definitely not a pdf', 'application/pdf'),
      400,
      /declared as PDF/,
    ],
    [
      'a CSV that is a program',
      () => upload('students.csv', Buffer.concat([Buffer.from('MZ'), crypto.randomBytes(100)]), 'text/csv'),
      400,
      /declared as text/,
    ],
    ['an oversize file', () => upload('big.bin', crypto.randomBytes(6 * 1024 * 1024)), 413, /larger than the limit/],
    ['two file parts in one request', () => uploadTwo(), 400, /exactly one file/],
  ];
  for (const [what, send, status, message] of cases) {
    it(`refuses ${what} with ${status}, records an intrusion, and keeps what was staged`, async () => {
      const since = Date.now() - 1;
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.json.error.message).toMatch(message);
      // The previous case's event is written on its response's 'finish', which can fall inside this window.
      // Intrusion events are written as the response finishes: wait for this one.
      const mine = async () =>
        (await h.accessLog.intrusions({ from: since, ip: '198.51.100.77' })).filter((e) => message.test(e.reason));
      await h.cases.waitFor('the intrusion event', async () => (await mine()).length > 0);
      expect((await mine()).map((e) => e.kind)).toEqual(['malformed_upload']);
      const staged = await h.cases.storage.listStaged(caseId);
      expect(staged.map((f) => f.name)).toEqual(['keep-me.csv']);
    });
  }

  it('still takes honest files: a real gzip, a real PDF, a ZIP that does not explode', async () => {
    expect(
      (await upload('events.jsonl.gz', zlib.gzipSync(Buffer.from('{"a":1}\n'.repeat(1000))), 'application/gzip'))
        .status,
    ).toBe(201);
    expect((await upload('policy.pdf', '%PDF-1.7\n%âãÏÓ\n1 0 obj<<>>endobj\n%%EOF\n', 'application/pdf')).status).toBe(
      201,
    );
    expect(
      (
        await upload(
          'scan.jpg',
          Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(1000)]),
          'image/jpeg',
        )
      ).status,
    ).toBe(201);
    expect((await h.cases.storage.listStaged(caseId)).length).toBe(4);
  });
});

describe('rate limits and headers', () => {
  it('limits sign-in attempts per source, with Retry-After and an intrusion event', async () => {
    const since = Date.now() - 1;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 22; i += 1) {
      const response = await fetch(h.url('/api/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.200' },
        body: JSON.stringify({ username: `ghost${i}`, password: 'whatever it is' }),
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    await h.cases.waitFor(
      '22 intrusion events',
      async () => (await h.accessLog.intrusions({ from: since, ip: '192.0.2.200' })).length >= 22,
    );
    const kinds = (await h.accessLog.intrusions({ from: since, ip: '192.0.2.200' })).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'failed_login')).toHaveLength(20);
    expect(kinds.filter((k) => k === 'rate_limited')).toHaveLength(2);
    // Another source is not held back by that one.
    const other = await fetch(h.url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.201' },
      body: JSON.stringify({ username: 'ada', password: 'a long enough passphrase' }),
    });
    expect(other.status).toBe(200);
  }, 60_000);

  it('sends a strict CSP, no frame embedding and no referrer from vendor pages; pages carry no inline script', async () => {
    const response = await fetch(h.url(`/v/${token}`));
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const body = await response.text();
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.toMatch(/\son[a-z]+="/); // no inline event handlers
  });
});
