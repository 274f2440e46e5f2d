// Issue 25 (the first hour): `npm run demo` drives one whole case to a statement that verifies, and README's walk
// is run as it is written: its sh blocks, in order, against the compiled stack `npm start` runs, with the
// `disposition` command on the PATH as README advises. The roll-off example leaves a case waiting, and the CLI and
// the case page say until when.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/dev-server';
import { dayOf, readableDay } from '../domain/dates';

const ROOT = path.resolve(__dirname, '..');
const { ensureBuilt } = createRequire(__filename)('../bin/build-state.js') as {
  ensureBuilt: (log?: (line: string) => void) => void;
};
let work: string;
let bin: string;

beforeAll(() => {
  ensureBuilt(() => undefined);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-walk-'));
  // README: "put the command on your PATH once" (npm link does it globally; this does it for the test's shells).
  bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'disposition'),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'disposition.js')}" "$@"\n`,
    { mode: 0o755 },
  );
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** The environment of one stack: its own data folder, port and task queue, on the tests' Temporal dev server. */
function stackEnv(name: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATA_DIR: path.join(work, name),
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: `walk-${name}-${port}`,
    SMTP_URL: '',
    DATABASE_URL: '',
    STORAGE_URL: '',
    PATH: `${bin}:${process.env.PATH}`,
  };
}

function collect(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { text: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** `npm start` (compiled), until the server answers and the worker polls. */
async function startStack(env: NodeJS.ProcessEnv): Promise<{ stop: () => Promise<void>; output: () => string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { text, exited } = collect(child);
  const deadline = Date.now() + 90_000;
  while (!(text().includes('[server] listening') && text().includes('[worker] polling'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${text()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    output: text,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a shell script as README's reader would, in a folder holding `examples/`; answers status and output. */
function shell(script: string, env: NodeJS.ProcessEnv, cwd: string): { status: number | null; output: string } {
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', timeout: 170_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** README's walk: the sh blocks between its walk markers, in order, with the test's port for 3000. */
function readmeWalk(port: number): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('<!-- walk:');
  const to = readme.indexOf('<!-- walk: end -->');
  expect(from).toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  const blocks = [...readme.slice(from, to).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  return blocks.join('\n').replaceAll('http://localhost:3000', `http://localhost:${port}`);
}

describe('npm run demo', () => {
  it('starts the stack, drives one whole case through the CLI and the vendor links, and ends in a statement that verifies', async () => {
    const port = await freePort();
    const env = stackEnv('demo', port);
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'demo', '--stop'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { text, exited } = collect(child);
    const code = await exited;
    const output = text();
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    // Every part of the walk, each through its own command or link.
    for (const step of [
      '$ disposition case start',
      '/api/vendor/$T/acknowledge',
      '$ disposition outbox link',
      '/api/vendor/$T/files',
      '/api/vendor/$T/submit-return',
      '$ disposition case review',
      '/api/vendor/$T/certify',
      '$ disposition outbox code',
      '$ disposition case sign',
      '$ disposition statement verify',
    ])
      expect(output).toContain(step);
    expect(output).toContain('Sign in as admin with the passphrase');
    const caseId = /caseId (\S+)/.exec(output)![1]!;
    expect(output).toContain(`The case:      http://localhost:${port}/cases/${caseId}`);
    const statement = /The statement: (\S+\.pdf)/.exec(output)![1]!;
    try {
      // The statement it names verifies on its own, with the stack stopped.
      const verify = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'disposition.js'), 'statement', 'verify', statement],
        {
          env,
          encoding: 'utf8',
        },
      );
      expect({ status: verify.status, out: verify.stdout }).toMatchObject({ status: 0 });
      expect(verify.stdout).toMatch(/^valid: signed by the district, and unchanged since$/m);
    } finally {
      fs.rmSync(statement, { force: true });
    }
  }, 180_000);
});

describe("README's walk, run as written", () => {
  let port: number;
  let env: NodeJS.ProcessEnv;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let cwd: string;

  beforeAll(async () => {
    port = await freePort();
    env = stackEnv('walk', port);
    stack = await startStack(env);
    cwd = path.join(work, 'reader');
    fs.mkdirSync(cwd);
    fs.symlinkSync(path.join(ROOT, 'examples'), path.join(cwd, 'examples'));
  }, 120_000);
  afterAll(async () => stack?.stop());

  it("the sh blocks, in order, end in a statement that verifies, and the API's sign-in starts a second case", () => {
    const { status, output } = shell(readmeWalk(port), env, cwd);
    expect({ status, output: output.slice(-4000) }).toMatchObject({ status: 0 });
    expect(output).toMatch(/^valid: case \S+, task acknowledge/m);
    expect(output).toMatch(/"status":"verification_sent"/);
    expect(output).toMatch(/^valid: signed by the district, and unchanged since$/m); // statement verify
    expect(output).toMatch(/"status": "completed"/); // GET /api/cases/$CASE through the session
    expect(output).toMatch(/"caseId":"[A-Za-z0-9]+"/); // POST /api/cases with the CSRF token
    expect(output).not.toMatch(/"error":/);
    expect(fs.existsSync(path.join(cwd, 'statement.pdf'))).toBe(true);
  }, 180_000);

  it('examples/certify-backups-roll-off.json leaves the case waiting, and case show and the case page say until when', () => {
    // The walk's steps up to certification, for a second contract, then the roll-off example, its roll-off day
    // moved to 60 days from now so that the case waits whatever the day the test runs.
    const rollOff = dayOf(Date.now() + 60 * 86_400_000);
    const script = `
      jq '.contract.id = "CT-2024-099"' examples/case.json > case-rolloff.json
      CASE=$(disposition case start --file case-rolloff.json --json | jq -r .caseId)
      T=$(disposition outbox link $CASE --task acknowledge | sed 's|.*/v/||')
      curl -sf -X POST http://localhost:${port}/api/vendor/$T/acknowledge -H 'content-type: application/json' -d @examples/acknowledge.json
      T=$(disposition outbox link $CASE --task return | sed 's|.*/v/||')
      for f in permanent=students.csv electronic=reading-sessions.jsonl access_log=access-log.csv policies=privacy-policy.txt; do
        curl -sf -X POST http://localhost:${port}/api/vendor/$T/files -F category=\${f%%=*} -F file=@examples/returned/\${f#*=} > /dev/null
      done
      curl -sf -X POST http://localhost:${port}/api/vendor/$T/submit-return -H 'content-type: application/json' -d @examples/submit-return.json
      disposition case wait $CASE --status awaiting_review
      disposition case review $CASE --accept
      T=$(disposition outbox link $CASE --task certify | sed 's|.*/v/||')
      jq --arg today "$(date -u +%F)" --arg rollOff ${rollOff} '(.. | objects | select(has("completedOn")) | .completedOn) = $today
        | (.. | objects | select(has("removedOn")) | .removedOn) = $today
        | .destruction.backups.rollOffDate = $rollOff' examples/certify-backups-roll-off.json > rolloff-dated.json
      curl -sf -X POST http://localhost:${port}/api/vendor/$T/certify -H 'content-type: application/json' -d @rolloff-dated.json
      jq --arg code "$(disposition outbox code $CASE)" '. + {verificationCode: $code}' rolloff-dated.json |
        curl -sf -X POST http://localhost:${port}/api/vendor/$T/certify -H 'content-type: application/json' -d @-
      disposition case wait $CASE --status awaiting_backup_rolloff
      disposition case show $CASE
      curl -sf -c rolloff-cookies.txt -X POST http://localhost:${port}/api/auth/login -H 'content-type: application/json' -d @examples/login.json > /dev/null
      curl -sf -b rolloff-cookies.txt http://localhost:${port}/cases/$CASE
      curl -sf -b rolloff-cookies.txt http://localhost:${port}/api/cases/$CASE | jq -c .waitingUntil
    `;
    const { status, output } = shell(script, env, cwd);
    expect({ status, output: output.slice(-4000) }).toMatchObject({ status: 0 });
    const day = readableDay(rollOff);
    expect(output).toContain(`No open task until ${day}, 00:00 UTC: the vendor certified that its backups`);
    expect(output).toContain(`None until ${day}, 00:00 UTC: the vendor certified that its backups`);
    expect(output).toContain(`"at":"${rollOff}T00:00:00.000Z"`);
  }, 180_000);
});
