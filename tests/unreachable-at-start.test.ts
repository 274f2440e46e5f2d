// Bad settings at start: an unreachable database, bucket or Temporal gives one clear line naming what and where
// (never a password), exit code 5 from the CLI, and nothing half-written.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disposition-unreachable-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const run = (file: string, args: string[], env: Record<string, string>) =>
  spawnSync(
    process.execPath,
    [...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), path.resolve(__dirname, '..', file), ...args],
    {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, DATA_DIR: dataDir, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );

const errorLines = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => line.trim() !== '' && !line.includes('NodeVersionSupportWarning'));

describe('at start', () => {
  it('the CLI names a database it cannot reach, without its password, and exits 5', () => {
    const result = run('bin/disposition.js', ['case', 'list'], {
      DATABASE_URL: 'postgres://disposition:sekrit-pass@127.0.0.1:1/district',
    });
    expect(result.status).toBe(5);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(/^error: PostgreSQL at 127\.0\.0\.1:1\/district cannot be reached: /),
    ]);
    expect(result.stderr).not.toContain('sekrit-pass');
  });

  it('the CLI refuses a shared database without KEYRING_KEY and says how to make one', () => {
    const result = run('bin/disposition.js', ['case', 'list'], { DATABASE_URL: inject('postgresAdminUrl') });
    expect(result.status).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringContaining('set KEYRING_KEY to 32 random bytes in base64 (make one with: openssl rand -base64 32)'),
    ]);
  });

  it('the worker names a bucket it cannot reach before it polls', () => {
    const result = run('worker/main.ts', [], {
      STORAGE_URL: 's3://district-files?endpoint=http://127.0.0.1:1&region=us-east-1&forcePathStyle=true',
      AWS_ACCESS_KEY_ID: 'minio',
      AWS_SECRET_ACCESS_KEY: 'sekrit-key',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(result.status).not.toBe(0);
    // (On Node 20 the AWS SDK warns first that it will need Node 22 from 2027: its lines, not ours.)
    const ours = errorLines(result.stderr).filter((line) => line.startsWith('[worker]'));
    expect(ours).toEqual([
      expect.stringMatching(
        /^\[worker\] the file storage at http:\/\/127\.0\.0\.1:1 \(bucket "district-files"\) is unavailable/,
      ),
    ]);
    expect(result.stderr).not.toContain('sekrit-key');
  });

  it('the CLI names the Temporal it cannot reach and exits 5', () => {
    const file = path.join(dataDir, 'case.json');
    fs.copyFileSync(path.resolve(__dirname, '../examples/case.json'), file);
    const result = run('bin/disposition.js', ['case', 'start', '--file', file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.status).toBe(5);
    expect(errorLines(result.stderr).at(-1)).toMatch(/127\.0\.0\.1:1/);
  });
});
