// `npm run test:fuzz`: schemathesis, a client nobody here wrote, fuzzes the API from GET /api/openapi.json
// against the whole stack (Temporal dev server, worker, HTTP server) in a scratch DATA_DIR (issue 5, item 6).
// No generated request may get a 5xx, or an answer (status, content type, body) the document does not allow.
// Settings live in scripts/schemathesis.toml; this script installs schemathesis, starts the stack, brings
// cases to the states the routes act on, and runs schemathesis as staff, as vendors and for sign-out.
// FUZZ_SEED=n explores other requests than the fixed seed CI uses.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { hashPassword } from '../infra/keys/passwords';
import { openStores } from '../infra/database/open-stores';
import { freePort, startDevServer, type DevServer } from './dev-server';
import { prepareCases, signIn, waitForHealth, type Session } from './fuzz-cases';
import { obtainSchemathesis, pythonEnv } from './schemathesis';
import { obtainTemporalCli, PROJECT_ROOT } from './temporal-cli';

const FUZZ_DIR = path.join(PROJECT_ROOT, '.fuzz');
const REPORT_DIR = path.join(FUZZ_DIR, 'report');
const CONFIG_FILE = path.join(PROJECT_ROOT, 'scripts', 'schemathesis.toml');
const ADMIN = {
  username: 'fuzz-admin',
  password: 'a long enough fuzzing passphrase',
  email: 'fuzz-admin@district.example',
};

const log = (line: string): void => void process.stdout.write(`[fuzz] ${line}\n`);

interface Run {
  name: string;
  /** Which operations: schemathesis filter options. */
  select: string[];
  /** The values scripts/schemathesis.toml reads. */
  env: Record<string, string>;
}

function schemathesis(run: Run, openapiUrl: string): Promise<number> {
  const args = [
    '-m',
    'schemathesis.cli',
    '--config-file',
    CONFIG_FILE,
    'run',
    openapiUrl,
    ...run.select,
    ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
    '--report',
    'junit',
    '--report-junit-path',
    path.join(REPORT_DIR, `${run.name}.junit.xml`),
    '--no-color',
  ];
  log(
    `${run.name}: PYTHONPATH=.fuzz/pip python3 ${args.map((a) => (/^[\w./:=,-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`,
  );
  // Its console closes on a pytest-style line ("1 warning in 0.90s") that counts no test, which would read as
  // the run's summary: it goes to a log file, printed whole only when the run fails.
  const logFile = path.join(FUZZ_DIR, `${run.name}.log`);
  const out = fs.openSync(logFile, 'w');
  return new Promise<number>((resolve, reject) => {
    const child = spawn('python3', args, { env: { ...pythonEnv(), ...run.env }, stdio: ['ignore', out, out] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).then((code) => {
    fs.closeSync(out);
    if (code !== 0) {
      process.stdout.write(`[fuzz] ${run.name} failed; its output (${path.relative(PROJECT_ROOT, logFile)}):\n`);
      process.stdout.write(fs.readFileSync(logFile, 'utf8').replace(/^/gm, '  | '));
      process.stdout.write('\n');
    }
    return code;
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  log(`schemathesis ${obtainSchemathesis(log)}`);
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  // The stack's own chatter (each mail written, the worker polling) goes to a file; its errors stay here.
  const stackLog = fs.createWriteStream(path.join(FUZZ_DIR, 'stack.log'));
  console.log = (...args: unknown[]) => void stackLog.write(`${util.format(...args)}\n`);
  Runtime.install({ logger: new DefaultLogger('WARN') });

  // Ctrl-C ends the schemathesis run under way (it gets the signal too); then everything stops cleanly.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted = true;
      log(`${signal}: stopping …`);
    });
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-fuzz-'));
  let devServer: DevServer | undefined;
  const stopping = new AbortController();
  let stack: Promise<unknown> | undefined;
  try {
    const cli = obtainTemporalCli(log);
    devServer = await startDevServer({
      cli,
      dbFile: path.join(dataDir, 'temporal.db'),
      port: await freePort(),
      uiPort: await freePort(),
    });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The stack reads its configuration from the environment, as `npm start` does; mail goes to DATA_DIR/outbox.
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: devServer.address,
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      ADMIN_EMAIL: 'records@district.example',
      DISTRICT_NAME: 'Fuzzing Unified School District',
      TASK_QUEUE: 'disposition-fuzz',
      // The reminder floor is a deployment's policy over a duration, which no JSON Schema pattern can state: here any
      // duration the document allows is taken (tests/deadlines-and-links.test.ts checks the floor).
      REMINDER_MIN: '1ms',
      // Likewise, where a webhook's host resolves to is the network's answer, not the document's: with private
      // addresses allowed, the document's rule (https://, or http:// to loopback) is the whole rule
      // (tests/webhook-targets.test.ts checks the refusal without it).
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    delete process.env.SMTP_URL;
    log(`Temporal dev server on ${devServer.address}; DATA_DIR ${dataDir}`);

    const stores = await openStores({ dataDir });
    await stores.users.addUser({
      username: ADMIN.username,
      role: 'admin',
      email: ADMIN.email,
      passwordHash: await hashPassword(ADMIN.password),
    });
    await stores.close();

    // Imported here, after the environment is set: both read it when they start.
    const { runWorker } = await import('../worker/main');
    const { runServer } = await import('../server/main');
    const ended = (name: string) => (err: unknown) => {
      if (!stopping.signal.aborted) log(`the ${name} stopped: ${(err as Error)?.message ?? 'without an error'}`);
    };
    let stackEnded = false;
    stack = Promise.allSettled([
      runWorker(stopping.signal).catch(ended('worker')),
      runServer(stopping.signal).catch(ended('server')),
    ]).then(() => {
      stackEnded = true;
    });
    await waitForHealth(baseUrl, 120_000, () => stackEnded || interrupted);
    log(`the stack answers on ${baseUrl}`);

    const admin = await signIn(baseUrl, ADMIN.username, ADMIN.password);
    const cases = await prepareCases(baseUrl, admin, path.join(dataDir, 'outbox'), log);
    const spare = await signIn(baseUrl, ADMIN.username, ADMIN.password); // for the sign-out run, which ends it
    const openapiUrl = `${baseUrl}/api/openapi.json`;
    const env = (session: Session) => ({
      FUZZ_SESSION: session.cookie.replace(/^disposition_session=/, ''),
      FUZZ_CSRF: session.csrfToken,
      FUZZ_CASE_ID: cases.reviewCaseId,
      FUZZ_COMPLETED_CASE_ID: cases.completedCaseId,
      FUZZ_STATEMENT_ID: cases.statementId,
      FUZZ_ACKNOWLEDGE_TOKEN: cases.acknowledgeToken,
      FUZZ_RETURN_TOKEN: cases.returnToken,
      FUZZ_CERTIFY_TOKEN: cases.certifyToken,
    });
    const runs: Run[] = [
      // Everything but the vendor's routes and sign-out, as a signed-in administrator.
      { name: 'staff', select: ['--include-path-regex', '^/api/(?!vendor/|auth/logout$)'], env: env(admin) },
      // The vendor's routes, with a live link of the task each route belongs to (they take no cookie).
      { name: 'vendor', select: ['--include-path-regex', '^/api/vendor/'], env: env(admin) },
      // Sign-out ends the session it is given, so it gets one of its own.
      { name: 'sign-out', select: ['--include-path', '/api/auth/logout'], env: env(spare) },
    ];
    const results: { name: string; code: number }[] = [];
    for (const run of runs)
      if (!interrupted) results.push({ name: run.name, code: await schemathesis(run, openapiUrl) });
    // The sign-out run must have signed out for real at least once, or it only ever tested refusals.
    const signedOut = (await fetch(`${baseUrl}/api/cases`, { headers: { cookie: spare.cookie } })).status === 401;
    if (!interrupted && !signedOut) results.push({ name: 'sign-out ended its session', code: 1 });
    const seconds = Math.round((Date.now() - started) / 1000);
    for (const r of results) log(`${r.name}: ${r.code === 0 ? 'passed' : `FAILED (schemathesis exit ${r.code})`}`);
    log(
      `done in ${seconds} s; JUnit reports in ${path.relative(PROJECT_ROOT, REPORT_DIR)}/, the stack's log in ${path.relative(PROJECT_ROOT, FUZZ_DIR)}/stack.log`,
    );
    return interrupted ? 130 : results.some((r) => r.code !== 0) ? 1 : 0;
  } finally {
    stopping.abort();
    await stack;
    await devServer?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[fuzz] error: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
