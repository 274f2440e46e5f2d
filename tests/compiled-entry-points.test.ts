// Issue 12 (newcomer hygiene): the CLI, the worker and the server run as compiled JavaScript from dist/ (built by
// `npm run build`, and by `npm start` when the sources are newer), and each CLI command loads only what it needs.
// What is checked here is what was loaded, not how long it took (bench:cli measures that).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { USAGE } from '../client/cli-usage';
import { freePort } from '../scripts/dev-server';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const { ensureBuilt, fresh } = createRequire(__filename)('../bin/build-state.js') as {
  ensureBuilt: (log?: (line: string) => void) => void;
  fresh: () => boolean;
};
let work: string;

beforeAll(() => {
  ensureBuilt(() => undefined);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-compiled-'));
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs `node bin/disposition.js …` and answers what it printed and which modules it loaded (relative to the checkout). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const list = path.join(work, `modules-${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(
    process.execPath,
    [
      '--require',
      path.join(__dirname, 'support', 'loaded-modules.js'),
      path.join(ROOT, 'bin', 'disposition.js'),
      ...args,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: path.join(work, 'data'), LOADED_MODULES_FILE: list, ...env },
    },
  );
  const modules = (JSON.parse(fs.readFileSync(list, 'utf8')) as string[]).map((m) => path.relative(ROOT, m));
  return { ...run, modules };
}

const packagesIn = (modules: string[]): Set<string> =>
  new Set(
    modules
      .filter((m) => m.startsWith('node_modules/'))
      .map((m) =>
        m
          .split('/')
          .slice(1, m.split('/')[1]!.startsWith('@') ? 3 : 2)
          .join('/'),
      ),
  );

describe('the compiled CLI', () => {
  it('is what bin/disposition.js runs once built, and --help loads none of the commands', () => {
    expect(fresh()).toBe(true);
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(`${USAGE}\n`);
    expect(help.modules.filter((m) => !m.startsWith('bin/') && m !== 'tests/support/loaded-modules.js')).toEqual([]);
  });

  it("builds a package without loading Temporal, S3, a database, PDF rendering, the API's schemas or tsx", () => {
    const folder = path.join(work, 'folder');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'students.csv'), 'id,name\n1,Ana\n');
    const built = cli(['package', 'build', folder, '--out', path.join(work, 'out.enc')]);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain('1 file(s)');
    // Its own entry: not the module of every other command, nor the schemas they validate with.
    expect(built.modules).toContain('dist/client/package-command.js');
    expect(built.modules).not.toContain('dist/client/cli.js');
    expect(built.modules.filter((m) => m.startsWith('dist/domain/'))).toEqual(['dist/domain/errors.js']);
    // The keyring is all it opened: no database was made or migrated beside it.
    expect(fs.readdirSync(path.join(work, 'data'))).toEqual(['keys']);
    expect(built.modules.some((m) => m.startsWith('client/') || m.endsWith('.ts'))).toBe(false);
    const packages = packagesIn(built.modules);
    for (const heavy of [
      '@temporalio/client',
      '@aws-sdk/client-s3',
      'pg',
      'better-sqlite3',
      'zod',
      '@node-rs/argon2',
      'pdfkit',
      'fastify',
      'node-forge',
      'tsx',
    ])
      expect({ heavy, loaded: packages.has(heavy) }).toEqual({ heavy, loaded: false });
  });

  it('falls back to the TypeScript sources when they are newer than the build', () => {
    const stamp = path.join(DIST, '.build-stamp');
    const was = fs.statSync(stamp).mtime;
    fs.utimesSync(stamp, new Date(0), new Date(0));
    try {
      const help = cli(['--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toBe(`${USAGE}\n`);
      expect(help.modules).toContain('client/cli.ts');
      // A command that loads its modules with import() finds them from the sources too.
      const verify = cli([
        'statement',
        'verify',
        path.join(work, 'absent.pdf'),
        '--cert',
        path.join(work, 'absent.pem'),
      ]);
      expect(verify.stderr).toContain(
        `error: ENOENT: no such file or directory, open '${path.join(work, 'absent.pem')}'`,
      );
    } finally {
      fs.utimesSync(stamp, was, was);
    }
  });
});

describe('npm start, compiled', () => {
  it('runs the worker and the server from dist/: pages with their styles, health, and a clean stop', async () => {
    const port = await freePort();
    const list = path.join(work, 'start-modules.json');
    const child = spawn(
      process.execPath,
      ['--require', path.join(__dirname, 'support', 'loaded-modules.js'), path.join(ROOT, 'bin', 'run.js'), 'start'],
      {
        env: {
          ...process.env,
          DATA_DIR: path.join(work, 'start'),
          PORT: String(port),
          PUBLIC_URL: `http://localhost:${port}`,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TASK_QUEUE: `compiled-${port}`,
          LOADED_MODULES_FILE: list,
          SMTP_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!(output.includes('[server] listening') && output.includes('[worker] polling'))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(200);
      const css = await fetch(`http://127.0.0.1:${port}/static/style.css`);
      expect(css.status).toBe(200);
      expect(await css.text()).toContain('{');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const modules = (JSON.parse(fs.readFileSync(list, 'utf8')) as string[]).map((m) => path.relative(ROOT, m));
    expect(modules).toEqual(
      expect.arrayContaining(['dist/scripts/start.js', 'dist/worker/main.js', 'dist/server/main.js']),
    );
    expect(modules.filter((m) => m.endsWith('.ts'))).toEqual([]);
  }, 150_000);
});
