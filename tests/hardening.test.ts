// What an attacker found (issue 12): a link token in a path no route takes reached the access log verbatim, and
// API answers with case data could be kept by a browser or proxy.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpHarness, type SignedIn } from './support/http-harness';

let h: HttpHarness;
let ada: SignedIn;
let caseId: string;
let token: string;

beforeAll(async () => {
  h = await HttpHarness.start({ env: { TRUST_PROXY: '1', INTRUSION_BURST: '1000', IDLE_TIMEOUT: '2s' } });
  ada = await h.login('ada');
  caseId = await h.cases.startCase();
  token = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname.split('/').pop()!;
});
afterAll(async () => h?.close());

describe('link tokens never reach a log', () => {
  it('for paths no route takes, any method, any status', async () => {
    const since = Date.now() - 1;
    const signature = token.split('.').pop()!;
    const attempts: [string, string][] = [
      ['GET', `/v/${token}/`],
      ['GET', `/v/${token}/extra`],
      ['GET', `/api/vendor/${token}/`],
      ['POST', `/api/vendor/${token}/typo`],
      ['DELETE', `/api/vendor/${token}/files/`],
      ['GET', `/api/vendor/${token}x`],
      ['GET', `/api/cases/${token}/statement/`],
      ['GET', `/v/${token.slice(0, -3)}`],
      ['PUT', `/api/vendor/${token}`],
    ];
    for (const [method, path] of attempts) {
      const response = await fetch(h.url(path), { method, headers: { 'x-forwarded-for': '198.51.100.9' } });
      expect(response.status).toBeGreaterThanOrEqual(300);
    }
    await h.cases.waitFor(
      'the requests in the access log',
      async () =>
        (await h.accessLog.list({ from: since })).filter((e) => e.ip === '198.51.100.9').length >= attempts.length - 1,
    );
    const logged = JSON.stringify([
      await h.accessLog.list({ from: since }),
      await h.accessLog.intrusions({ from: since }),
    ]);
    expect(logged).not.toContain(signature);
    expect(logged).not.toContain(token.split('.')[2]!);
    expect(logged).toContain(':token');
  });
});

describe('answers that carry case data', () => {
  it('say no-store, from the API and the pages alike', async () => {
    for (const path of [
      '/api/cases',
      `/api/cases/${caseId}`,
      '/api/audit',
      `/api/vendor/${token}`,
      '/cases',
      `/cases/${caseId}`,
      `/v/${token}`,
    ]) {
      const response = await fetch(h.url(path), {
        headers: { cookie: ada.cookie, 'x-forwarded-for': '198.51.100.10' },
      });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
    expect((await fetch(h.url('/static/style.css'))).headers.get('cache-control')).toContain('max-age');
  });
});

describe('checking a statement, without signing in', () => {
  const bigBody = (bytes: number): ReadableStream<Uint8Array> => {
    let sent = 0;
    const chunk = new Uint8Array(1024 * 1024).fill(0x25);
    return new ReadableStream({
      pull(controller) {
        if (sent >= bytes) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
  };

  it('stops reading a body larger than any statement, as the body or as a form field', async () => {
    const raw = await fetch(h.url('/api/statements/verify'), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf', 'x-forwarded-for': '198.51.100.20' },
      body: bigBody(80 * 1024 * 1024),
      duplex: 'half',
    }).catch((err: Error) => err);
    // Either the answer (413) arrives, or the server cut the connection while the client was still sending.
    if (raw instanceof Response) expect(await raw.json()).toMatchObject({ error: { code: 'too_large' } });
    else expect(raw.message).toMatch(/fetch failed|other side closed|socket/i);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(70 * 1024 * 1024)]), 'statement.pdf');
    const multipart = await fetch(h.url('/api/statements/verify'), {
      method: 'POST',
      body: form,
      headers: { 'x-forwarded-for': '198.51.100.21' },
    }).catch((err: Error) => err);
    if (multipart instanceof Response) expect(multipart.status).toBe(413);
    else expect(multipart.message).toMatch(/fetch failed|other side closed|socket/i);
    // The server still answers, and a real PDF's bytes are still judged.
    const small = await fetch(h.url('/api/statements/verify'), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf', 'x-forwarded-for': '198.51.100.22' },
      body: '%PDF-1.7 not ours',
    });
    expect(await small.json()).toMatchObject({
      valid: false,
      reason: expect.stringContaining('no statement issued here'),
    });
  }, 60_000);

  it('is limited per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 122; i += 1) {
      statuses.push(
        (await fetch(h.url('/api/statements/ST-0000-0000'), { headers: { 'x-forwarded-for': '198.51.100.23' } }))
          .status,
      );
    }
    expect(statuses.slice(0, 120).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(120)).toEqual([429, 429]);
  }, 60_000);
});

describe('every read of case data is in the access log', () => {
  it('from each route of the OpenAPI document and each page, signed in or by link', async () => {
    const document = (await (await fetch(h.url('/api/openapi.json'))).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const fill = (pattern: string): string =>
      pattern
        .replace('{caseId}', caseId)
        .replace('{token}', token)
        .replace('{statementId}', 'ST-0000-0000')
        .replace('{fileId}', 'nosuchfile0');
    const reads: [string, string, string][] = []; // method, pattern as the log names it, path
    for (const [pattern, methods] of Object.entries(document.paths)) {
      if (!('get' in methods)) continue;
      reads.push(['GET', pattern.replace(/\{(\w+)\}/g, ':$1'), fill(pattern)]);
    }
    reads.push(
      ['GET', '/cases', '/cases'],
      ['GET', '/cases/:caseId', `/cases/${caseId}`],
      ['GET', '/v/:token', `/v/${token}`],
      ['GET', '/verify', '/verify?statementId=ST-0000-0000'],
    );
    const quiet = new Set(['GET /api/health', 'GET /api/ready', 'GET /api/openapi.json']);
    const since = Date.now() - 1;
    for (const [method, , path] of reads)
      await fetch(h.url(path), { method, headers: { cookie: ada.cookie, 'x-forwarded-for': '198.51.100.30' } });
    const decode = await fetch(h.url('/api/codec/decode'), {
      method: 'POST',
      headers: { cookie: ada.cookie, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.30' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(decode.status).toBeLessThan(500);
    reads.push(['POST', '/api/codec/decode', '/api/codec/decode']);
    const expected = reads.map(([method, pattern]) => `${method} ${pattern}`).filter((action) => !quiet.has(action));
    await h.cases
      .waitFor(
        'every read logged',
        async () => {
          const actions = new Set(
            (await h.accessLog.list({ from: since })).filter((e) => e.ip === '198.51.100.30').map((e) => e.action),
          );
          return expected.every((action) => actions.has(action));
        },
        10_000,
      )
      .catch(async () => {
        const actions = new Set(
          (await h.accessLog.list({ from: since })).filter((e) => e.ip === '198.51.100.30').map((e) => e.action),
        );
        expect(expected.filter((action) => !actions.has(action))).toEqual([]);
      });
    const actions = (await h.accessLog.list({ from: since }))
      .filter((e) => e.ip === '198.51.100.30')
      .map((e) => e.action);
    for (const action of quiet) expect(actions).not.toContain(action);
  });
});

describe('names read as they are stored', () => {
  const RLO = '\u202e';
  const ISOLATE = '\u2067';

  it("refuses bidirectional controls in a case's names, in the vendor's answers and in file names, keeping what the case holds", async () => {
    const { caseInput } = await import('./support/fixtures');
    const spoofed = caseInput();
    spoofed.vendor.name = `Acme${RLO}gninrael`;
    const started = await h.as(ada, 'POST', '/api/cases', spoofed);
    expect(started).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'invalid_payload',
          message: expect.stringContaining(
            "The vendor's organisation must not contain bidirectional control characters",
          ),
        },
      },
    });
    // The document says so too, so a client can check before it sends.
    const document = (await h.as(undefined, 'GET', '/api/openapi.json')).json;
    const pattern = document.paths['/api/cases'].post.requestBody.content['application/json'].schema.properties.vendor
      .properties.name.pattern as string;
    expect(new RegExp(pattern).test(`Acme${RLO}gninrael`)).toBe(false);
    expect(new RegExp(pattern).test('Jörg Ænderson-Łukasz · أكمي · אקמה')).toBe(true);

    const before = (await h.cases.records.getCase(caseId))!;
    const ack = await h.as(undefined, 'POST', `/api/vendor/${token}/acknowledge`, {
      contactName: `Dana ${ISOLATE}Whitfield`,
      contactEmail: 'dana@acme-learning.example',
    });
    expect(ack).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringContaining('Your name must not contain bidirectional') } },
    });
    const after = (await h.cases.records.getCase(caseId))!;
    expect(after.state.tasks).toEqual(before.state.tasks);
    expect(after.state.acknowledgement).toBeUndefined();
  });

  it('refuses a file name that reads as another type, and stages nothing', async () => {
    const { caseWithReturn, returnToken } = await atReturn();
    const form = new FormData();
    form.append('category', 'permanent');
    form.append('file', new Blob(['student_id,name\n1,Ada\n']), `roster${RLO}vsc.exe`);
    const upload = await fetch(h.url(`/api/vendor/${returnToken}/files`), { method: 'POST', body: form });
    expect(upload.status).toBe(400);
    expect(await upload.json()).toMatchObject({
      error: { message: expect.stringContaining('bidirectional control characters') },
    });
    expect(await h.cases.storage.listStaged(caseWithReturn)).toEqual([]);
  });
});

describe('issue 26 item 14: invisible direction marks and line separators', () => {
  const MARKS = {
    RLM: '\u200f',
    LRM: '\u200e',
    ALM: '\u061c',
    'LINE SEPARATOR': '\u2028',
    'PARAGRAPH SEPARATOR': '\u2029',
  };

  it('are refused in names, in the vendor’s answers, in file names and by the document’s patterns, as the controls are', async () => {
    const { caseInput } = await import('./support/fixtures');
    const document = (await h.as(undefined, 'GET', '/api/openapi.json')).json;
    const pattern = new RegExp(
      document.paths['/api/cases'].post.requestBody.content['application/json'].schema.properties.vendor.properties.name
        .pattern as string,
    );
    const { caseWithReturn, returnToken } = await atReturn();
    for (const [name, mark] of Object.entries(MARKS)) {
      const spoofed = caseInput({ vendor: { name: `Acme${mark}Learning` } });
      expect({ name, answer: await h.as(ada, 'POST', '/api/cases', spoofed) }).toMatchObject({
        answer: {
          status: 400,
          json: { error: { code: 'invalid_payload', message: expect.stringContaining('invisible direction marks') } },
        },
      });
      expect({ name, passes: pattern.test(`Acme${mark}Learning`) }).toEqual({ name, passes: false });

      const form = new FormData();
      form.append('category', 'permanent');
      form.append('file', new Blob(['student_id,name\n1,Ada\n']), `roster${mark}.csv`);
      const upload = await fetch(h.url(`/api/vendor/${returnToken}/files`), { method: 'POST', body: form });
      expect({ name, status: upload.status }).toEqual({ name, status: 400 });
    }
    expect(await h.cases.storage.listStaged(caseWithReturn)).toEqual([]);
    // Right-to-left names need none of them.
    expect(pattern.test('شركة أكمي للتعليم · אקמה')).toBe(true);
  });
});

/** The access-log entries since `since`, once `enough` says they are all in: each is written after its answer went out. */
async function loggedSince(
  since: number,
  enough: (entries: Awaited<ReturnType<typeof h.accessLog.list>>) => boolean,
): Promise<Awaited<ReturnType<typeof h.accessLog.list>>> {
  let entries = await h.accessLog.list({ from: since });
  for (let i = 0; i < 50 && !enough(entries); i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    entries = await h.accessLog.list({ from: since });
  }
  return entries;
}

describe('issue 26 items 8 and 9: what the access log keeps', () => {
  it('keeps no link token that came in a route parameter, an unmatched path or a refusal, in any column', async () => {
    const { returnToken } = await atReturn();
    const since = Date.now();
    for (const path of [
      `/cases/${returnToken}`,
      `/api/cases/${returnToken}`,
      `/api/cases/${returnToken}/statement`,
      `/cases/${returnToken}/nowhere/else`,
    ])
      await fetch(h.url(path), { headers: { cookie: ada.cookie } });
    await fetch(h.url(`/api/cases/${returnToken}`)); // signed out: refused
    const entries = await loggedSince(since, (found) => found.length >= 5);
    expect(entries.length).toBeGreaterThanOrEqual(5);
    const intrusions = await h.accessLog.intrusions({ from: since });
    const [, kid, payload] = returnToken.split('.');
    for (const kept of [JSON.stringify(entries), JSON.stringify(intrusions)]) {
      expect(kept).not.toContain(payload);
      expect(kept).not.toContain(`v1.${kid}`);
    }
    expect(entries.every((e) => e.caseId === null)).toBe(true);
  });

  it('logs each view of the dashboard, which lists cases, as the API’s dashboard is logged', async () => {
    const since = Date.now();
    expect((await fetch(h.url('/'), { headers: { cookie: ada.cookie } })).status).toBe(200);
    const entries = await loggedSince(since, (found) => found.some((e) => e.action === 'GET /'));
    expect(entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'user:ada', action: 'GET /', outcome: 'ok 200' })]),
    );
  });
});

describe('issue 26 item 10: a refusal costs the same under attack', () => {
  it('counts the burst in the database and opens no stored event, however many came before', async () => {
    const log = h.accessLog;
    const read = log.intrusions.bind(log);
    let opened = 0;
    log.intrusions = async (query) => {
      opened += 1;
      return read(query);
    };
    try {
      for (let i = 0; i < 60; i += 1) {
        const answer = await fetch(h.url(`/api/vendor/v1.bogus${i}.payload.signature`), {
          headers: { 'x-forwarded-for': '192.0.2.77' },
        });
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }
      await new Promise((r) => setTimeout(r, 300)); // the events are written after each answer
      expect((await log.intrusionCounts({ ip: '192.0.2.77', from: 0 })).total).toBeGreaterThanOrEqual(60);
      expect(opened).toBe(0);
    } finally {
      log.intrusions = read;
    }
  });
});

describe('issue 26 item 3: a read that is cut short leaves its trace', () => {
  it('logs the package download as it starts and, cut after the first bytes, as aborted with the bytes sent', async () => {
    const { caseInput } = await import('./support/fixtures');
    const crypto = await import('node:crypto');
    const caseId = await h.cases.startCase(
      caseInput({
        contract: { id: 'CT-CUT-READ' },
        disposition: { option: 'return_then_destroy', extent: 'complete', categories: [{ key: 'electronic' }] },
      }),
    );
    const ack = new URL((await h.cases.vendorMail(caseId, 'acknowledge')).link).pathname.split('/').pop()!;
    await h.as(undefined, 'POST', `/api/vendor/${ack}/acknowledge`, {
      contactName: 'Dana',
      contactEmail: 'dana@acme-learning.example',
    });
    const token = new URL((await h.cases.vendorMail(caseId, 'return')).link).pathname.split('/').pop()!;
    const form = new FormData();
    form.set('category', 'electronic');
    form.set('file', new Blob([crypto.randomBytes(12 * 1024 * 1024)]), 'scans.bin');
    expect((await fetch(h.url(`/api/vendor/${token}/files`), { method: 'POST', body: form })).status).toBe(201);
    await h.as(undefined, 'POST', `/api/vendor/${token}/submit-return`, { note: 'All of it' });
    await h.cases.waitForStatus(caseId, 'awaiting_review');
    expect((await h.as(ada, 'POST', `/api/cases/${caseId}/review`, { decision: 'accept' })).status).toBe(200);

    const since = Date.now();
    const download = await fetch(h.url(`/api/cases/${caseId}/return-package`), { headers: { cookie: ada.cookie } });
    expect(download.status).toBe(200);
    const reader = download.body!.getReader();
    await reader.read();
    await reader.cancel(); // the administrator's connection drops mid-way
    let entries: Awaited<ReturnType<typeof h.accessLog.list>> = [];
    for (let i = 0; i < 50 && !entries.some((e) => e.outcome.startsWith('aborted')); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      entries = (await h.accessLog.list({ caseId, from: since })).filter((e) => e.action.endsWith('/return-package'));
    }
    expect(entries.map((e) => e.outcome)).toEqual([
      expect.stringMatching(/^started 200$/),
      expect.stringMatching(/^aborted 200 after \d+ bytes$/),
    ]);
    const bytes = Number(/after (\d+) bytes/.exec(entries[1]!.outcome)![1]);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(12 * 1024 * 1024);
    expect(entries.every((e) => e.actor === 'user:ada')).toBe(true);

    // Read whole, the end says so with the bytes.
    const whole = await fetch(h.url(`/api/cases/${caseId}/return-package`), { headers: { cookie: ada.cookie } });
    const length = (await whole.arrayBuffer()).byteLength;
    await new Promise((r) => setTimeout(r, 300));
    const last = (await h.accessLog.list({ caseId, from: since }))
      .filter((e) => e.action.endsWith('/return-package'))
      .at(-1);
    expect(last?.outcome).toBe(`ok 200, complete: ${length} bytes`);
  }, 60_000);
});

/** A new case whose vendor has acknowledged: its return task is open. */
async function atReturn(): Promise<{ caseWithReturn: string; returnToken: string }> {
  const caseWithReturn = await h.cases.startCase();
  const ackToken = new URL((await h.cases.vendorMail(caseWithReturn, 'acknowledge')).link).pathname.split('/').pop()!;
  await h.as(undefined, 'POST', `/api/vendor/${ackToken}/acknowledge`, {
    contactName: 'Dana',
    contactEmail: 'dana@acme-learning.example',
  });
  return {
    caseWithReturn,
    returnToken: new URL((await h.cases.vendorMail(caseWithReturn, 'return')).link).pathname.split('/').pop()!,
  };
}

/** Raw HTTP on a socket: what arrives until the server closes it. */
function rawExchange(
  request: string | Buffer,
  options: { keepOpenMs?: number } = {},
): Promise<{ text: string; closedAfterMs: number }> {
  const { port } = new URL(h.baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () =>
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started }),
    );
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open'));
    }, options.keepOpenMs ?? 15_000);
  });
}

const headerOf = (raw: string, name: string): string | undefined =>
  new RegExp(`^${name}: (.*)$`, 'im').exec(raw.split('\r\n\r\n')[0]!)?.[1]?.trim();

describe('answers given before routing', () => {
  it('414 for an address too long and 431 for headers too large carry the security headers and echo nothing', async () => {
    const longToken = `v1.${'A'.repeat(3000)}`;
    const tooLong = await fetch(h.url(`/v/${longToken}`));
    expect(tooLong.status).toBe(414);
    for (const header of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy'])
      expect(tooLong.headers.get(header), header).toBeTruthy();
    expect(tooLong.headers.get('cache-control')).toBe('no-store');
    expect(await tooLong.text()).not.toContain('AAAA');

    const huge = await rawExchange(`GET /cases HTTP/1.1\r\nHost: x\r\nX-Filler: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(huge.text).toMatch(/^HTTP\/1\.1 431 /);
    for (const header of ['Content-Security-Policy', 'X-Content-Type-Options', 'X-Frame-Options', 'Referrer-Policy'])
      expect(headerOf(huge.text, header), header).toBeTruthy();
    expect(headerOf(huge.text, 'Cache-Control')).toBe('no-store');
  });
});

describe('an upload that stops sending', () => {
  it('is cut after the idle time, and leaves nothing staged', async () => {
    const { caseWithReturn, returnToken } = await atReturn();
    const boundary = 'stall';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\npermanent\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\nContent-Type: text/csv\r\n\r\nstudent_id,name\n`;
    const request = `POST /api/vendor/${returnToken}/files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + 1_000_000}\r\n\r\n${head}${'1,Ada\n'.repeat(1000)}`;
    const { closedAfterMs } = await rawExchange(request);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_500); // IDLE_TIMEOUT is 2 s here
    await h.cases.waitFor(
      'the partial file removed',
      async () => (await h.cases.storage.listStaged(caseWithReturn)).length === 0,
      5_000,
    );
    expect(await h.cases.storage.listStaged(caseWithReturn)).toEqual([]);
  });
});
