// A real Temporal server (not the dev server) persisting to this checkout's PostgreSQL: the setup production runs,
// one node on loopback ports, with namespace `default` and the case search attributes registered.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { connectToTemporal, ensureSearchAttributes } from '../../infra/temporal/temporal-connection';
import { freePort, portAnswers } from '../dev-server';
import { APP_ROLE, type Postgres } from './postgres';
import {
  cachedGoBinaries,
  pidAlive,
  readPid,
  SERVICES_STATE,
  startDaemon,
  stopPid,
  waitForPort,
  type GoBinaries,
  type Log,
  readStateFile,
} from './service-kit';

export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
export const NAMESPACE = 'default';

export interface TemporalServer {
  address: string;
  /** True when it was already running (so whoever called did not start it). */
  reused: boolean;
  stop(): Promise<void>;
}

interface TemporalState {
  frontendPort: number;
  postgresPort: number;
}

const DIR = path.join(SERVICES_STATE, 'temporal');
const STATE_FILE = path.join(DIR, 'state.json');
const PID_FILE = path.join(DIR, 'server.pid');
const LOG_FILE = path.join(DIR, 'server.log');
const CONFIG_FILE = path.join(DIR, 'config.yaml');
const DYNAMIC_CONFIG_FILE = path.join(DIR, 'dynamic-config.yaml');

/** The server and its schema tool, pinned: `npm run services:build` builds them once per machine. */
export const TEMPORAL_SERVER_BINARIES: GoBinaries = {
  name: 'temporal-server',
  version: TEMPORAL_SERVER_VERSION,
  packages: ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql'],
  binaries: ['server', 'sql'],
  minutes: 5,
};

function binaries(build: boolean, log: Log): { server: string; sql: string } {
  const dir = cachedGoBinaries(TEMPORAL_SERVER_BINARIES, { build, log });
  return { server: path.join(dir, 'server'), sql: path.join(dir, 'sql') };
}

const readState = (): TemporalState | undefined => readStateFile<TemporalState>(STATE_FILE);

/** `count` distinct free loopback ports (two quick asks of the OS can hand back the same one). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports for membership: the server stores them in a SMALLINT column (cluster_membership.rpc_port), and the
 * ports the OS hands out (32768 and up on Linux) overflow it, so these are drawn from 20000–32767.
 */
async function freeMembershipPorts(count: number, taken: number[]): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count; tries += 1) {
    if (tries > 500) throw new Error('found no free loopback ports between 20000 and 32767 for Temporal membership');
    const port = 20000 + crypto.randomInt(12768);
    if (!ports.has(port) && !taken.includes(port) && (await portFree(port))) ports.add(port);
  }
  return [...ports];
}

/**
 * The schema folder in the Go module cache (the one `go install` fetched), else the copy embedded in the tool,
 * for a machine whose module cache was cleaned after the build.
 */
function schemaSource(kind: 'temporal' | 'visibility'): string[] {
  const gomodcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout?.trim();
  const dir =
    gomodcache &&
    path.join(
      gomodcache,
      `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`,
      'schema/postgresql/v12',
      kind,
      'versioned',
    );
  return dir && fs.existsSync(dir) ? ['-d', dir] : ['--schema-name', `postgresql/v12/${kind}`];
}

/** Brings both databases to the schema of this server version; a no-op on databases already there. */
function setUpSchemas(sql: string, postgres: Postgres): void {
  for (const [db, kind] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const base = [
      '--plugin',
      'postgres12',
      '--ep',
      '127.0.0.1',
      '-p',
      String(postgres.port),
      '-u',
      APP_ROLE,
      '--db',
      db,
    ];
    for (const step of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', ...schemaSource(kind)],
    ]) {
      // The password goes through the environment so it never shows in a process listing.
      const result = spawnSync(sql, [...base, ...step], {
        encoding: 'utf8',
        env: { ...process.env, SQL_PASSWORD: postgres.password },
      });
      if (result.status !== 0) {
        const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`
          .trim()
          .split('\n')
          .slice(-5)
          .join('\n');
        throw new Error(`temporal sql tool ${step[0]} on database ${db} failed:\n${output}`);
      }
    }
  }
}

function writeConfig(postgres: Postgres, ports: { grpc: number[]; membership: number[] }): number {
  const [frontend, frontendHttp, history, matching, worker] = ports.grpc as [number, number, number, number, number];
  const [frontendMembership, historyMembership, matchingMembership, workerMembership] = ports.membership as [
    number,
    number,
    number,
    number,
  ];
  const datastore = (databaseName: string, maxConns: number): object => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${postgres.port}`,
      connectProtocol: 'tcp',
      user: APP_ROLE,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: object = {}): object => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        'postgres-default': datastore('temporal', 20),
        'postgres-visibility': datastore('temporal_visibility', 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(frontend, frontendMembership, { httpPort: frontendHttp }),
      history: rpc(history, historyMembership),
      matching: rpc(matching, matchingMembership),
      worker: rpc(worker, workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${frontend}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
  // Without these a namespace or search attribute just created stays unknown to the frontend for up to 10 s.
  fs.writeFileSync(
    DYNAMIC_CONFIG_FILE,
    [
      'system.namespaceCacheRefreshInterval:',
      '  - value: 1s',
      'system.forceSearchAttributesCacheRefreshOnRead:',
      '  - value: true',
      'limit.maxIDLength:',
      '  - value: 255',
      '',
    ].join('\n'),
  );
  // JSON is YAML; it holds the database password, so only this user may read it.
  fs.writeFileSync(
    CONFIG_FILE,
    `# written by scripts/services/temporal-server.ts on each start\n${JSON.stringify(config, null, 2)}\n`,
    { mode: 0o600 },
  );
  fs.chmodSync(CONFIG_FILE, 0o600);
  return frontend;
}

async function retry<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message} (server log: ${LOG_FILE})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Namespace `default` and the search attributes, each left as is when already there, then usable by clients. */
async function prepareNamespace(connection: Connection): Promise<void> {
  await retry('the Temporal server did not report healthy', 60_000, async () => {
    const { status } = await connection.healthService.check({
      service: 'temporal.api.workflowservice.v1.WorkflowService',
    });
    // HealthCheckResponse.ServingStatus: 1 is SERVING.
    if (Number(status) !== 1) throw new Error(`health status ${status}`);
  });
  await retry(`could not create namespace ${NAMESPACE}`, 30_000, async () => {
    try {
      await connection.workflowService.registerNamespace({
        namespace: NAMESPACE,
        workflowExecutionRetentionPeriod: msToTs('3 days'),
      });
    } catch (err) {
      // gRPC ALREADY_EXISTS: a previous start made it.
      if ((err as { code?: number }).code !== 6) throw err;
    }
  });
  await retry('could not register the search attributes', 30_000, () => ensureSearchAttributes(connection, NAMESPACE));
  await retry(`namespace ${NAMESPACE} did not become usable`, 30_000, () =>
    connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 1 }),
  );
}

/** Rejects, with the end of the server's log, as soon as the server dies: no point waiting for one that did. */
function watchExit(pid: number): { exited: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (pidAlive(pid)) return;
      clearInterval(timer);
      const tail = fs.existsSync(LOG_FILE) ? fs.readFileSync(LOG_FILE, 'utf8').slice(-2000) : '(no log)';
      reject(new Error(`the Temporal server exited while starting; its log (${LOG_FILE}) ends:\n${tail}`));
    }, 200);
  });
  // The losing side of the race must not surface as an unhandled rejection.
  exited.catch(() => undefined);
  return { exited, cancel: () => clearInterval(timer) };
}

/** Starts the server on this checkout's PostgreSQL, or reuses the one already running against it. */
export async function startTemporalServer(options: {
  postgres: Postgres;
  log: Log;
  build?: boolean;
}): Promise<TemporalServer> {
  const { postgres, log } = options;
  const previous = readState();
  const running = readPid(PID_FILE);
  if (running && previous && previous.postgresPort === postgres.port && (await portAnswers(previous.frontendPort))) {
    log(`temporal: already running on 127.0.0.1:${previous.frontendPort}`);
    return { address: `127.0.0.1:${previous.frontendPort}`, reused: true, stop: () => stopTemporalServer(log) };
  }
  // One that runs against an earlier PostgreSQL port has lost its database.
  if (running) await stopTemporalServer(log);
  const { server, sql } = binaries(options.build ?? false, log);
  fs.mkdirSync(DIR, { recursive: true });
  setUpSchemas(sql, postgres);
  // The frontend keeps its port from the last start when it can, so TEMPORAL_ADDRESS stays the same.
  const grpc =
    previous && (await portFree(previous.frontendPort))
      ? [previous.frontendPort, ...(await freePorts(4))]
      : await freePorts(5);
  const frontendPort = writeConfig(postgres, { grpc, membership: await freeMembershipPorts(4, grpc) });
  // A fresh log, so the tail shown on failure is about this start.
  fs.rmSync(LOG_FILE, { force: true });
  const pid = startDaemon({
    command: server,
    args: ['--config-file', CONFIG_FILE, '--allow-no-auth', 'start'],
    logFile: LOG_FILE,
    pidFile: PID_FILE,
  });
  fs.writeFileSync(
    STATE_FILE,
    `${JSON.stringify({ frontendPort, postgresPort: postgres.port } satisfies TemporalState)}\n`,
  );
  const address = `127.0.0.1:${frontendPort}`;
  const exit = watchExit(pid);
  try {
    await Promise.race([
      exit.exited,
      (async () => {
        await waitForPort(frontendPort, 'the Temporal server', LOG_FILE, 60_000, () => pidAlive(pid));
        const connection = await connectToTemporal(address);
        try {
          await prepareNamespace(connection);
        } finally {
          await connection.close();
        }
      })(),
    ]);
  } catch (err) {
    await stopTemporalServer(log);
    throw err;
  } finally {
    exit.cancel();
  }
  log(`temporal: listening on ${address} (namespace ${NAMESPACE})`);
  return { address, reused: false, stop: () => stopTemporalServer(log) };
}

/** The pid of this checkout's Temporal server when one runs. */
export const runningTemporalServer = (): number | undefined => readPid(PID_FILE);

export async function stopTemporalServer(log: Log): Promise<void> {
  const pid = readPid(PID_FILE);
  if (!pid) return;
  // SIGTERM often takes 15 s: the server's own system workers retry their shutdown calls against a matching service
  // that has already left. All its state is in PostgreSQL transactions, so a kill after 5 s loses nothing.
  await stopPid(pid, 5_000);
  fs.rmSync(PID_FILE, { force: true });
  log(`temporal: stopped (was on 127.0.0.1:${readState()?.frontendPort ?? '?'})`);
}
