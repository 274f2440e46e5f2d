// Issue 27 item 4, several machines: README's procedure ("Backup and restore", "On several machines") run on the
// services of `npm run services:up` while a server and a worker carry a case: the bucket copied, the case record
// dumped with pg_dump, the bucket copied again, the Temporal server's two databases dumped. Then the disaster
// (the record's database, the bucket prefix and Temporal's databases lost), the restore with pg_restore and a
// bucket copy back, new nodes with empty DATA_DIRs and the same KEYRING_KEY, and the case finished through the
// link mailed before the backup. It stops and restores this checkout's Temporal server, so it runs in the scale
// drill's mode only, one file at a time: DISPOSITION_SCALE=1 npx vitest run tests/backup-services.test.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { postgresBin } from '../scripts/services/postgres';
import { servicesUp } from '../scripts/services/services';
import { stopTemporalServer } from '../scripts/services/temporal-server';
import { caseInput, certification } from './support/fixtures';
import { ScaleClient, type ServerSlot } from './support/scale-client';
import { ScaleStack, type NodeProcess, type ServicesEnv } from './support/scale-stack';
import { SmtpReceiver } from './support/smtp-receiver';

const LOG_DIR = path.resolve(__dirname, '../test-results/backup-services-logs');
const ADMIN = { username: 'backup-admin', password: 'a long backup drill passphrase', email: 'it@district.example' };
const log = (line: string): void => console.log(`[backup] ${line}`);

let services: { env: Record<string, string> };
let smtp: SmtpReceiver;
let stack: ScaleStack;
let port: number;
let nodes: NodeProcess[] = [];

beforeAll(async () => {
  services = await servicesUp(['postgres', 'minio', 'temporal'], (line) => log(`services: ${line}`));
  smtp = new SmtpReceiver();
  const smtpUrl = await smtp.start();
  port = await freePort();
  stack = await ScaleStack.create(
    services.env as unknown as ServicesEnv,
    { SMTP_URL: smtpUrl, ADMIN_EMAIL: 'records-admin@district.example', PUBLIC_URL: `http://localhost:${port}` },
    LOG_DIR,
  );
}, 600_000);

afterAll(async () => {
  await stack?.close();
  await smtp?.stop();
}, 120_000);

async function startNodes(): Promise<ScaleClient> {
  nodes = [stack.server('server', port), stack.worker('worker')];
  await Promise.all(nodes.map((n) => n.ready));
  const slots: ServerSlot[] = [{ name: 'server', port, inRotation: true, inFlight: 0 }];
  const client = new ScaleClient(slots, smtp);
  client.sessions[0] = await client.login(0, ADMIN.username, ADMIN.password);
  return client;
}

const databaseUrl = (name: string): string => {
  const url = new URL(services.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
};

function pgTool(tool: 'pg_dump' | 'pg_restore', args: string[]): void {
  const run = spawnSync(path.join(postgresBin(log).bin, tool), args, { encoding: 'utf8' });
  expect({ tool, status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
}

/** README's `aws s3 sync … ./backup/bucket`: every object of the prefix into the folder, nothing deleted there. */
async function copyBucketTo(folder: string): Promise<number> {
  const { client, bucket, prefix } = stack.s3();
  let copied = 0;
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        const target = path.join(folder, object.Key!.slice(prefix.length));
        if (fs.existsSync(target)) continue;
        const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, await body.Body!.transformToByteArray());
        copied += 1;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return copied;
}

async function emptyPrefix(client: S3Client, bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

/** The bucket copied back: the prefix emptied first (the disaster), then every file of the folder put. */
async function restoreBucketFrom(folder: string): Promise<void> {
  const { client, bucket, prefix } = stack.s3();
  try {
    await emptyPrefix(client, bucket, prefix);
    for (const rel of fs.readdirSync(folder, { recursive: true }) as string[]) {
      const file = path.join(folder, rel);
      if (!fs.statSync(file).isFile()) continue;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${rel.split(path.sep).join('/')}`,
          Body: fs.readFileSync(file),
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** A database dropped and made again empty, then the dump restored into it. */
async function recreateFromDump(name: string, dump: string): Promise<void> {
  const admin = new pg.Client({ connectionString: services.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  pgTool('pg_restore', ['--no-owner', '--dbname', databaseUrl(name), dump]);
}

describe("README's procedure on several machines", () => {
  it('restores the record, the bucket and Temporal, and the case finishes through the link mailed before', async () => {
    const added = stack.cli(
      ['user', 'add', '--username', ADMIN.username, '--role', 'admin', '--email', ADMIN.email, '--password-stdin'],
      `${ADMIN.password}\n`,
    );
    expect(added.status, added.stderr).toBe(0);
    let client = await startNodes();
    const input = caseInput({ contract: { id: 'CT-BACKUP-01' } });
    const caseId: string = (await client.expectOk(0, 'POST', '/api/cases', { json: input, retry503: false }, [201]))
      .json.caseId;
    const ack = await client.vendorToken(caseId, 'acknowledge');
    await client.expectOk(0, 'POST', `/api/vendor/${ack}/acknowledge`, {
      json: { contactName: 'Dana Whitfield', contactEmail: 'dana@acme-learning.example' },
      session: false,
    });
    const token = await client.vendorToken(caseId, 'return');
    await client.upload(0, token, 'permanent', 'students.csv', Buffer.from('student_id,name\n1,Ana\n2,Ben\n'));

    // The backup, as README orders it, while the server and the worker run.
    const backup = path.join(stack.scratch, 'backup');
    const bucket = path.join(backup, 'bucket');
    fs.mkdirSync(bucket, { recursive: true });
    expect(await copyBucketTo(bucket)).toBeGreaterThan(0);
    const record = new URL(stack.env.DATABASE_URL!).pathname.slice(1);
    pgTool('pg_dump', ['--format=custom', `--file=${path.join(backup, 'disposition.dump')}`, stack.env.DATABASE_URL!]);
    await copyBucketTo(bucket);
    for (const db of ['temporal', 'temporal_visibility'])
      pgTool('pg_dump', ['--format=custom', `--file=${path.join(backup, `${db}.dump`)}`, databaseUrl(db)]);
    // After the backup: an upload the restore will not bring back.
    await client.upload(0, token, 'electronic', 'after.jsonl', Buffer.from('{"student":1}\n'));

    // The disaster: every node gone, the record's database, the bucket prefix and Temporal's databases lost.
    await Promise.all(nodes.map((n) => n.stop()));
    await stopTemporalServer(log);
    await recreateFromDump('temporal', path.join(backup, 'temporal.dump'));
    await recreateFromDump('temporal_visibility', path.join(backup, 'temporal_visibility.dump'));
    await recreateFromDump(record, path.join(backup, 'disposition.dump'));
    await restoreBucketFrom(bucket);
    const again = await servicesUp(['temporal'], (line) => log(`services: ${line}`));
    expect(again.env.TEMPORAL_ADDRESS).toBe(stack.env.TEMPORAL_ADDRESS);
    // No wait for the restored server's schedules: each worker waits for the audit checkpoint's at its start.

    // New nodes, empty DATA_DIRs, the same KEYRING_KEY: the link mailed before the backup still opens its task.
    client = await startNodes();
    const task = await client.expectOk(0, 'GET', `/api/vendor/${token}`, { session: false });
    expect(task.json.stagedFiles.map((f: { name: string }) => f.name)).toEqual(['students.csv']);
    await client.upload(0, token, 'electronic', 'activity.jsonl', Buffer.from('{"student":1}\n{"student":2}\n'));
    await client.expectOk(0, 'POST', `/api/vendor/${token}/submit-return`, { json: {}, session: false }, [202]);
    await client.waitForStatus(caseId, 'awaiting_review', 240_000);
    await client.expectOk(0, 'POST', `/api/cases/${caseId}/review`, {
      json: { decision: 'accept', reason: 'Accepted as returned' },
    });
    const certify = await client.vendorToken(caseId, 'certify');
    const cert = certification(input);
    await client.expectOk(0, 'POST', `/api/vendor/${certify}/certify`, { json: cert, session: false }, [202]);
    const code = await client.signatoryCode(caseId, cert.destruction.signatoryEmail);
    await client.expectOk(0, 'POST', `/api/vendor/${certify}/certify`, {
      json: { ...cert, verificationCode: code },
      session: false,
    });
    await client.waitForStatus(caseId, 'completed', 240_000);
    const pdf = await client.to(0, 'GET', `/api/cases/${caseId}/statement`);
    expect(pdf.status).toBe(200);
    const statement = path.join(stack.scratch, 'statement.pdf');
    fs.writeFileSync(statement, pdf.bytes);
    const verified = stack.cli(['statement', 'verify', statement]);
    expect({ status: verified.status, out: verified.stdout }).toMatchObject({ status: 0 });
    const audit = stack.cli(['audit', 'verify']);
    expect({ status: audit.status, out: audit.stdout }).toMatchObject({ status: 0 });
    expect(audit.stdout).toMatch(/^The access log is intact/m);
    // `disposition backup` itself refuses here, pointing to this procedure.
    const refused = stack.cli(['backup', 'create', path.join(stack.scratch, 'one.tar')]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('pg_dump of both databases');
    await Promise.all(nodes.map((n) => n.stop()));
  }, 900_000);
});
