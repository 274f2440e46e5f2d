// The scale-out drill (`npm run test:scale`): two HTTP servers and two workers, each a process with an empty
// DATA_DIR of its own, on one PostgreSQL database, one bucket prefix, one Temporal task queue and one KEYRING_KEY,
// carry thirty cases from notice to statement, every step on the other server than the last. Meanwhile a worker
// is SIGKILLed while it builds a return package, and a server while an upload streams into it. Whatever a node
// kept for itself (a disk, a memory) would show up here as a case that cannot go on.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseInput } from '../domain/case-input';
import { freePort } from '../scripts/dev-server';
import { stopMinio } from '../scripts/services/minio';
import { stopPostgres } from '../scripts/services/postgres';
import { servicesUp } from '../scripts/services/services';
import { stopTemporalServer } from '../scripts/services/temporal-server';
import { scratchFile, unzipEntry } from './support/artifacts';
import { caseInput, certification } from './support/fixtures';
import { beginUpload, ScaleClient, type ServerSlot } from './support/scale-client';
import { ScaleStack, type NodeProcess, type ServicesEnv } from './support/scale-stack';
import { SmtpReceiver } from './support/smtp-receiver';

const CASES = 30;
/** Cases in flight at once: enough to overlap every step, few enough for two cores. */
const LANES = 5;
/** The case whose packaging loses its worker, and the case whose upload loses its server. */
const KILL_WORKER_CASE = 6;
const KILL_SERVER_CASE = 13;
const LOG_DIR = path.resolve(__dirname, '../test-results/scale-logs');
const ADMIN = {
  username: 'scale-admin',
  password: 'a long scale drill passphrase',
  email: 'scale-admin@district.example',
};
const GUESSED = { username: 'scale-guessed', password: 'the right passphrase, never guessed' };
const ADMIN_EMAIL = 'records-admin@district.example';
/** Where the burst of bad sign-ins comes from, as the proxy in front says (TRUST_PROXY=1). */
const GUESSER = '203.0.113.77';
const ACK = {
  contactName: 'Dana Whitfield',
  contactEmail: 'dana@acme-learning.example',
  contactTitle: 'Privacy Officer',
};
const MiB = 1024 * 1024;

const log = (line: string): void => console.log(`[scale] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

let startedServices: string[] = [];
let smtp: SmtpReceiver | undefined;
let stack: ScaleStack | undefined;
let temporal: Connection | undefined;
let client: ScaleClient;
const servers: NodeProcess[] = [];
const workers: NodeProcess[] = [];

interface CaseRun {
  caseId: string;
  details: any;
  uploads: Map<string, string>;
}
const runs = new Map<number, CaseRun>();
const faults: {
  workerKilled?: { caseId: string; identity: string };
  serverKilled?: { caseId: string; ended: string };
} = {};

beforeAll(async () => {
  const services = await servicesUp(['postgres', 'minio', 'temporal'], (line) => log(`services: ${line}`));
  startedServices = services.started;
  smtp = new SmtpReceiver();
  const smtpUrl = await smtp.start();
  const ports = [await freePort(), await freePort()] as [number, number];
  stack = await ScaleStack.create(
    services.env as unknown as ServicesEnv,
    {
      SMTP_URL: smtpUrl,
      ADMIN_EMAIL,
      INTRUSION_BURST: '10',
      TRUST_PROXY: '1',
      PUBLIC_URL: `http://localhost:${ports[0]}`,
      DISTRICT_NAME: 'Riverside Unified School District',
    },
    LOG_DIR,
  );
  log(
    `database ${new URL(stack.env.DATABASE_URL!).pathname.slice(1)}, storage ${stack.env.STORAGE_URL!.split('?')[0]}, task queue ${stack.env.TASK_QUEUE}; logs in ${LOG_DIR}`,
  );
  servers.push(stack.server('server-a', ports[0]), stack.server('server-b', ports[1]));
  workers.push(stack.worker('worker-a'), stack.worker('worker-b'));
  await Promise.all([...servers, ...workers].map((node) => node.ready));

  const added = stack.cli(
    ['user', 'add', '--username', ADMIN.username, '--role', 'admin', '--email', ADMIN.email, '--password-stdin'],
    `${ADMIN.password}\n`,
  );
  expect(added.status, added.stderr).toBe(0);
  expect(
    stack.cli(['user', 'add', '--username', GUESSED.username, '--role', 'legal', '--password-stdin'], GUESSED.password)
      .status,
  ).toBe(0);
  const slots: ServerSlot[] = servers.map((node, i) => ({
    name: node.name,
    port: ports[i]!,
    inRotation: true,
    inFlight: 0,
  }));
  client = new ScaleClient(slots, smtp);
  for (const i of [0, 1]) client.sessions[i] = await client.login(i, ADMIN.username, ADMIN.password);
  temporal = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! });
}, 300_000);

afterAll(async () => {
  if (temporal && stack)
    await terminateLeftovers(temporal, stack).catch((err) =>
      log(`could not terminate the drill's workflows: ${(err as Error).message}`),
    );
  await temporal?.close();
  await stack?.close();
  await smtp?.stop();
  // Only what this run started: a developer's `npm run services:up` keeps running.
  const quiet = (line: string): void => log(`services: ${line}`);
  if (startedServices.includes('temporal')) await stopTemporalServer(quiet);
  if (startedServices.includes('minio')) await stopMinio(quiet);
  if (startedServices.includes('postgres')) await stopPostgres(quiet);
}, 120_000);

/** The retention workflows (years of timers) of this run's task queue: nobody will poll it again. */
async function terminateLeftovers(connection: Connection, scale: ScaleStack): Promise<void> {
  const namespace = scale.env.TEMPORAL_NAMESPACE!;
  const open = await connection.workflowService.listWorkflowExecutions({
    namespace,
    pageSize: 1000,
    query: `TaskQueue = '${scale.env.TASK_QUEUE}' AND ExecutionStatus = 'Running'`,
  });
  for (const execution of open.executions ?? []) {
    await connection.workflowService.terminateWorkflowExecution({
      namespace,
      workflowExecution: { workflowId: execution.execution!.workflowId! },
      reason: 'the scale drill is over',
    });
  }
}

/** A seeded generator, so every run uploads the same files. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A few hundred KB per case: a CSV whose records are counted, a JSON Lines file, an incompressible scan. */
function filesOf(i: number): { rows: number; files: { category: string; name: string; content: Buffer }[] } {
  const random = seeded(7400 + i);
  const rows = 5_000 + i * 37;
  const csv = ['student_id,last_name,first_name,grade,score'];
  for (let r = 0; r < rows; r += 1)
    csv.push(
      `${100000 + r},Name${Math.floor(random() * 1e6)},Given${Math.floor(random() * 1e4)},${1 + Math.floor(random() * 12)},${(random() * 100).toFixed(2)}`,
    );
  const jsonl = Array.from({ length: 1_200 }, (_, r) =>
    JSON.stringify({
      event: random() < 0.5 ? 'login' : 'read',
      student: 100000 + r,
      at: 1_700_000_000 + Math.floor(random() * 1e7),
    }),
  );
  const files = [
    { category: 'permanent', name: 'students.csv', content: Buffer.from(`${csv.join('\n')}\n`) },
    { category: 'electronic', name: 'activity.jsonl', content: Buffer.from(`${jsonl.join('\n')}\n`) },
    { category: 'electronic', name: 'scan.bin', content: crypto.randomBytes(150 * 1024) },
  ];
  // The case whose worker dies packages long enough to be caught at it.
  if (i === KILL_WORKER_CASE)
    files.push(
      { category: 'electronic', name: 'scans-2019.bin', content: crypto.randomBytes(24 * MiB) },
      { category: 'electronic', name: 'scans-2020.bin', content: crypto.randomBytes(24 * MiB) },
    );
  return { rows, files };
}

/** One case from start to completed, each step on the other server than the one before. */
async function runCase(i: number): Promise<CaseRun> {
  const a = i % 2;
  const b = 1 - a;
  const { rows, files } = filesOf(i);
  const input: CaseInput = caseInput({
    contract: { id: `CT-SCALE-${String(i).padStart(2, '0')}` },
    disposition: {
      option: 'return_then_destroy',
      extent: 'complete',
      categories: [{ key: 'permanent', expectedRecords: rows }, { key: 'electronic' }],
    },
  });
  const started = await client.expectOk(a, 'POST', '/api/cases', { json: input, retry503: false }, [201]);
  const caseId: string = started.json.caseId;

  const ack = await client.vendorToken(caseId, 'acknowledge');
  await client.expectOk(b, 'POST', `/api/vendor/${ack}/acknowledge`, { json: ACK, session: false });

  const token = await client.vendorToken(caseId, 'return');
  const uploads = new Map<string, string>();
  for (const file of files) {
    const answer = await client.upload(a, token, file.category, file.name, file.content);
    expect(answer.json.sha256).toBe(sha256(file.content));
    uploads.set(`${file.category}/${file.name}`, answer.json.sha256);
  }
  if (i === KILL_SERVER_CASE)
    uploads.set('electronic/scan-archive.bin', await uploadThroughServerKill(caseId, token, a));
  const submitted = await client.expectOk(
    b,
    'POST',
    `/api/vendor/${token}/submit-return`,
    { json: { note: `Case ${i}: everything we hold.` }, session: false },
    [202],
  );
  expect(submitted.json.status).toBe('packaging');
  if (i === KILL_WORKER_CASE) await killPackagingWorker(caseId);

  const review = await client.waitForStatus(caseId, 'awaiting_review', 240_000);
  expect(review.returnPackage.files).toBe(uploads.size);
  await client.expectOk(a, 'POST', `/api/cases/${caseId}/review`, {
    json: { decision: 'accept', reason: 'Accepted as returned' },
  });
  const certify = await client.vendorToken(caseId, 'certify');
  // The signatory's code is asked for through one server and given through the other (codes live in the database).
  const cert = certification(input);
  const asked = await client.expectOk(
    a,
    'POST',
    `/api/vendor/${certify}/certify`,
    { json: cert, session: false },
    [202],
  );
  expect(asked.json.status).toBe('verification_sent');
  const code = await client.signatoryCode(caseId, cert.destruction.signatoryEmail);
  await client.expectOk(b, 'POST', `/api/vendor/${certify}/certify`, {
    json: { ...cert, verificationCode: code },
    session: false,
  });
  const details = await client.waitForStatus(caseId, 'completed', 240_000);
  return { caseId, details, uploads };
}

/**
 * Waits until the case's package is being built on one of the workers, SIGKILLs that worker, and starts a
 * replacement with a new empty DATA_DIR. The attempt is retried elsewhere once its heartbeat times out.
 */
async function killPackagingWorker(caseId: string): Promise<void> {
  const namespace = stack!.env.TEMPORAL_NAMESPACE!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await client.expectOk(0, 'GET', `/api/cases/${caseId}`)).json.status;
    if (status !== 'packaging')
      throw new Error(
        `case ${caseId} is ${status}: its packaging finished before a worker could be killed during it; make its files bigger`,
      );
    const { pendingActivities } = await temporal!.workflowService.describeWorkflowExecution({
      namespace,
      execution: { workflowId: `case-${caseId}` },
    });
    const packaging = pendingActivities?.find(
      (p) =>
        p.activityType?.name === 'buildReturnPackage' &&
        p.state === proto.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    );
    const victim = workers.find((w) => w.alive && w.workerIdentity === packaging?.lastWorkerIdentity);
    if (victim) {
      await victim.kill();
      faults.workerKilled = { caseId, identity: victim.workerIdentity };
      log(`SIGKILLed ${victim.name} (pid ${victim.pid}) while it packaged case ${caseId}`);
      const replacement = stack!.worker('worker-c');
      workers.push(replacement);
      await replacement.ready;
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`the package of case ${caseId} was not being built on any of our workers within 60 s`);
    await sleep(50);
  }
}

/**
 * Streams a 12 MiB file to server `x` until the server is writing it into the bucket, SIGKILLs the server, has
 * the vendor upload the file again on the other server, and restarts `x` on its port with a new empty DATA_DIR.
 */
async function uploadThroughServerKill(caseId: string, token: string, x: number): Promise<string> {
  const y = 1 - x;
  const content = crypto.randomBytes(12 * MiB);
  await client.drain(x); // the balancer sends it nothing new; only this upload is in flight when it dies
  const { socket, ended } = await beginUpload(
    client.servers[x]!.port,
    token,
    'electronic',
    'scan-archive.bin',
    content,
    10 * MiB,
  );
  for (
    const deadline = Date.now() + 30_000;
    (await stack!.unfinishedUploads(`cases/${caseId}/staged/`)).length === 0;
  ) {
    if (Date.now() > deadline)
      throw new Error(`${servers[x]!.name} did not begin storing the upload of case ${caseId} within 30 s`);
    await sleep(50);
  }
  const victim = servers[x]!;
  await victim.kill();
  faults.serverKilled = { caseId, ended: await ended };
  socket.destroy();
  log(`SIGKILLed ${victim.name} (pid ${victim.pid}) mid-upload; the connection ended: ${faults.serverKilled.ended}`);

  const again = await client.upload(y, token, 'electronic', 'scan-archive.bin', content);
  expect(again.status).toBe(201);
  expect(again.json.sha256).toBe(sha256(content));

  const restarted = stack!.server(victim.name, client.servers[x]!.port);
  servers[x] = restarted;
  await restarted.ready;
  client.servers[x]!.inRotation = true;
  // The administrator's session from before the crash holds: sessions live in the database.
  expect((await client.to(x, 'GET', `/api/cases/${caseId}`)).status).toBe(200);
  const task = await client.to(x, 'GET', `/api/vendor/${token}`, { session: false });
  expect(task.json.stagedFiles.filter((f: { name: string }) => f.name === 'scan-archive.bin')).toHaveLength(1);
  return again.json.sha256;
}

describe.sequential('two servers and two workers with no shared disk', () => {
  it(`carry ${CASES} cases to completed through a SIGKILLed worker and a SIGKILLed server`, async () => {
    const begun = Date.now();
    const queue = Array.from({ length: CASES }, (_, i) => i);
    const lanes = await Promise.allSettled(
      Array.from({ length: LANES }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          runs.set(i, await runCase(i));
          log(`case ${i} completed (${runs.size}/${CASES}, ${Math.round((Date.now() - begun) / 1000)} s)`);
        }
      }),
    );
    const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failed) throw failed.reason;

    expect(runs.size).toBe(CASES);
    for (const run of runs.values()) expect(run.details.status).toBe('completed');
    expect(faults.workerKilled).toBeDefined();
    expect(faults.serverKilled?.ended).toMatch(/^(closed|error)/);
    // The killed attempt was retried, and the package that counts was built by another worker.
    const started = await packagingStarted(faults.workerKilled!.caseId);
    expect(started.attempt).toBeGreaterThanOrEqual(2);
    expect(started.identity).not.toBe(faults.workerKilled!.identity);
    log(
      `${CASES} cases completed in ${Math.round((Date.now() - begun) / 1000)} s; ${client.retried} answers of "try again shortly" were tried again`,
    );
  }, 1_200_000);

  it('every return package and statement reads the same from either server, and verifies on the other', async () => {
    expect(runs.size).toBe(CASES);
    const caseIds = [...runs.values()].map((run) => run.caseId).sort();
    for (const s of [0, 1]) {
      const listed = (await client.to(s, 'GET', '/api/cases?status=completed')).json.cases.map(
        (c: { caseId: string }) => c.caseId,
      );
      expect([...listed].sort()).toEqual(caseIds);
    }
    for (const { caseId, details, uploads } of runs.values()) {
      const zipSha256: string = details.returnPackage.zipSha256;
      expect(zipSha256).toMatch(/^[0-9a-f]{64}$/);
      for (const s of [0, 1]) {
        const zip = await client.to(s, 'GET', `/api/cases/${caseId}/return-package`);
        expect(zip.status).toBe(200);
        expect(zip.headers.get('x-content-sha256')).toBe(zipSha256);
        expect(sha256(zip.bytes)).toBe(zipSha256);
        const pdf = await client.to(s, 'GET', `/api/cases/${caseId}/statement`);
        expect(pdf.status).toBe(200);
        expect(sha256(pdf.bytes)).toBe(details.statement.sha256);
        const verdict = await client.to(1 - s, 'POST', '/api/statements/verify', {
          session: false,
          headers: { 'content-type': 'application/pdf' },
          body: pdf.bytes,
        });
        expect(verdict.json).toMatchObject({ valid: true, statementId: details.statement.statementId });
        if (s === 1) continue;
        // Exactly the files the vendor uploaded, whole: none lost, none partial from the killed server.
        const file = scratchFile('return.zip');
        fs.writeFileSync(file, zip.bytes);
        const manifest = JSON.parse(unzipEntry(file, 'manifest.json').toString()) as {
          files: { path: string; sha256: string }[];
        };
        expect(Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256]))).toEqual(Object.fromEntries(uploads));
      }
    }
  }, 600_000);

  it('keeps one intact access log, as `disposition audit verify` finds', () => {
    const verified = stack!.cli(['audit', 'verify']);
    expect(verified.status, verified.stderr).toBe(0);
    const entries = Number(/The access log is intact: (\d+) entries/.exec(verified.stdout)?.[1]);
    // Each case was read and acted on a dozen times at least, by both servers.
    expect(entries).toBeGreaterThanOrEqual(CASES * 12);
    log(verified.stdout.trim());
  });

  it('locks an account guessed at over both servers, and alerts the administrators once', async () => {
    const alerts = () => smtp!.mails.filter((m) => m.headers.get('x-disposition-mail') === 'intrusion_alert');
    expect(alerts()).toEqual([]); // thirty cases' worth of ordinary traffic is no burst
    const signIn = (server: number, password: string, from?: string) =>
      client.to(server, 'POST', '/api/auth/login', {
        session: false,
        headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
        body: JSON.stringify({ username: GUESSED.username, password }),
      });
    const statuses: number[] = [];
    for (let n = 0; n < 12; n += 1) statuses.push((await signIn(n % 2, `guess number ${n}`, GUESSER)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // The right password, on either server, from the guesser or from anywhere else: locked.
    for (const s of [0, 1]) {
      for (const from of [GUESSER, undefined]) {
        const refused = await signIn(s, GUESSED.password, from);
        expect(refused.status).toBe(429);
        expect(refused.json.error.message).toContain('locked until');
      }
    }
    const alert = await smtp!.waitFor(
      (m) => m.headers.get('x-disposition-mail') === 'intrusion_alert',
      30_000,
      'the intrusion alert',
    );
    expect(alert.subject).toContain(GUESSER);
    expect(alert.to).toContain(ADMIN_EMAIL);
    // More of the same burst, on both servers: no second alert.
    for (const s of [0, 1]) expect((await signIn(s, 'one more guess', GUESSER)).status).toBe(429);
    await sleep(3_000);
    expect(alerts()).toHaveLength(1);
    // Refusals recorded by both servers at once still make one intrusion chain, as `audit verify` finds.
    await Promise.all(Array.from({ length: 10 }, (_, n) => signIn(n % 2, `parallel guess ${n}`, GUESSER)));
    const verified = stack!.cli(['audit', 'verify']);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    expect(Number(/The intrusion log is intact: (\d+) events/.exec(verified.stdout)?.[1])).toBeGreaterThanOrEqual(20);
    log(verified.stdout.trim());
  }, 120_000);

  it("left nothing on any node's disk, lost no process unexpectedly and left no upload parts in the bucket", async () => {
    expect(stack!.unexpectedExits).toEqual([]);
    expect(stack!.filesOnLocalDisks()).toEqual([]);
    // The upload the killed server left unfinished went with the case's staged files.
    expect(await stack!.unfinishedUploads()).toEqual([]);
    // Staged copies are destroyed once a return is accepted (7400.1 II.C), whichever node staged them.
    const stored = await stack!.storedObjects('cases/');
    expect(stored.filter((key) => key.includes('/staged/'))).toEqual([]);
    expect(stored.filter((key) => key.includes('/packages/'))).toHaveLength(CASES * 2); // each case's package and its record
  });
});

/** The attempt and worker of the case's last started packaging (the history keeps only the last attempt's start). */
async function packagingStarted(caseId: string): Promise<{ attempt: number; identity: string }> {
  const namespace = stack!.env.TEMPORAL_NAMESPACE!;
  const events: proto.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await temporal!.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId: `case-${caseId}` },
      ...(nextPageToken?.length ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken ?? undefined;
  } while (nextPageToken?.length);
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'buildReturnPackage',
  );
  const start = events.find(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduled?.eventId),
  );
  if (!start) throw new Error(`case ${caseId} has no started packaging in its history`);
  return {
    attempt: start.activityTaskStartedEventAttributes!.attempt ?? 0,
    identity: start.activityTaskStartedEventAttributes!.identity ?? '',
  };
}
