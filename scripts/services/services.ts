// `npm run services:up` / `services:down`: PostgreSQL, MinIO and a Temporal server for this checkout, their
// settings in .services/env. servicesUp/servicesDown serve vitest's globalSetup and the test drills.
import fs from 'node:fs';
import path from 'node:path';
import { runningMinio, startMinio, stopMinio } from './minio';
import { runningPostgres, startPostgres, stopPostgres } from './postgres';
import { pidAlive, SERVICES_STATE, type Log } from './service-kit';
import { NAMESPACE, runningTemporalServer, startTemporalServer, stopTemporalServer } from './temporal-server';

export type ServiceName = 'postgres' | 'minio' | 'temporal';

export const ENV_FILE = path.join(SERVICES_STATE, 'env');
const LOCK_FILE = path.join(SERVICES_STATE, 'lock');

/**
 * One `up` or `down` at a time per checkout: two test workers asking for PostgreSQL at once would otherwise both
 * run initdb in the same folder. A lock whose holder died is taken over.
 */
async function withLock<T>(log: Log, action: () => Promise<T>): Promise<T> {
  fs.mkdirSync(SERVICES_STATE, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(LOCK_FILE, 'utf8').trim());
      if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
        fs.rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `process ${holder} has held ${LOCK_FILE} for 10 minutes; if it is stuck, stop it and try again`,
        );
      if (!told) log(`waiting for process ${holder}, which is starting or stopping services …`);
      told = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await action();
  } finally {
    fs.rmSync(LOCK_FILE, { force: true });
  }
}

/**
 * Starts the services named (Temporal brings PostgreSQL along, its store), reusing those already running.
 * `started` names only what this call started, so a caller can stop exactly that and leave the rest. `build`
 * builds a missing binary first (minutes); without it, tests are told to run `npm run services:build`.
 */
export async function servicesUp(
  which: ServiceName[],
  log: Log,
  options: { build?: boolean } = {},
): Promise<{ env: Record<string, string>; started: string[] }> {
  return withLock(log, async () => {
    const env: Record<string, string> = {};
    const started: string[] = [];
    if (which.includes('postgres') || which.includes('temporal')) {
      const postgres = await startPostgres(log);
      if (!postgres.reused) started.push('postgres');
      env.DATABASE_URL = postgres.url('disposition');
      if (which.includes('temporal')) {
        // MinIO sits between the two only to keep the order of `up`; it needs neither.
        if (which.includes('minio')) await upMinio(env, started, log, options.build);
        const temporal = await startTemporalServer({ postgres, log, build: options.build });
        if (!temporal.reused) started.push('temporal');
        env.TEMPORAL_ADDRESS = temporal.address;
        env.TEMPORAL_NAMESPACE = NAMESPACE;
        return { env, started };
      }
    }
    if (which.includes('minio')) await upMinio(env, started, log, options.build);
    return { env, started };
  });
}

async function upMinio(env: Record<string, string>, started: string[], log: Log, build = false): Promise<void> {
  const minio = await startMinio(log, { build });
  // A MinIO that was already running is not ours to stop.
  if (!minio.reused) started.push('minio');
  env.STORAGE_URL = minio.storageUrl;
  env.AWS_ACCESS_KEY_ID = minio.accessKey;
  env.AWS_SECRET_ACCESS_KEY = minio.secretKey;
}

/** Stops every service this checkout started (Temporal first: it writes to PostgreSQL); data and cache stay. */
export async function servicesDown(log: Log): Promise<void> {
  await withLock(log, async () => {
    await stopServices(['temporal', 'minio', 'postgres'], log);
    fs.rmSync(ENV_FILE, { force: true });
  });
}

/** This checkout's services that run now, each with its pid. */
function runningServices(): Map<ServiceName, number> {
  const running = new Map<ServiceName, number>();
  for (const [name, pid] of [
    ['postgres', runningPostgres()],
    ['minio', runningMinio()],
    ['temporal', runningTemporalServer()],
  ] as const) {
    if (pid !== undefined) running.set(name, pid);
  }
  return running;
}

/** Stops the services named, Temporal before PostgreSQL (it writes there). */
async function stopServices(names: ServiceName[], log: Log): Promise<void> {
  if (names.includes('temporal')) await stopTemporalServer(log);
  if (names.includes('minio')) await stopMinio(log);
  if (names.includes('postgres')) await stopPostgres(log);
}

/**
 * For a test run: whatever services run now are somebody's (a developer's `services:up`) and stay; the answer stops
 * every one that runs when it is called and did not before, whichever test or hook started it and however that
 * ended (a timed-out hook's start finishes after its afterAll has run).
 */
export function stopWhatStartsFromNow(log: Log): () => Promise<void> {
  const before = runningServices();
  return async () => {
    const started = [...runningServices()].filter(([name, pid]) => before.get(name) !== pid).map(([name]) => name);
    if (started.length === 0) return;
    log(`stopping what this run started: ${started.join(', ')}`);
    await withLock(log, () => stopServices(started, log));
  };
}

function writeEnvFile(env: Record<string, string>): void {
  // Plain when the shell would read the value as is; else single quotes, so nothing in a password gets expanded.
  const quote = (value: string): string =>
    /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
  const lines = Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}`);
  fs.writeFileSync(ENV_FILE, `${lines.join('\n')}\n`, { mode: 0o600 });
  fs.chmodSync(ENV_FILE, 0o600);
}

async function main(): Promise<void> {
  const command = process.argv[2];
  const log: Log = (line) => console.log(line);
  const begun = Date.now();
  if (command === 'up') {
    const { env } = await servicesUp(['postgres', 'minio', 'temporal'], log, { build: true });
    writeEnvFile(env);
    const url = new URL(env.DATABASE_URL!);
    console.log(`\nservices up in ${((Date.now() - begun) / 1000).toFixed(1)} s:`);
    console.log(
      `  PostgreSQL  ${url.host} (databases disposition, disposition_test, temporal, temporal_visibility; role disposition)`,
    );
    if (env.STORAGE_URL) console.log(`  MinIO       ${env.STORAGE_URL}`);
    console.log(`  Temporal    ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`);
    console.log(`settings (passwords too) in ${ENV_FILE}; load them with: source ${ENV_FILE}`);
  } else if (command === 'down') {
    await servicesDown(log);
    console.log(
      `services down in ${((Date.now() - begun) / 1000).toFixed(1)} s (their data stays for the next up; delete ${SERVICES_STATE} to start afresh)`,
    );
  } else {
    throw new Error(`usage: tsx scripts/services/services.ts up|down (got ${command ?? 'nothing'})`);
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`services: ${err.message}`);
    process.exit(1);
  });
}
