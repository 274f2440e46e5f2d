// A throwaway PostgreSQL cluster from the distribution's packages: loopback only, password auth, the project's
// databases owned by one role. Its data outlives `services:down`, so the next `up` skips initdb and the schemas.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, portAnswers } from '../dev-server';
import { PROJECT_ROOT } from '../temporal-cli';
import { pidAlive, SERVICES_STATE, stopPid, type Log, readStateFile } from './service-kit';

export const APP_ROLE = 'disposition';
export const DATABASES = ['disposition', 'disposition_test', 'temporal', 'temporal_visibility'] as const;

export interface Postgres {
  port: number;
  password: string;
  /** True when it was already running (so whoever called did not start it). */
  reused: boolean;
  url(db: string): string;
  stop(): Promise<void>;
}

interface PostgresState {
  clusterDir: string;
  major: string;
  port: number;
  password: string;
  adminPassword: string;
}

// The password lives here, so only this user may read it.
const STATE_FILE = path.join(SERVICES_STATE, 'postgres.json');

/** Whom initdb and the server run as: root may not run them, so as root they run as the `postgres` OS user. */
interface Runner {
  uid?: number;
  gid?: number;
  name: string;
}

function runner(): Runner {
  if (process.getuid?.() !== 0) return { name: 'the current user' };
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) {
    throw new Error(
      'there is no `postgres` OS user to run PostgreSQL as (root may not); reinstall the postgresql package',
    );
  }
  return { uid, gid, name: 'postgres' };
}

function runAs(
  who: Runner,
  command: string,
  args: string[],
  options: SpawnSyncOptions = {},
): { ok: boolean; output: string } {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    // A minimal environment: root's HOME and locale settings mean nothing to the postgres user.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...(options.env ?? {}) },
    ...options,
    ...(who.uid !== undefined ? { uid: who.uid, gid: who.gid } : {}),
  });
  const output =
    `${String(result.stdout ?? '')}${String(result.stderr ?? '')}${result.error ? result.error.message : ''}`.trim();
  return { ok: result.status === 0, output };
}

/** The newest /usr/lib/postgresql/<major>/bin, installing Debian's postgresql package when there is none. */
export function postgresBin(log: Log): { bin: string; major: string } {
  const root = '/usr/lib/postgresql';
  const newest = (): string | undefined =>
    (fs.existsSync(root) ? fs.readdirSync(root) : [])
      .filter((major) => fs.existsSync(path.join(root, major, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))[0];
  let major = newest();
  if (!major) {
    if (process.getuid?.() !== 0)
      throw new Error(
        'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin); run `sudo apt-get install postgresql`, then try again',
      );
    log("PostgreSQL is not installed; installing Debian's postgresql package …");
    const result = spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    major = newest();
    if (result.status !== 0 || !major)
      throw new Error(
        'apt-get install postgresql failed; install PostgreSQL by hand (apt-get install postgresql), then try again',
      );
  }
  return { bin: path.join(root, major, 'bin'), major };
}

/**
 * `.services/postgres` when the postgres OS user can reach it; otherwise (a checkout under a folder it may not
 * enter, as in CI) a folder under /tmp named after the checkout, so two checkouts never share a cluster.
 */
function chooseClusterDir(who: Runner, log: Log): string {
  const local = path.join(SERVICES_STATE, 'postgres');
  fs.mkdirSync(SERVICES_STATE, { recursive: true });
  if (who.uid === undefined || runAs(who, 'test', ['-x', SERVICES_STATE]).ok) return local;
  const hash = crypto.createHash('sha256').update(PROJECT_ROOT).digest('hex').slice(0, 10);
  const elsewhere = path.join('/tmp', `disposition-postgres-${hash}`);
  log(`postgres: the postgres OS user cannot enter ${SERVICES_STATE}; the cluster goes to ${elsewhere}`);
  return elsewhere;
}

const readState = (): PostgresState | undefined => readStateFile<PostgresState>(STATE_FILE);

function writeState(state: PostgresState): void {
  fs.mkdirSync(SERVICES_STATE, { recursive: true });
  fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(STATE_FILE, 0o600);
}

const dataDir = (state: Pick<PostgresState, 'clusterDir'>): string => path.join(state.clusterDir, 'data');
const logFile = (state: Pick<PostgresState, 'clusterDir'>): string => path.join(state.clusterDir, 'postgres.log');

/** The postmaster's pid from its own pid file (first line), when that process is alive. */
function postmasterPid(state: PostgresState): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir(state), 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function handle(state: PostgresState, reused: boolean, log: Log): Postgres {
  return {
    reused,
    port: state.port,
    password: state.password,
    url: (db) => `postgres://${APP_ROLE}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${db}`,
    stop: () => stopPostgres(log),
  };
}

function initCluster(who: Runner, bin: string, clusterDir: string, adminPassword: string): void {
  fs.rmSync(clusterDir, { recursive: true, force: true });
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  if (who.uid !== undefined) fs.chownSync(clusterDir, who.uid, who.gid!);
  const pwfile = path.join(clusterDir, 'admin-password');
  fs.writeFileSync(pwfile, `${adminPassword}\n`, { mode: 0o600 });
  if (who.uid !== undefined) fs.chownSync(pwfile, who.uid, who.gid!);
  const init = runAs(
    who,
    path.join(bin, 'initdb'),
    [
      '-D',
      dataDir({ clusterDir }),
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ],
    { cwd: clusterDir },
  );
  fs.rmSync(pwfile, { force: true });
  if (!init.ok) throw new Error(`initdb failed in ${clusterDir}: ${init.output.split('\n').slice(-3).join(' ')}`);
  // Loopback only, the socket beside the data; fsync off because a throwaway cluster need not survive a power cut
  // (commits still survive a killed server, which is what the fault drills do).
  fs.appendFileSync(
    path.join(dataDir({ clusterDir }), 'postgresql.conf'),
    `\n# disposition services\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${clusterDir}'\nfsync = off\n`,
  );
}

async function ensureRoleAndDatabases(state: PostgresState): Promise<void> {
  const admin = new Client({
    host: '127.0.0.1',
    port: state.port,
    user: 'postgres',
    password: state.adminPassword,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const literal = `'${state.password.replace(/'/g, "''")}'`;
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    await admin.query(`${role.rowCount ? 'ALTER' : 'CREATE'} ROLE ${APP_ROLE} LOGIN CREATEDB PASSWORD ${literal}`);
    // A test drops its database WITH (FORCE), which ends every session in it, an autovacuum worker's too: that
    // takes pg_signal_backend (without it the drop fails whenever autovacuum happens to be there).
    await admin.query(`GRANT pg_signal_backend TO ${APP_ROLE}`);
    const have = new Set(
      (await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname),
    );
    for (const db of DATABASES) if (!have.has(db)) await admin.query(`CREATE DATABASE ${db} OWNER ${APP_ROLE}`);
  } finally {
    await admin.end();
  }
}

/** The port to listen on: the last one when still free, so URLs stay the same from one `up` to the next. */
async function choosePort(previous: number | undefined): Promise<number> {
  if (previous && !(await portAnswers(previous))) return previous;
  return freePort();
}

/** Starts this checkout's cluster, or reuses it when it already runs. */
export async function startPostgres(log: Log): Promise<Postgres> {
  const previous = readState();
  if (previous && postmasterPid(previous) && (await portAnswers(previous.port))) {
    log(`postgres: already running on 127.0.0.1:${previous.port} (${previous.clusterDir})`);
    return handle(previous, true, log);
  }
  const who = runner();
  const { bin, major } = postgresBin(log);
  const clusterDir = chooseClusterDir(who, log);
  const reusable =
    previous?.clusterDir === clusterDir &&
    previous.major === major &&
    fs.existsSync(path.join(dataDir(previous), 'PG_VERSION'));
  const state: PostgresState = reusable
    ? { ...previous, port: await choosePort(previous.port) }
    : {
        clusterDir,
        major,
        port: await choosePort(previous?.port),
        password: crypto.randomBytes(18).toString('base64url'),
        adminPassword: crypto.randomBytes(18).toString('base64url'),
      };
  if (!reusable) {
    log(`postgres: initdb (PostgreSQL ${major}) in ${clusterDir}`);
    initCluster(who, bin, clusterDir, state.adminPassword);
  }
  writeState(state);
  const started = runAs(
    who,
    path.join(bin, 'pg_ctl'),
    ['start', '-w', '-t', '60', '-D', dataDir(state), '-l', logFile(state), '-o', `-p ${state.port}`],
    { cwd: clusterDir },
  );
  if (!started.ok) {
    const tail = fs.existsSync(logFile(state)) ? fs.readFileSync(logFile(state), 'utf8').slice(-1500) : started.output;
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${state.port}; its log (${logFile(state)}) ends:\n${tail}`);
  }
  await ensureRoleAndDatabases(state);
  log(`postgres: listening on 127.0.0.1:${state.port} (${state.clusterDir})`);
  return handle(state, false, log);
}

/** The postmaster's pid of this checkout's cluster when it runs. */
export function runningPostgres(): number | undefined {
  const state = readState();
  return state && postmasterPid(state);
}

/** Stops this checkout's cluster if it runs; its data stays for the next start. */
export async function stopPostgres(log: Log): Promise<void> {
  const state = readState();
  const pid = state && postmasterPid(state);
  if (!state || !pid) return;
  const pgCtl = path.join('/usr/lib/postgresql', state.major, 'bin', 'pg_ctl');
  const stopped =
    fs.existsSync(pgCtl) &&
    runAs(runner(), pgCtl, ['stop', '-w', '-t', '30', '-m', 'fast', '-D', dataDir(state)], { cwd: state.clusterDir })
      .ok;
  if (!stopped) await stopPid(pid);
  log(`postgres: stopped (was on 127.0.0.1:${state.port})`);
}
