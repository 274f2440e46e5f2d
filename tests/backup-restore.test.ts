// Issue 27 item 4, one machine: `disposition backup create` while `npm start` runs (its own Temporal dev server,
// whose database is under DATA_DIR), the stack stopped, `backup restore` into a new empty DATA_DIR, `npm start`
// again there, and the case finished through the link mailed before the backup: a statement that verifies, and
// `audit verify` reporting that the logs end at the backup (also against a checkpoint mailed after it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { openStores } from '../infra/database/open-stores';
import { Keyring } from '../infra/keys/keys';
import { takeCheckpoint } from '../infra/database/audit-checkpoint';

const ROOT = path.resolve(__dirname, '..');
const PASSPHRASE = 'correct horse battery staple';
let work: string;
const running: ChildProcess[] = [];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-backup-'));
});
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/** One machine's settings: the stack runs its own dev server, mail goes to the outbox. */
function envOf(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    TEMPORAL_CLI: inject('temporalCli'),
    SMTP_URL: '',
    DATABASE_URL: '',
    STORAGE_URL: '',
    LOG_LEVEL: 'warn',
    BACKUP_PASSPHRASE: PASSPHRASE,
  };
  delete env.TEMPORAL_ADDRESS;
  return env;
}

/** `npm start` from the sources, until the server answers and the worker polls. */
async function startStack(
  env: NodeJS.ProcessEnv,
): Promise<{ stop: () => Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!(output.includes('[server] listening') && output.includes('[worker] polling'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

function cli(
  env: NodeJS.ProcessEnv,
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'client', 'cli.ts'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 150_000,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function ok(env: NodeJS.ProcessEnv, args: string[], input?: string): string {
  const run = cli(env, args, input);
  expect({ args, status: run.status, stderr: run.stderr.slice(-2000) }).toMatchObject({ status: 0 });
  return run.stdout.trim();
}

const tokenOf = (link: string): string => link.replace(/.*\/v\//, '');
const example = (name: string): string => fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');

async function post(base: string, token: string, action: string, body: string): Promise<Response> {
  return fetch(`${base}/api/vendor/${token}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

async function upload(base: string, token: string, category: string, name: string): Promise<void> {
  const form = new FormData();
  form.append('category', category);
  form.append('file', new Blob([fs.readFileSync(path.join(ROOT, 'examples', 'returned', name))]), name);
  const answer = await fetch(`${base}/api/vendor/${token}/files`, { method: 'POST', body: form });
  expect({ name, status: answer.status }).toMatchObject({ status: 201 });
}

/** examples/certify.json dated today, as README's walk does it (dates may not be in the future). */
function certifyToday(): Record<string, unknown> {
  const today = new Date().toISOString().slice(0, 10);
  const date = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(date);
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, k === 'completedOn' || k === 'removedOn' ? today : date(v)]),
      );
    return value;
  };
  return date(JSON.parse(example('certify.json'))) as Record<string, unknown>;
}

describe('backup while npm start runs, restore into a new folder, npm start again', () => {
  it('continues the open case through the link mailed before the backup, to a statement that verifies', async () => {
    const before = path.join(work, 'before');
    const after = path.join(work, 'after');
    const archive = path.join(work, 'disposition-backup.tar');
    let port = await freePort();
    let env = envOf(before, port);
    let base = `http://127.0.0.1:${port}`;
    let stack = await startStack(env);

    ok(
      env,
      ['user', 'add', '--username', 'ada', '--role', 'admin', '--email', 'ada@district.example', '--password-stdin'],
      'a long passphrase for ada',
    );
    const caseId = (
      JSON.parse(ok(env, ['case', 'start', '--file', 'examples/case.json', '--json'])) as { caseId: string }
    ).caseId;
    const acknowledge = tokenOf(ok(env, ['outbox', 'link', caseId, '--task', 'acknowledge']));
    expect((await post(base, acknowledge, 'acknowledge', example('acknowledge.json'))).status).toBe(200);
    const returnLink = ok(env, ['outbox', 'link', caseId, '--task', 'return']);
    const returning = tokenOf(returnLink);
    await upload(base, returning, 'permanent', 'students.csv');

    const made = JSON.parse(ok(env, ['backup', 'create', archive, '--json']));
    expect(made).toMatchObject({ file: archive, temporal: true, files: expect.any(Number) });
    expect(made.heads.accessLog.seq).toBeGreaterThan(0);
    // What happens after the backup goes with the restore: an upload, and a checkpoint mailed of the logs with it.
    await upload(base, returning, 'access_log', 'access-log.csv');
    {
      const stores = await openStores({ dataDir: before });
      const keyring = Keyring.open(path.join(before, 'keys'));
      await stores.bindKeyring({ keysDir: path.join(before, 'keys') }, keyring);
      await stores.accessLog.append({ actor: 'cli:test', role: 'cli', action: 'after the backup', outcome: 'ok' });
      const checkpoint = await takeCheckpoint(stores.accessLog, keyring, 'Riverside');
      expect(checkpoint.accessLog!.seq).toBeGreaterThan(made.heads.accessLog.seq);
      fs.writeFileSync(path.join(work, 'checkpoint.json'), JSON.stringify(checkpoint));
      keyring.close();
      await stores.close();
    }
    expect(await stack.stop()).toBe(0);

    // A new machine, or the same one after its disk was lost: an empty folder, the archive and the passphrase.
    port = await freePort();
    env = envOf(after, port);
    base = `http://127.0.0.1:${port}`;
    const restored = ok(env, ['backup', 'restore', archive]);
    expect(restored).toContain(`restored into ${after}`);
    expect(fs.existsSync(path.join(after, 'temporal.db'))).toBe(true);
    expect(fs.readdirSync(path.dirname(after)).filter((n) => n.includes('.restore-'))).toEqual([]);
    stack = await startStack(env);

    // The return link mailed before the backup still opens its task; the file staged before it is still there.
    const task = await fetch(`${base}/api/vendor/${returning}`);
    expect(task.status).toBe(200);
    const staged = JSON.stringify(await task.json());
    expect(staged).toContain('students.csv');
    expect(staged).not.toContain('access-log.csv');
    await upload(base, returning, 'electronic', 'reading-sessions.jsonl');
    await upload(base, returning, 'access_log', 'access-log.csv');
    await upload(base, returning, 'policies', 'privacy-policy.txt');
    expect((await post(base, returning, 'submit-return', example('submit-return.json'))).status).toBe(202);
    ok(env, ['case', 'wait', caseId, '--status', 'awaiting_review', '--timeout', '120']);
    ok(env, ['case', 'review', caseId, '--accept']);
    const certify = tokenOf(ok(env, ['outbox', 'link', caseId, '--task', 'certify', '--timeout', '60']));
    const body = certifyToday();
    expect((await post(base, certify, 'certify', JSON.stringify(body))).status).toBe(202);
    const code = ok(env, ['outbox', 'code', caseId, '--timeout', '60']);
    const certified = await post(base, certify, 'certify', JSON.stringify({ ...body, verificationCode: code }));
    expect(certified.status).toBe(200);
    ok(env, ['case', 'wait', caseId, '--status', 'awaiting_signoff', '--timeout', '120']);
    ok(env, ['case', 'sign', caseId, '--note', 'Checked after the restore']);
    ok(env, ['case', 'wait', caseId, '--status', 'completed', '--timeout', '120']);
    const statement = path.join(work, 'statement.pdf');
    ok(env, ['statement', 'get', caseId, '-o', statement]);
    expect(ok(env, ['statement', 'verify', statement])).toMatch(
      /^valid: signed by the district, and unchanged since$/m,
    );

    const verified = ok(env, ['audit', 'verify']);
    expect(verified).toMatch(/^The access log is intact/m);
    expect(verified).toContain(
      `The logs end at the backup taken ${made.takenAt} (access log entry ${made.heads.accessLog.seq},`,
    );
    // Who took the backup is in it (its entry precedes the snapshot), and who restored it follows it.
    const { entries: logged } = JSON.parse(ok(env, ['audit', 'export', '--format', 'json'])) as {
      entries: { action: string; outcome: string }[];
    };
    const entries = logged.filter((e) => e.action.startsWith('cli backup')).map((e) => `${e.action}: ${e.outcome}`);
    expect(entries).toEqual([
      'cli backup create: ok',
      `cli backup restore: ok backup ${made.backupId} taken ${made.takenAt}`,
    ]);
    const against = ok(env, ['audit', 'verify', '--checkpoint', path.join(work, 'checkpoint.json')]);
    expect(against).toMatch(/The checkpoint of \S+ holds up to the backup\. It was taken after the backup of /);
    expect(against).toContain('went with the restore, not with tampering');
    expect(await stack.stop()).toBe(0);

    // The restored data backed up in turn (the stack stopped this time): the statement's file goes with the record
    // that names it, and verify tells both restores.
    const second = path.join(work, 'second.tar');
    const again = JSON.parse(ok(env, ['backup', 'create', second, '--json']));
    const third = envOf(path.join(work, 'third'), port);
    ok(third, ['backup', 'restore', second]);
    const copy = path.join(work, 'statement-again.pdf');
    ok(third, ['statement', 'get', caseId, '-o', copy]);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(statement))).toBe(true);
    const twice = ok(third, ['audit', 'verify']);
    expect(twice).toContain(`The logs end at the backup taken ${made.takenAt}`);
    expect(twice).toContain(`The logs end at the backup taken ${again.takenAt}`);
  }, 600_000);
});
