// MinIO for `npm run services:up` and the tests: S3-compatible storage on loopback, its data under .services/minio,
// its root credentials made once and kept so a restart (or the next run) finds the same bucket and objects.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, portAnswers } from '../dev-server';
import {
  cachedGoBinaries,
  readPid,
  SERVICES_STATE,
  startDaemon,
  stopPid,
  waitForPort,
  type GoBinaries,
  type Log,
  readStateFile,
} from './service-kit';

/** MinIO's server, pinned: `npm run services:build` builds it once per machine (about 5 minutes on two cores). */
export const MINIO_BINARIES: GoBinaries = {
  name: 'minio',
  version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  packages: ['github.com/minio/minio'],
  binaries: ['minio'],
  minutes: 5,
};
const BUCKET = 'disposition';
const REGION = 'us-east-1';

const STATE = path.join(SERVICES_STATE, 'minio');
const DATA_DIR = path.join(STATE, 'data');
const CREDENTIALS_FILE = path.join(STATE, 'credentials.json');
const PORTS_FILE = path.join(STATE, 'ports.json');
const PID_FILE = path.join(STATE, 'minio.pid');
const LOG_FILE = path.join(STATE, 'minio.log');

interface RunningMinio {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** It was running already (started by an earlier call): not this caller's to stop. */
  reused: boolean;
  /** The STORAGE_URL that points the worker and the server at this bucket. */
  storageUrl: string;
  stop(): Promise<void>;
}

interface Credentials {
  accessKey: string;
  secretKey: string;
}
interface Ports {
  api: number;
  console: number;
}

/** Made on first start; MinIO keeps its own settings under the root user, so they must not change later. */
function credentials(): Credentials {
  try {
    return JSON.parse(fs.readFileSync(CREDENTIALS_FILE, 'utf8')) as Credentials;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(
        `cannot read ${CREDENTIALS_FILE} (${(err as Error).message}): remove it and the folder ${DATA_DIR} to start MinIO afresh`,
      );
  }
  const made: Credentials = {
    accessKey: `disposition-${crypto.randomBytes(4).toString('hex')}`,
    secretKey: crypto.randomBytes(24).toString('base64url'),
  };
  fs.mkdirSync(STATE, { recursive: true, mode: 0o700 });
  fs.writeFileSync(CREDENTIALS_FILE, JSON.stringify(made, null, 2), { mode: 0o600 });
  return made;
}

const readPorts = (): Ports | undefined => readStateFile<Ports>(PORTS_FILE);

/** A pid from the pid file may since have gone to another program: only a MinIO is ours to reuse or stop. */
function isMinio(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('minio');
  } catch {
    return process.platform !== 'linux'; // no /proc to ask: trust the pid file
  }
}

/** The pid of this checkout's MinIO when one runs. */
export function runningMinio(): number | undefined {
  return runningPid();
}

function runningPid(): number | undefined {
  const pid = readPid(PID_FILE);
  return pid !== undefined && isMinio(pid) ? pid : undefined;
}

async function waitUntilReady(endpoint: string, pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    const tail = (): string => (fs.existsSync(LOG_FILE) ? fs.readFileSync(LOG_FILE, 'utf8').slice(-2000) : '(no log)');
    if (readPid(PID_FILE) !== pid)
      throw new Error(`MinIO exited before it was ready; its log (${LOG_FILE}) ends:\n${tail()}`);
    if (Date.now() > deadline)
      throw new Error(
        `MinIO was not ready at ${endpoint} within ${timeoutMs / 1000} s; its log (${LOG_FILE}) ends:\n${tail()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createBucket(endpoint: string, creds: Credentials): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } catch (err) {
    if (!(err instanceof BucketAlreadyOwnedByYou || err instanceof BucketAlreadyExists)) {
      throw new Error(
        `MinIO at ${endpoint} did not create the bucket "${BUCKET}": ${(err as Error).message}; its log is ${LOG_FILE}`,
      );
    }
  } finally {
    client.destroy();
  }
}

async function twoFreePorts(): Promise<Ports> {
  const api = await freePort();
  let console = await freePort();
  while (console === api) console = await freePort();
  return { api, console };
}

/**
 * Starts the checkout's MinIO (or finds it running), with the bucket `disposition` in it. Without `build`, a MinIO
 * not built yet is refused at once (ServiceNotBuiltError) instead of built while the caller waits.
 */
export async function startMinio(log: Log, options: { build?: boolean } = {}): Promise<RunningMinio> {
  const creds = credentials();
  let pid = runningPid();
  let ports = readPorts();
  const reused = pid !== undefined && ports !== undefined && (await portAnswers(ports.api));
  if (reused) {
    log(`MinIO already running (pid ${pid}) on 127.0.0.1:${ports!.api}`);
  } else {
    if (pid !== undefined) {
      log(`MinIO (pid ${pid}) does not answer on its port; restarting it`);
      await stopPid(pid);
    }
    const binaries = cachedGoBinaries(MINIO_BINARIES, { build: options.build ?? false, log });
    fs.mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
    ports = await twoFreePorts();
    fs.writeFileSync(PORTS_FILE, JSON.stringify(ports));
    pid = startDaemon({
      command: path.join(binaries, 'minio'),
      args: [
        'server',
        DATA_DIR,
        '--address',
        `127.0.0.1:${ports.api}`,
        '--console-address',
        `127.0.0.1:${ports.console}`,
      ],
      env: {
        ...process.env,
        MINIO_ROOT_USER: creds.accessKey,
        MINIO_ROOT_PASSWORD: creds.secretKey,
        MINIO_UPDATE: 'off',
      },
      logFile: LOG_FILE,
      pidFile: PID_FILE,
    });
    log(`MinIO started (pid ${pid}) on 127.0.0.1:${ports.api}, console on 127.0.0.1:${ports.console}; log ${LOG_FILE}`);
    const started = pid;
    await waitForPort(ports.api, 'MinIO', LOG_FILE, 60_000, () => readPid(PID_FILE) === started);
  }
  const endpoint = `http://127.0.0.1:${ports!.api}`;
  await waitUntilReady(endpoint, pid!);
  await createBucket(endpoint, creds);
  return {
    endpoint,
    accessKey: creds.accessKey,
    secretKey: creds.secretKey,
    bucket: BUCKET,
    reused,
    storageUrl: `s3://${BUCKET}?endpoint=${endpoint}&region=${REGION}&forcePathStyle=true`,
    stop: () => stopMinio(log),
  };
}

/** Stops the checkout's MinIO, if it runs; its data and credentials stay for the next start. */
export async function stopMinio(log: Log): Promise<void> {
  const pid = runningPid();
  if (pid === undefined) {
    fs.rmSync(PID_FILE, { force: true });
    return;
  }
  await stopPid(pid);
  fs.rmSync(PID_FILE, { force: true });
  log(`MinIO (pid ${pid}) stopped`);
}
