// The processes of the scale-out drill (tests/scale-drill.test.ts): HTTP servers and workers started as operators
// start them (`node --import tsx server/main.ts`, `worker/main.ts`), each with an empty DATA_DIR of its own,
// all on one PostgreSQL database, one bucket prefix, one Temporal task queue and one KEYRING_KEY. Every process
// writes its output to a log file; one that dies without being told to has its log's tail printed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { parseStorageUrl } from '../../infra/storage/storage-url';

const ROOT = path.resolve(__dirname, '../..');

/** What the services (`servicesUp`) hand over: where PostgreSQL, MinIO and Temporal are. */
export interface ServicesEnv {
  DATABASE_URL: string;
  STORAGE_URL: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
}

const tail = (file: string, lines = 40): string => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

/** One Node process of the stack, its output appended to `logFile`. */
export class NodeProcess {
  readonly child: ChildProcess;
  /** Resolves when the process printed its ready line; rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private expected = false;

  constructor(
    readonly name: string,
    script: string,
    readonly env: NodeJS.ProcessEnv,
    readonly dataDir: string,
    readonly logFile: string,
    readyLine: RegExp,
    onUnexpectedExit: (node: NodeProcess, how: string) => void,
  ) {
    const out = fs.openSync(logFile, 'a');
    this.child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(({ code, signal }) => {
      if (!this.expected) onUnexpectedExit(this, `${code ?? signal}`);
    });
    // The ready line is read back from the log file: the output goes there directly, so it survives this process.
    this.ready = new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (readyLine.test(tail(logFile, 200))) {
          clearInterval(timer);
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearInterval(timer);
          reject(
            new Error(
              `${name} exited (${this.child.exitCode ?? this.child.signalCode}) before it was ready; its log ${logFile} ends:\n${tail(logFile)}`,
            ),
          );
        }
      }, 100);
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The identity Temporal's worker reports by default (`pid@host`). */
  get workerIdentity(): string {
    return `${this.pid}@${os.hostname()}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, as when the machine loses power: nothing in the process gets to clean up. */
  async kill(): Promise<void> {
    this.expected = true;
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not gone within 15 s. */
  async stop(): Promise<void> {
    this.expected = true;
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  logTail(lines = 40): string {
    return tail(this.logFile, lines);
  }
}

/** The drill's own slice of the services: a fresh database, bucket prefix, task queue and keyring key. */
export class ScaleStack {
  readonly nodes: NodeProcess[] = [];
  /** Processes that died without being told to: the drill fails on any. */
  readonly unexpectedExits: string[] = [];
  /** Every DATA_DIR handed out, with whose it is. */
  private readonly dataDirs: { owner: string; dir: string }[] = [];
  private serial = 0;

  private constructor(
    readonly env: Record<string, string>,
    readonly logDir: string,
    private readonly admin: { databaseUrl: string; database: string },
    readonly scratch: string,
  ) {}

  /**
   * Creates database `scale_<random>` with the services' role (it may create databases), picks a fresh prefix in
   * the bucket and a fresh task queue, and makes one KEYRING_KEY for every node.
   */
  static async create(services: ServicesEnv, extra: Record<string, string>, logDir: string): Promise<ScaleStack> {
    const id = crypto.randomBytes(5).toString('hex');
    const database = `scale_${id}`;
    const admin = new pg.Client({ connectionString: services.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    const url = new URL(services.DATABASE_URL);
    url.pathname = `/${database}`;
    const [bucketPart, query] = services.STORAGE_URL.split('?') as [string, string | undefined];
    fs.rmSync(logDir, { recursive: true, force: true });
    fs.mkdirSync(logDir, { recursive: true });
    const env: Record<string, string> = {
      ...services,
      DATABASE_URL: url.toString(),
      STORAGE_URL: `${bucketPart.replace(/\/+$/, '')}/scale-${id}${query ? `?${query}` : ''}`,
      TASK_QUEUE: `scale-${id}`,
      KEYRING_KEY: crypto.randomBytes(32).toString('base64'),
      ...extra,
    };
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-scale-'));
    return new ScaleStack(env, logDir, { databaseUrl: services.DATABASE_URL, database }, scratch);
  }

  /** A new, empty DATA_DIR: nothing on one node's disk is there for another. */
  private freshDataDir(name: string): string {
    const dir = fs.mkdtempSync(path.join(this.scratch, `${name}-`));
    this.dataDirs.push({ owner: name, dir });
    return dir;
  }

  private start(name: string, script: string, readyLine: RegExp, env: Record<string, string> = {}): NodeProcess {
    this.serial += 1;
    const dataDir = this.freshDataDir(name);
    const logFile = path.join(this.logDir, `${String(this.serial).padStart(2, '0')}-${name}.log`);
    const node = new NodeProcess(
      name,
      script,
      { ...this.env, DATA_DIR: dataDir, ...env },
      dataDir,
      logFile,
      readyLine,
      (dead, how) => {
        const line = `${dead.name} (pid ${dead.pid}) exited unexpectedly (${how})`;
        this.unexpectedExits.push(line);
        console.error(`[scale] ${line}; its log ${dead.logFile} ends:\n${dead.logTail()}`);
      },
    );
    this.nodes.push(node);
    return node;
  }

  server(name: string, port: number): NodeProcess {
    return this.start(name, 'server/main.ts', /\[server\] listening on/, { PORT: String(port) });
  }

  worker(name: string): NodeProcess {
    return this.start(name, 'worker/main.ts', /\[worker\] polling task queue/);
  }

  /** `bin/disposition.js` with the stack's settings and an empty DATA_DIR of its own. */
  cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/disposition.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, DATA_DIR: this.freshDataDir('cli') },
      input: input ?? '',
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** What any process or CLI run left in its DATA_DIR (there should be nothing: everything lives in the services). */
  filesOnLocalDisks(): string[] {
    return this.dataDirs.flatMap(({ owner, dir }) =>
      (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => `${owner}: ${f}`),
    );
  }

  /** Stops every process, drops the database and the bucket prefix, removes the DATA_DIRs; the logs stay. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    const admin = new pg.Client({ connectionString: this.admin.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.admin.database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    await this.emptyPrefix();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  s3(): { client: S3Client; bucket: string; prefix: string } {
    const location = parseStorageUrl(this.env.STORAGE_URL!, this.env);
    const client = new S3Client({
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      ...(location.credentials ? { credentials: location.credentials } : {}),
    });
    return { client, bucket: location.bucket, prefix: `${location.prefix}/` };
  }

  /**
   * The unfinished multipart uploads under `under` (within the drill's prefix). Listed whole and filtered here:
   * MinIO lists uploads by prefix only for an exact object key.
   */
  async unfinishedUploads(under = ''): Promise<{ key: string; uploadId: string }[]> {
    const { client, bucket, prefix } = this.s3();
    const found: { key: string; uploadId: string }[] = [];
    try {
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (;;) {
        const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, ...markers }));
        for (const u of page.Uploads ?? [])
          if (u.Key?.startsWith(`${prefix}${under}`) && u.UploadId) found.push({ key: u.Key, uploadId: u.UploadId });
        if (!page.IsTruncated) return found;
        markers = {
          ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
          ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
        };
      }
    } finally {
      client.destroy();
    }
  }

  /** The keys of the objects stored under `under` (within the drill's prefix). */
  async storedObjects(under = ''): Promise<string[]> {
    const { client, bucket, prefix } = this.s3();
    const keys: string[] = [];
    try {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `${prefix}${under}`,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } finally {
      client.destroy();
    }
    return keys;
  }

  private async emptyPrefix(): Promise<void> {
    const { client, bucket, prefix } = this.s3();
    try {
      for (const { key, uploadId } of await this.unfinishedUploads())
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length === 0) return;
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
    } finally {
      client.destroy();
    }
  }
}
