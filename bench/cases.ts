// npm run bench:cases [-- --cases 50 --concurrency 50 --rounds 2 --open 1000 --worker-cache N --temporal-db disk|memory --stack dev|services|both]
//
// Orchestration overhead (issue 6, item 2). On one worker and one dev server of its own:
//  1. drives N complete termination cases through the HTTP API, vendor and administrator actions scripted as
//     people do them (notice -> acknowledge -> upload one small CSV and submit -> accept -> certify ->
//     statement), every activity doing its real work, mail into DATA_DIR/outbox;
//  2. in the same run, N bare workflows with the same number of activities and updates doing nothing
//     (bench/bare-case-workflow.ts, a worker process of its own), driven through the Temporal client;
//     --rounds R alternates R batches of each, so load from elsewhere on the machine weighs on both alike;
//  3. the worker's memory with M open cases waiting on vendors (a fresh worker, --open 0 to skip; with
//     --worker-cache N its workflow cache holds N workflows instead of the production default).
// Prints cases per minute, p50/p95 per stage, the ratio to the bare workflow, and RSS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { caseInput, certification } from '../tests/support/fixtures';
import type { CaseInput } from '../domain/case-input';
import { bareCase, bareStep } from './bare-case-workflow';
import { Outbox } from './outbox';
import { servicesUp } from '../scripts/services/services';
import { freshPostgres } from './case-list';
import { log, NodeProcess, Stack, type TemporalDb } from './stack';
import { cpuSnapshot, cpuSpent, type CpuSnapshot } from './cpu-time';

const GOAL_RATIO = 1.3;
const GOAL_OPEN_MIB = 200;
const STAGES = ['notice', 'acknowledge', 'return + packaging', 'review', 'certify + statement'] as const;

function readArgs(): {
  cases: number;
  concurrency: number;
  rounds: number;
  open: number;
  temporalDb: TemporalDb;
  workerCache?: number;
  stacks: StackKind[];
} {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '50' },
      concurrency: { type: 'string' },
      rounds: { type: 'string', default: '2' },
      open: { type: 'string', default: '1000' },
      'temporal-db': { type: 'string', default: 'disk' },
      'worker-cache': { type: 'string' },
      stack: { type: 'string', default: 'dev' },
    },
  });
  const stacks: StackKind[] = values.stack === 'both' ? ['dev', 'services'] : [values.stack as StackKind];
  if (!stacks.every((s) => s === 'dev' || s === 'services')) throw new Error('--stack: dev, services or both');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a whole number, at least 1');
  const workerCache = values['worker-cache'] === undefined ? undefined : Number(values['worker-cache']);
  if (workerCache !== undefined && (!Number.isInteger(workerCache) || workerCache < 0))
    throw new Error('--worker-cache: a whole number of workflows');
  if (values['temporal-db'] !== 'disk' && values['temporal-db'] !== 'memory')
    throw new Error('--temporal-db: disk or memory');
  const cases = Number(values.cases);
  const concurrency = Number(values.concurrency ?? values.cases);
  const open = Number(values.open);
  if (!Number.isInteger(cases) || cases < 1) throw new Error('--cases: a whole number, at least 1');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency: a whole number, at least 1');
  if (!Number.isInteger(open) || open < 0)
    throw new Error('--open: a whole number (0 skips the open-cases measurement)');
  return {
    cases,
    concurrency,
    rounds,
    open,
    temporalDb: values['temporal-db'],
    stacks,
    ...(workerCache !== undefined ? { workerCache } : {}),
  };
}

interface Timing {
  stages: number[]; // ms, one per STAGES entry
  total: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Runs `count` jobs, `concurrency` at a time. */
async function pool<T>(count: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}

/** Samples the peak resident memory of some processes while a phase runs. */
function sampleMemory(processes: NodeProcess[]): { stop(): number[] } {
  const peaks = processes.map(() => 0);
  const sample = (): void =>
    processes.forEach((p, i) => {
      try {
        peaks[i] = Math.max(peaks[i]!, p.memory().rssMiB);
      } catch {
        // the process is gone
      }
    });
  const timer = setInterval(sample, 250);
  sample();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

const CSV = `student_id,last_name,first_name,grade\n${Array.from({ length: 200 }, (_, i) => `${100000 + i},Name${i},Given${i},${1 + (i % 12)}`).join('\n')}\n`;

/** One case from start to statement, as the people involved do it; the vendor writes from its own address. */
async function driveCase(stack: Stack, outbox: Outbox, i: number, run: string): Promise<Timing> {
  const vendorHeaders = { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
  const vendor = async (pathname: string, body: unknown): Promise<void> => {
    const response = await stack.send(pathname, {
      method: 'POST',
      headers: { ...vendorHeaders, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300)
      throw new Error(
        `POST ${pathname.replace(/\/vendor\/[^/]+/, '/vendor/…')}: ${response.status} ${await response.text()}`,
      );
  };
  const input: CaseInput = caseInput({
    contract: { id: `CT-BENCH-${run}-${i}` },
    disposition: {
      option: 'return_then_destroy',
      extent: 'complete',
      categories: [{ key: 'permanent', expectedRecords: 200 }],
    },
  });
  const marks = [Date.now()];
  const { caseId } = await stack.admin<{ caseId: string }>('POST', '/api/cases', input);
  const ack = await outbox.waitFor('notice-acknowledge-1', 'vendor', caseId);
  marks.push(Date.now());
  await vendor(`/api/vendor/${ack.token}/acknowledge`, {
    contactName: 'Dana Whitfield',
    contactEmail: 'privacy@acme-learning.example',
  });
  const ret = await outbox.waitFor('notice-return-1', 'vendor', caseId);
  marks.push(Date.now());
  const form = new FormData();
  form.append('category', 'permanent');
  form.append('file', new Blob([CSV], { type: 'text/csv' }), 'students.csv');
  const uploaded = await fetch(stack.url(`/api/vendor/${ret.token}/files`), {
    method: 'POST',
    headers: vendorHeaders,
    body: form,
  });
  if (uploaded.status !== 201) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  await vendor(`/api/vendor/${ret.token}/submit-return`, {});
  await outbox.waitFor('notice-review-1', 'district', caseId);
  marks.push(Date.now());
  await stack.admin('POST', `/api/cases/${caseId}/review`, { decision: 'accept' });
  const cert = await outbox.waitFor('notice-certify-1', 'vendor', caseId);
  marks.push(Date.now());
  // The signatory confirms their address with the code it is mailed (the first POST answers 202). Each vendor
  // has its own signatory: one address may hold only 10 unused codes an hour, and 20 cases certify at once.
  const certified = certification(input);
  certified.destruction.signatoryEmail = `privacy-${run}-${i}@vendor-${i}.example`;
  await vendor(`/api/vendor/${cert.token}/certify`, certified);
  const { code } = await outbox.waitFor('signatory-code', 'vendor', caseId);
  await vendor(`/api/vendor/${cert.token}/certify`, { ...certified, verificationCode: code });
  await outbox.waitFor('completion', 'vendor', caseId);
  marks.push(Date.now());
  return { stages: marks.slice(1).map((m, k) => m - marks[k]!), total: marks.at(-1)! - marks[0]! };
}

/** The marker a local activity leaves in the history (Temporal's SDK core names it so). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** A case's activities in words: how many, and how many of them local. */
function activityWords(phases: string[]): string {
  const all = phases.join('');
  const local = all.split('').filter((kind) => kind === 'l').length;
  return `${all.length} activities${local ? ` (${local} of them local)` : ''}`;
}

/**
 * Activities scheduled before each update was accepted, and after the last, in order (`r` through the Temporal
 * server, `l` local): the shape of a real case.
 */
async function phasesOf(
  client: Client,
  workflowId: string,
): Promise<{ phases: string[]; updates: number; children: number; workflowTasks: number; events: number }> {
  const handle = client.workflow.getHandle(workflowId);
  while ((await handle.describe()).status.name === 'RUNNING') await new Promise((r) => setTimeout(r, 100));
  const history = await handle.fetchHistory();
  const phases = [''];
  let children = 0;
  let workflowTasks = 0;
  for (const event of history.events ?? []) {
    if (event.activityTaskScheduledEventAttributes) phases[phases.length - 1] += 'r';
    if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) phases[phases.length - 1] += 'l';
    if (event.workflowExecutionUpdateAcceptedEventAttributes) phases.push('');
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) children += 1;
    if (event.workflowTaskCompletedEventAttributes) workflowTasks += 1;
  }
  return { phases, updates: phases.length - 1, children, workflowTasks, events: history.events?.length ?? 0 };
}

const millis = (t?: { seconds?: unknown; nanos?: number | null } | null): number =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Where the time of some workflows went, from their histories: per activity type (and workflow tasks), ms. */
async function profile(
  client: Client,
  workflowIds: string[],
): Promise<Map<string, { count: number; queued: number[]; ran: number[] }>> {
  const byType = new Map<string, { count: number; queued: number[]; ran: number[] }>();
  const entry = (type: string) => byType.get(type) ?? byType.set(type, { count: 0, queued: [], ran: [] }).get(type)!;
  for (const workflowId of workflowIds) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const event of events) {
      const done = event.activityTaskCompletedEventAttributes ?? event.workflowTaskCompletedEventAttributes;
      if (!done) continue;
      const scheduled = byId.get(Number(done.scheduledEventId));
      const started = byId.get(Number(done.startedEventId));
      const type = event.activityTaskCompletedEventAttributes
        ? (scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?')
        : '(workflow task)';
      const stats = entry(type);
      stats.count += 1;
      stats.queued.push(millis(started?.eventTime) - millis(scheduled?.eventTime));
      stats.ran.push(millis(event.eventTime) - millis(started?.eventTime));
    }
  }
  return byType;
}

function profileLines(prefix: string, byType: Awaited<ReturnType<typeof profile>>, workflows: number): string[] {
  const spread = (values: number[]): string =>
    `${percentile(values, 50).toFixed(0)}/${percentile(values, 95).toFixed(0)}`;
  return [...byType.entries()].map(
    ([type, stats]) =>
      `${`${prefix}${type}`.padEnd(24)}${(stats.count / workflows).toFixed(1).padStart(9)}${spread(stats.queued).padStart(14)}${spread(stats.ran).padStart(14)}`,
  );
}

async function driveBare(client: Client, taskQueue: string, phases: string[], i: number, run: string): Promise<Timing> {
  const marks = [Date.now()];
  const handle = await client.workflow.start(bareCase, { taskQueue, workflowId: `bare-${run}-${i}`, args: [phases] });
  for (let step = 0; step < phases.length - 1; step += 1) {
    await handle.executeUpdate(bareStep, { args: [step], updateId: `step-${step}` });
    marks.push(Date.now());
  }
  await handle.result();
  marks.push(Date.now());
  return { stages: marks.slice(1).map((m, k) => m - marks[k]!), total: marks.at(-1)! - marks[0]! };
}

interface PhaseResult {
  timings: Timing[];
  seconds: number;
  peaks: number[];
  /** CPU seconds by part of the stack over the phase. */
  cpu: CpuSnapshot;
}

async function timedPhase(
  processes: NodeProcess[],
  named: () => Record<string, number>,
  run: () => Promise<Timing[]>,
): Promise<PhaseResult> {
  const memory = sampleMemory(processes);
  const cpuBefore = cpuSnapshot(named());
  const started = Date.now();
  const timings = await run();
  const seconds = (Date.now() - started) / 1000;
  return { timings, seconds, peaks: memory.stop(), cpu: cpuSpent(cpuBefore, cpuSnapshot(named())) };
}

function combine(results: PhaseResult[]): PhaseResult {
  const cpu: CpuSnapshot = new Map();
  for (const r of results) for (const [group, s] of r.cpu) cpu.set(group, (cpu.get(group) ?? 0) + s);
  return {
    timings: results.flatMap((r) => r.timings),
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    peaks: results[0]!.peaks.map((_, i) => Math.max(...results.map((r) => r.peaks[i]!))),
    cpu,
  };
}

/** CPU seconds per case by part of the stack, real beside bare, largest first. */
function cpuLines(real: PhaseResult, bare: PhaseResult): string[] {
  const groups = [...new Set([...real.cpu.keys(), ...bare.cpu.keys()])];
  const per = (r: PhaseResult, g: string): number => (r.cpu.get(g) ?? 0) / r.timings.length;
  const total = (r: PhaseResult): number => groups.reduce((sum, g) => sum + per(r, g), 0);
  return [
    `CPU seconds per case, by part of the stack ("other": whatever else ran on the machine meanwhile):`,
    `${'part'.padEnd(24)}${'real'.padStart(9)}${'bare'.padStart(9)}`,
    ...groups
      .sort((a, b) => per(real, b) + per(bare, b) - per(real, a) - per(bare, a))
      .map((g) => `${g.padEnd(24)}${per(real, g).toFixed(3).padStart(9)}${per(bare, g).toFixed(3).padStart(9)}`),
    `${'all'.padEnd(24)}${total(real).toFixed(3).padStart(9)}${total(bare).toFixed(3).padStart(9)}`,
    ownCpuLine(groups.filter((g) => OWN_PARTS.includes(g)).reduce((sum, g) => sum + per(real, g), 0)),
  ];
}

/** The parts whose work is Disposition's own: the worker, the server, and what they ask of the record and files. */
const OWN_PARTS = ['case worker', 'HTTP server', 'postgres', 'minio'];
/** Issue 24's goal for Disposition's own CPU per case on the services stack (0.56 when it was set). */
const OWN_CPU_GOAL = 0.35;

function ownCpuLine(seconds: number): string {
  return `Disposition's own (${OWN_PARTS.join(', ')}): ${seconds.toFixed(3)} CPU s a case; goal ≤ ${OWN_CPU_GOAL} on the services stack: ${seconds <= OWN_CPU_GOAL ? 'met' : 'NOT met'}`;
}

const fmt = (ms: number): string => (ms / 1000).toFixed(2);
const perMinute = (r: PhaseResult): number => (r.timings.length / r.seconds) * 60;

/**
 * The stack to measure on: `dev`, one machine as `npm start` runs it (SQLite, files, the dev server); or
 * `services`, the several-machines stack of `npm run services:up` (PostgreSQL, MinIO, a Temporal server on
 * PostgreSQL), with a fresh database, bucket prefix and keyring key.
 */
async function startStack(kind: StackKind, args: Args): Promise<{ stack: Stack; cleanUp: () => Promise<void> }> {
  if (kind === 'dev')
    return { stack: await Stack.start({ temporalDb: args.temporalDb }), cleanUp: async () => undefined };
  const postgres = await freshPostgres();
  const { env } = await servicesUp(['postgres', 'minio', 'temporal'], (line) => log(`[services] ${line}`), {
    build: true,
  });
  const storage = new URL(env.STORAGE_URL!.replace(/^s3:/, 'http:'));
  const prefix = `bench-${Date.now().toString(36)}`;
  const stack = await Stack.start({
    env: {
      ...postgres.env,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
      STORAGE_URL: `s3://${storage.hostname}/${prefix}${storage.search}`,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      TASK_QUEUE: `disposition-bench-${prefix}`,
    },
  });
  return { stack, cleanUp: () => postgres.drop() };
}

type StackKind = 'dev' | 'services';
type Args = ReturnType<typeof readArgs>;

async function main(): Promise<void> {
  const args = readArgs();
  const reports: string[] = [];
  for (const kind of args.stacks) reports.push((await measure(args, kind)).join('\n'));
  console.log(reports.join('\n\n'));
}

async function measure(args: Args, kind: StackKind): Promise<string[]> {
  const run = Date.now().toString(36);
  const load = os.loadavg()[0]!;
  log(
    `bench:cases on the ${kind} stack: ${args.cases} cases, ${args.concurrency} at a time; starting Temporal, the worker and the HTTP server…`,
  );
  const { stack, cleanUp } = await startStack(kind, args);
  const outbox = new Outbox(`${stack.dataDir}/outbox`).start();
  const bareQueue = 'bare-bench';
  const bareWorker = new NodeProcess(
    'bare worker',
    'bench/bare-worker.ts',
    { TEMPORAL_ADDRESS: stack.temporalAddress, TASK_QUEUE: bareQueue },
    /\[bare-worker\] polling/,
  );
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    await bareWorker.ready;
    // Warm-up: one case each way, so neither side pays for first-time work (bundles, JIT, database pages).
    log('warming up…');
    await driveCase(stack, outbox, 1_000_000, `${run}w`);
    const caseIds = (await stack.admin<{ cases: { caseId: string }[] }>('GET', '/api/cases?status=completed')).cases;
    const shape = await phasesOf(client, `case-${caseIds[0]!.caseId}`);
    log(
      `a real case: ${activityWords(shape.phases)}, ${shape.phases.map((phase) => phase.length).join(' / ')} around its ${shape.updates} updates, ${shape.children} child workflow, ${shape.workflowTasks} workflow tasks, ${shape.events} history events`,
    );
    await driveBare(client, bareQueue, shape.phases, 1_000_000, `${run}w`);
    const bareShape = await phasesOf(client, `bare-${run}w-1000000`);
    log(
      `a bare case: ${activityWords(bareShape.phases)}, ${bareShape.updates} updates, ${bareShape.workflowTasks} workflow tasks, ${bareShape.events} history events`,
    );

    const named = (): Record<string, number> => ({
      'case worker': stack.worker.pid,
      'HTTP server': stack.server.pid,
      'bare worker': bareWorker.pid,
      'benchmark driver': process.pid,
    });
    // Rounds alternate real-then-bare and bare-then-real, so a neighbour's load drifting over the run (a
    // shared machine) weighs on both sides alike.
    const rounds: { real: PhaseResult[]; bare: PhaseResult[] } = { real: [], bare: [] };
    for (let round = 0; round < args.rounds; round += 1) {
      const offset = round * args.cases;
      const sides = [
        async () => {
          log(`round ${round + 1}/${args.rounds}: driving ${args.cases} real cases…`);
          rounds.real.push(
            await timedPhase([stack.worker, stack.server], named, () =>
              pool(args.cases, args.concurrency, (i) => driveCase(stack, outbox, offset + i, run)),
            ),
          );
        },
        async () => {
          log(`round ${round + 1}/${args.rounds}: driving ${args.cases} bare workflows…`);
          rounds.bare.push(
            await timedPhase([bareWorker], named, () =>
              pool(args.cases, args.concurrency, (i) => driveBare(client, bareQueue, shape.phases, offset + i, run)),
            ),
          );
        },
      ];
      for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
    }
    const real = combine(rounds.real);
    const bare = combine(rounds.bare);
    await bareWorker.stop();

    let open: { idle: number; loaded: number; peak: number; seconds: number } | undefined;
    if (args.open > 0) {
      log(
        `opening ${args.open} cases that wait on their vendors, on a fresh worker (workflow cache ${args.workerCache ?? 'as in production'})…`,
      );
      const worker = await stack.restartWorker(args.workerCache);
      await new Promise((r) => setTimeout(r, 2_000));
      const idle = worker.memory().rssMiB;
      const memory = sampleMemory([worker]);
      const started = Date.now();
      await pool(args.open, 32, async (i) => {
        const { caseId } = await stack.admin<{ caseId: string }>(
          'POST',
          '/api/cases',
          caseInput({ contract: { id: `CT-OPEN-${run}-${i}` } }),
        );
        await outbox.waitFor('notice-acknowledge-1', 'vendor', caseId);
      });
      const seconds = (Date.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 5_000)); // settled: every case parked on its timer
      const [peak] = memory.stop();
      open = { idle, loaded: worker.memory().rssMiB, peak: peak!, seconds };
    }

    // Histories of a sample of the real cases: which activities the time went to.
    const sample = (
      await stack.admin<{ cases: { caseId: string; contractId: string }[] }>('GET', '/api/cases?status=completed')
    ).cases
      .filter((c) => c.contractId.startsWith(`CT-BENCH-${run}-`))
      .slice(0, 10)
      .map((c) => `case-${c.caseId}`);
    const where = await profile(client, sample);
    const bareWhere = await profile(
      client,
      Array.from({ length: Math.min(10, args.cases) }, (_, i) => `bare-${run}-${i}`),
    );
    const realRate = perMinute(real);
    const bareRate = perMinute(bare);
    const ratio = bareRate / realRate;
    const p50Ratio =
      percentile(
        real.timings.map((t) => t.total),
        50,
      ) /
      percentile(
        bare.timings.map((t) => t.total),
        50,
      );
    const lines = [
      `bench:cases (${kind} stack)  ${new Date().toISOString().slice(0, 10)}  ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}  Node ${process.version}  load average before ${load.toFixed(2)}`,
      `${args.rounds} round(s) of ${args.cases} cases each way, ${args.concurrency} at a time, one worker and ${kind === 'dev' ? `one dev server (database on ${args.temporalDb}), SQLite and files` : 'a Temporal server on PostgreSQL, the case record in PostgreSQL, files in MinIO'}; a case: ${activityWords(shape.phases)}, ${shape.updates} updates`,
      '',
      `${'stage (seconds)'.padEnd(24)}${'real p50'.padStart(10)}${'real p95'.padStart(10)}${'bare p50'.padStart(10)}${'bare p95'.padStart(10)}`,
      ...STAGES.map(
        (name, k) =>
          `${name.padEnd(24)}${fmt(
            percentile(
              real.timings.map((t) => t.stages[k]!),
              50,
            ),
          ).padStart(10)}${fmt(
            percentile(
              real.timings.map((t) => t.stages[k]!),
              95,
            ),
          ).padStart(10)}` +
          `${fmt(
            percentile(
              bare.timings.map((t) => t.stages[k]!),
              50,
            ),
          ).padStart(10)}${fmt(
            percentile(
              bare.timings.map((t) => t.stages[k]!),
              95,
            ),
          ).padStart(10)}`,
      ),
      `${'whole case'.padEnd(24)}${fmt(
        percentile(
          real.timings.map((t) => t.total),
          50,
        ),
      ).padStart(10)}${fmt(
        percentile(
          real.timings.map((t) => t.total),
          95,
        ),
      ).padStart(10)}` +
        `${fmt(
          percentile(
            bare.timings.map((t) => t.total),
            50,
          ),
        ).padStart(10)}${fmt(
          percentile(
            bare.timings.map((t) => t.total),
            95,
          ),
        ).padStart(10)}`,
      '',
      `cases per minute: real ${realRate.toFixed(0)} (${real.timings.length} in ${real.seconds.toFixed(1)} s; by round ${rounds.real.map((r) => perMinute(r).toFixed(0)).join(', ')}), ` +
        `bare ${bareRate.toFixed(0)} (${bare.timings.length} in ${bare.seconds.toFixed(1)} s; by round ${rounds.bare.map((r) => perMinute(r).toFixed(0)).join(', ')})`,
      `ratio (bare rate / real rate): ${ratio.toFixed(2)}   goal ≤ ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}   (p50 whole-case time ratio ${p50Ratio.toFixed(2)})`,
      '',
      `where a case's time went (${sample.length} real cases' histories; ms, p50/p95):`,
      `${'activity'.padEnd(24)}${'per case'.padStart(9)}${'queued'.padStart(14)}${'ran'.padStart(14)}`,
      ...profileLines('', where, sample.length),
      ...profileLines('bare: ', bareWhere, Math.min(10, args.cases)),
      '',
      ...cpuLines(real, bare),
      '',
      `actions answered 503 "try again shortly" and tried again: ${stack.unavailable}`,
      `peak RSS: case worker ${real.peaks[0]!.toFixed(0)} MiB, HTTP server ${real.peaks[1]!.toFixed(0)} MiB; bare worker ${bare.peaks[0]!.toFixed(0)} MiB`,
      ...(open
        ? [
            `${args.open} open cases waiting on vendors (opened in ${open.seconds.toFixed(1)} s, workflow cache ${args.workerCache ?? 'as in production'}): worker RSS ${open.loaded.toFixed(0)} MiB (peak ${open.peak.toFixed(0)}), idle ${open.idle.toFixed(0)} MiB, ` +
              `cost ${(open.loaded - open.idle).toFixed(0)} MiB   goal < ${GOAL_OPEN_MIB} MiB: ${open.loaded - open.idle < GOAL_OPEN_MIB ? 'met' : 'NOT met'}`,
          ]
        : []),
    ];
    return lines;
  } catch (err) {
    const file = path.join(os.tmpdir(), `bench-cases-${run}.log`);
    fs.writeFileSync(
      file,
      `--- the server's last output ---\n${stack.server.lastOutput()}\n--- the worker's ---\n${stack.worker.lastOutput()}`,
    );
    log(`the server's and the worker's last output: ${file}`);
    throw err;
  } finally {
    outbox.stop();
    await bareWorker.stop();
    await connection.close();
    await stack.stop();
    await cleanUp();
  }
}

main().catch((err) => {
  console.error(`bench:cases failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
