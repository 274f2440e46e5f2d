// The whole stack as `npm start` runs it, for the orchestration and HTTP benchmarks: a Temporal dev server of
// its own (database in a scratch DATA_DIR), the worker and the HTTP server each in its own process (so their
// memory and CPU are theirs alone), mail into DATA_DIR/outbox, and one signed-in administrator.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../infra/config';
import { openStores, type Stores } from '../infra/database/open-stores';
import { openKeyring } from '../infra/keys/keys';
import { hashPassword } from '../infra/keys/passwords';
import { freePort, startDevServer } from '../scripts/dev-server';
import { obtainTemporalCli } from '../scripts/temporal-cli';
import { signIn, type SignedIn } from '../tests/support/sign-in';

const ROOT = path.resolve(__dirname, '..');
export const ADMIN = {
  username: 'bench-admin',
  password: 'a long enough bench passphrase',
  email: 'bench-admin@district.example',
};

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A Node process of ours (tsx), whose output is kept for when it fails. */
export class NodeProcess {
  private output = '';
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    readyLine?: RegExp,
  ) {
    // BENCH_CPU_PROF=DIR: each of our processes writes V8 CPU profiles (one per thread) to DIR/<name>/ as it stops.
    const profile = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', '--cpu-prof-dir', path.join(process.env.BENCH_CPU_PROF, name)]
      : [];
    this.child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.ready = new Promise((resolve, reject) => {
      const collect = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString()).slice(-20_000);
        if (readyLine?.test(this.output)) resolve();
      };
      this.child.stdout!.on('data', collect);
      this.child.stderr!.on('data', collect);
      this.child.once('exit', (code, signal) =>
        reject(new Error(`${name} exited (${code ?? signal}):\n${this.output.slice(-4000)}`)),
      );
      if (!readyLine) resolve();
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident and peak resident memory of the process, in MiB (Linux /proc). */
  memory(): { rssMiB: number; peakMiB: number } {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  lastOutput(): string {
    return this.output;
  }
}

/**
 * Where the dev server keeps its database: `disk`, in DATA_DIR as `npm start` does (every write synced to the
 * disk), or `memory`, a file in /dev/shm, which takes the disk's sync latency out of the measurement.
 */
export type TemporalDb = 'disk' | 'memory';

export class Stack {
  worker!: NodeProcess;
  server!: NodeProcess;
  session!: SignedIn;

  private constructor(
    readonly dataDir: string,
    /** The Temporal frontend the worker and server use: the stack's own dev server, or the services' cluster. */
    readonly temporalAddress: string,
    private readonly stopTemporal: () => Promise<void>,
    readonly env: NodeJS.ProcessEnv,
    readonly baseUrl: string,
  ) {}

  /** Starts everything in a fresh scratch DATA_DIR; `stop()` removes it. */
  /**
   * With `options.env.TEMPORAL_ADDRESS` (the services stack: a Temporal server on PostgreSQL), that cluster;
   * else a dev server of the stack's own.
   */
  static async start(
    options: { env?: NodeJS.ProcessEnv; temporalDb?: TemporalDb; seed?: (stores: Stores) => Promise<void> } = {},
  ): Promise<Stack> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-bench-'));
    let temporal: { address: string; stop(): Promise<void> };
    if (options.env?.TEMPORAL_ADDRESS) {
      temporal = { address: options.env.TEMPORAL_ADDRESS, stop: async () => undefined };
    } else {
      const cli = obtainTemporalCli(log);
      const dbDir = options.temporalDb === 'memory' ? fs.mkdtempSync('/dev/shm/disposition-bench-') : dataDir;
      temporal = await startDevServer({
        cli,
        dbFile: path.join(dbDir, 'temporal.db'),
        port: await freePort(),
        uiPort: await freePort(),
      });
      if (dbDir !== dataDir) fs.symlinkSync(dbDir, path.join(dataDir, 'temporal-db-in-memory'));
    }
    const stores = await openStores({
      dataDir,
      ...(options.env?.DATABASE_URL ? { databaseUrl: options.env.DATABASE_URL } : {}),
    });
    await stores.users.addUser({
      username: ADMIN.username,
      role: 'admin',
      email: ADMIN.email,
      passwordHash: await hashPassword(ADMIN.password),
    });
    if (options.seed) {
      // Seeded cases are sealed with the keyring the server will open (DATA_DIR/keys, or the database's).
      const config = loadConfig({ DATA_DIR: dataDir, ...options.env });
      const keyring = await openKeyring(config, stores.database, { ...process.env, ...options.env });
      await stores.bindKeyring(config, keyring);
      await options.seed(stores);
      keyring.close();
    }
    await stores.close();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporal.address,
      TASK_QUEUE: 'disposition-bench',
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      ADMIN_EMAIL: 'records-admin@district.example',
      DISTRICT_NAME: 'Riverside Unified School District',
      // The request log at warn: the figures are the server's, not a pipe of two JSON lines a request (LOG_LEVEL=info to see them).
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // Vendors reach the server from their own addresses; the drivers say which in X-Forwarded-For, so the
      // per-address limits on vendor links apply per simulated vendor and not to the one benchmark machine.
      TRUST_PROXY: '1',
      SMTP_URL: '',
      ...options.env,
    };
    const stack = new Stack(dataDir, temporal.address, () => temporal.stop(), env, `http://127.0.0.1:${port}`);
    await stack.startWorker();
    stack.server = new NodeProcess('server', 'server/main.ts', env, /\[server\] listening/);
    await stack.server.ready;
    stack.session = await stack.login();
    return stack;
  }

  /** The worker as `npm run worker` runs it; with `workflowCache`, the same worker with a cache of that size. */
  async startWorker(workflowCache?: number): Promise<NodeProcess> {
    this.worker =
      workflowCache === undefined
        ? new NodeProcess('worker', 'worker/main.ts', this.env, /\[worker\] polling/)
        : new NodeProcess(
            'worker',
            'bench/case-worker.ts',
            { ...this.env, BENCH_WORKFLOW_CACHE: String(workflowCache) },
            /\[worker\] polling/,
          );
    await this.worker.ready;
    return this.worker;
  }

  async restartWorker(workflowCache?: number): Promise<NodeProcess> {
    await this.worker.stop();
    return this.startWorker(workflowCache);
  }

  url(pathname: string): string {
    return `${this.baseUrl}${pathname}`;
  }

  login(): Promise<SignedIn> {
    return signIn(this.baseUrl, ADMIN.username, ADMIN.password);
  }

  /** Answers 503 temporal_unavailable (Temporal or the worker slower than 10 s) that were tried again. */
  unavailable = 0;

  /**
   * A request as a person makes it: an action answered 503 "try again shortly" is tried again after a second,
   * as the page tells them to (actions are updates with deterministic ids, so a repeat is harmless).
   */
  async send(pathname: string, init: RequestInit & { body?: string | FormData }, retry = true): Promise<Response> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(this.url(pathname), init);
      if (response.status !== 503 || !retry || attempt >= 10) return response;
      await response.text();
      this.unavailable += 1;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /** A JSON request as the administrator; throws unless the status is one of `expect`. */
  async admin<T = unknown>(
    method: string,
    pathname: string,
    body?: unknown,
    expect: number[] = [200, 201, 202],
  ): Promise<T> {
    const headers: Record<string, string> = { cookie: this.session.cookie, 'x-csrf-token': this.session.csrfToken };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Starting a case is not repeatable (a second start is a second case): only actions are tried again.
    const response = await this.send(
      pathname,
      { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
      !(method === 'POST' && pathname === '/api/cases'),
    );
    const text = await response.text();
    if (!expect.includes(response.status))
      throw new Error(`${method} ${pathname}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async stop(): Promise<void> {
    await Promise.all([this.server?.stop(), this.worker?.stop()]);
    await this.stopTemporal();
    const inMemory = path.join(this.dataDir, 'temporal-db-in-memory');
    if (fs.existsSync(inMemory)) fs.rmSync(fs.realpathSync(inMemory), { recursive: true, force: true });
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
