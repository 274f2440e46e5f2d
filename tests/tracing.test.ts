// Traces (issue 27, item 3), from the stack as `npm start` runs it, compiled, with OTEL_EXPORTER_OTLP_ENDPOINT
// naming a receiver on loopback: the vendor's submission of the return is one trace from its HTTP request through
// the Temporal client's update, the workflow's handling of it, to the packaging activity the workflow runs after
// it; the worker's log lines carry that trace's id; no span carries a link token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledStack } from './support/compiled-stack';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const PASSWORD = 'correct horse battery staple';

let stack: CompiledStack;
let receiver: OtlpReceiver;

const url = (pathname: string): string => stack.url(pathname);

async function linkToken(caseId: string, task: string): Promise<string> {
  const link = await stack.cli(['outbox', 'link', caseId, '--task', task, '--timeout', '60']);
  expect(link.status, link.out).toBe(0);
  return link.out.trim().replace(/.*\/v\//, '');
}

async function post(pathname: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url(pathname), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The span and its ancestors, nearest first, as far as the receiver holds them. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  for (let at = span; at.parentSpanId;) {
    const parent = spans.find((s) => s.spanId === at.parentSpanId && s.traceId === at.traceId);
    if (!parent) break;
    chain.push(parent);
    at = parent;
  }
  return chain;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await CompiledStack.start('tracing', {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Batches every fifth of a second rather than every five seconds: the test waits for them.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe('one trace from the vendor submitting the return to its packaging', () => {
  it('links the HTTP request, the update, its handling in the workflow and the packaging activity', async () => {
    const added = await stack.cli(
      ['user', 'add', '--username', 'ada', '--role', 'admin', '--password-stdin'],
      PASSWORD,
    );
    expect(added.status, added.out).toBe(0);
    const { cookie, csrfToken } = await stack.signIn('ada', PASSWORD);
    const started = await post('/api/cases', fs.readFileSync(path.join(EXAMPLES, 'case.json'), 'utf8'), {
      cookie,
      'x-csrf-token': csrfToken,
    });
    expect(started.status).toBe(201);
    const { caseId } = (await started.json()) as { caseId: string };

    const acknowledge = await linkToken(caseId, 'acknowledge');
    const acknowledged = await post(
      `/api/vendor/${acknowledge}/acknowledge`,
      fs.readFileSync(path.join(EXAMPLES, 'acknowledge.json'), 'utf8'),
    );
    expect(acknowledged.status).toBeLessThan(300);
    const token = await linkToken(caseId, 'return');
    for (const [category, file] of [
      ['permanent', 'students.csv'],
      ['electronic', 'reading-sessions.jsonl'],
      ['access_log', 'access-log.csv'],
      ['policies', 'privacy-policy.txt'],
    ] as const) {
      const form = new FormData();
      form.append('category', category);
      form.append('file', new Blob([fs.readFileSync(path.join(EXAMPLES, 'returned', file))]), file);
      const staged = await fetch(url(`/api/vendor/${token}/files`), { method: 'POST', body: form });
      expect(staged.status).toBe(201);
    }
    const submitted = await post(
      `/api/vendor/${token}/submit-return`,
      fs.readFileSync(path.join(EXAMPLES, 'submit-return.json'), 'utf8'),
    );
    expect(submitted.status).toBeLessThan(300);
    const requestId = submitted.headers.get('x-request-id');

    const spans = receiver.spans;
    const packaging = await stack.until('the packaging span', async () =>
      spans.find((s) => s.name === 'RunActivity:buildReturnPackage'),
    );
    const submission = await stack.until('the submission span', async () =>
      spans.find((s) => s.name === 'POST /api/vendor/:token/submit-return'),
    );
    // The workflow's spans reach the receiver when they end (through the worker's sink).
    const chain = await stack.until('the chain from the packaging to the request', async () => {
      const found = ancestry(spans, packaging);
      return found.at(-1) === submission && found;
    });
    const names = chain.map((s) => s.name);
    expect(names).toEqual([
      'RunActivity:buildReturnPackage',
      'StartActivity:buildReturnPackage',
      'HandleUpdate:submitReturn',
      'StartWorkflowUpdate:submitReturn',
      'POST /api/vendor/:token/submit-return',
    ]);
    expect(submission).toMatchObject({
      kind: 2, // SERVER
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/vendor/:token/submit-return',
        'http.response.status_code': submitted.status,
        'disposition.request_id': requestId,
      },
    });
    expect(submission.parentSpanId || 'none').toBe('none'); // a request from outside starts its own trace
    expect(packaging.attributes['temporalWorkflowId']).toBe(`case-${caseId}`);
    expect(new Set(chain.map((s) => s.resource['service.name']))).toEqual(new Set(['disposition']));

    // A staff action's trace reaches the mail it sets off: the acceptance opens the certification, whose notice
    // the worker's log line reports with the acceptance's trace id.
    await stack.until('the case awaiting review', async () => {
      const shown = await fetch(url(`/api/cases/${caseId}`), { headers: { cookie } });
      return ((await shown.json()) as { status: string }).status === 'awaiting_review';
    });
    const accepted = await post(
      `/api/cases/${caseId}/review`,
      { decision: 'accept' },
      { cookie, 'x-csrf-token': csrfToken },
    );
    expect(accepted.status).toBeLessThan(300);
    const acceptance = await stack.until('the acceptance span', async () =>
      spans.find((s) => s.attributes['disposition.request_id'] === accepted.headers.get('x-request-id')),
    );
    expect(acceptance.name).toBe('POST /api/cases/:caseId/review');
    const notice = await stack.until('the certification notice in the worker log', async () =>
      stack.logEntries().find((e) => e.process === 'worker' && e.trace_id === acceptance.traceId),
    );
    expect(notice).toMatchObject({ caseId, activityType: 'sendCaseMail' });
    expect(String(notice.msg)).toMatch(/^outbox: notice for the vendor/);

    // A link token is a credential: the URL never becomes a span's name or attribute.
    await new Promise((r) => setTimeout(r, 500));
    for (const secret of [token, acknowledge]) expect(receiver.bodies.join('\n')).not.toContain(secret);
  }, 180_000);
});

describe('the tracing settings', () => {
  it('are off unless an endpoint is named, follow the OTLP variables, and refuse what is not an HTTP URL', async () => {
    const { loadConfig } = await import('../infra/config');
    const base = { DATA_DIR: path.join(os.tmpdir(), 'disposition-tracing-config') };
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'disposition',
    });
    expect(
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.district.example/otlp',
        OTEL_SERVICE_NAME: 'disposition-east',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://traces.district.example/otlp', serviceName: 'disposition-east' });
    expect(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing,
    ).toBeUndefined();
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4317" must be an http:// or https:// URL',
    );
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="not a url" is not a URL',
    );
  });
});
