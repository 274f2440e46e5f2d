// What a district's monitoring reads (issue 27, items 2 and 3), from the stack as `npm start` runs it, compiled:
// the server's and the worker's Prometheus listeners on loopback ports of their own, liveness and readiness, the
// counts moving as people use the service (requests by route, refusals and intrusion events by kind, cases by
// status, mails by kind, and the Temporal SDK's own worker metrics beside ours), and the worker's JSON log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { CompiledStack } from './support/compiled-stack';

const ROOT = path.resolve(__dirname, '..');
const PASSWORD = 'correct horse battery staple';

let stack: CompiledStack;
const ports = { server: 0, worker: 0 };

const url = (pathname: string): string => stack.url(pathname);

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample, by its name and labels as written, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  ports.server = await freePort();
  ports.worker = await freePort();
  stack = await CompiledStack.start('metrics', {
    METRICS_PORT: String(ports.server),
    WORKER_METRICS_PORT: String(ports.worker),
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

describe('health and readiness', () => {
  it('answers liveness, and readiness naming the database, the storage and Temporal', async () => {
    const health = await fetch(url('/api/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(url('/api/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', storage: 'ok', temporal: 'ok' });
  });
});

describe('the Prometheus listeners', () => {
  it('serve /metrics on loopback ports of their own, nothing else, and say where they are', async () => {
    expect(stack.output).toContain(`[server] Prometheus metrics on http://127.0.0.1:${ports.server}/metrics`);
    expect(stack.output).toContain(`[worker] Prometheus metrics on http://127.0.0.1:${ports.worker}/metrics`);
    expect((await fetch(`http://127.0.0.1:${ports.server}/`)).status).toBe(404);
    // The service's own port does not serve them.
    expect((await fetch(url('/metrics'))).status).toBe(404);
  });

  it('count requests by route, refusals and intrusion events by kind, cases by status, and mails by kind', async () => {
    const added = await stack.cli(
      ['user', 'add', '--username', 'ada', '--role', 'admin', '--password-stdin'],
      PASSWORD,
    );
    expect(added.status, added.out).toBe(0);
    // Refused: no session (a refusal), then a wrong password (a refusal and an intrusion event).
    expect((await fetch(url('/api/cases'))).status).toBe(401);
    const wrong = await fetch(url('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    const { cookie, csrfToken } = await stack.signIn('ada', PASSWORD);
    const started = await fetch(url('/api/cases'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: fs.readFileSync(path.join(ROOT, 'examples', 'case.json')),
    });
    expect(started.status).toBe(201);
    const { caseId } = (await started.json()) as { caseId: string };

    const server = await stack.until('the case in the server metrics', async () => {
      const text = await scrape(ports.server);
      return sample(text, 'disposition_cases{status="awaiting_acknowledgement"}') === 1 && text;
    });
    expect(
      sample(server, 'disposition_http_request_duration_seconds_count{method="GET",route="/api/cases",status="401"}'),
    ).toBe(1);
    expect(
      sample(server, 'disposition_http_request_duration_seconds_count{method="POST",route="/api/cases",status="201"}'),
    ).toBe(1);
    expect(sample(server, 'disposition_refusals_total{code="unauthorized"}')).toBe(2);
    expect(sample(server, 'disposition_intrusion_events_total{kind="failed_login"}')).toBe(1);
    expect(sample(server, 'disposition_cases{status="completed"}')).toBe(0);
    expect(sample(server, 'disposition_cases_overdue')).toBe(0);
    expect(server).toContain('disposition_server_process_cpu_seconds_total');

    const worker = await stack.until('the notice in the worker metrics', async () => {
      const text = await scrape(ports.worker);
      return sample(text, 'disposition_mails_total{kind="notice",outcome="sent"}') === 1 && text;
    });
    expect(worker).toContain('disposition_worker_process_resident_memory_bytes');
    expect(worker).toMatch(/^disposition_package_duration_seconds_count 0$/m);
    // The Temporal SDK's own, after ours: its workers' task slots and polls.
    expect(worker).toMatch(/^temporal_worker_task_slots_available\{/m);

    // The worker's log is JSON lines, as the server's, each with the case it is about.
    const entry = await stack.until('the notice in the worker log', async () =>
      stack.logEntries().find((e) => e.process === 'worker' && String(e.msg).startsWith('outbox: notice')),
    );
    expect(entry).toMatchObject({ level: 30, caseId, workflowId: `case-${caseId}`, activityType: 'sendCaseMail' });
  }, 120_000);
});

describe('the metrics settings', () => {
  it('are off unless a port is given, bind to loopback unless METRICS_HOST says otherwise, and refuse a bad port', async () => {
    const { loadConfig } = await import('../infra/config');
    const base = { DATA_DIR: path.join(os.tmpdir(), 'disposition-metrics-config') };
    expect(loadConfig(base)).toMatchObject({ metricsHost: '127.0.0.1' });
    expect(loadConfig(base).metricsPort).toBeUndefined();
    expect(loadConfig(base).workerMetricsPort).toBeUndefined();
    expect(
      loadConfig({ ...base, METRICS_PORT: '9464', WORKER_METRICS_PORT: '9465', METRICS_HOST: '0.0.0.0' }),
    ).toMatchObject({ metricsPort: 9464, workerMetricsPort: 9465, metricsHost: '0.0.0.0' });
    expect(() => loadConfig({ ...base, METRICS_PORT: '70000' })).toThrow(
      'METRICS_PORT="70000" must be a port number from 1 to 65535',
    );
    expect(() => loadConfig({ ...base, WORKER_METRICS_PORT: 'nine' })).toThrow(
      'WORKER_METRICS_PORT="nine" must be a port number from 1 to 65535',
    );
  });
});
