// `services:up` for PostgreSQL: a cluster that answers with the password in DATABASE_URL, reused on the next call.
// The Temporal server stays out of here: its first build takes minutes (see scripts/services/temporal-server.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stopPostgres } from '../scripts/services/postgres';
import {
  cachedGoBinaries,
  SERVICES_CACHE,
  ServiceNotBuiltError,
  type GoBinaries,
} from '../scripts/services/service-kit';
import { servicesUp } from '../scripts/services/services';

const lines: string[] = [];
const log = (line: string): void => {
  lines.push(line);
};
let startedHere = false;

afterAll(async () => {
  // A cluster someone already ran (a developer's `services:up`) is theirs: leave it running.
  if (startedHere) await stopPostgres(log);
});

describe('services:up postgres', () => {
  it('starts a cluster that answers on DATABASE_URL, and a second call reuses it', async () => {
    const first = await servicesUp(['postgres'], log);
    startedHere = first.started.includes('postgres');
    const url = first.env.DATABASE_URL!;
    expect(url).toMatch(/^postgres:\/\/disposition:[^@]+@127\.0\.0\.1:\d+\/disposition$/);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number; who: string }>('SELECT 1 AS one, current_user AS who');
      expect(rows).toEqual([{ one: 1, who: 'disposition' }]);
    } finally {
      await client.end();
    }

    const second = await servicesUp(['postgres'], log);
    expect(second.started).toEqual([]);
    expect(new URL(second.env.DATABASE_URL!).port).toBe(new URL(url).port);
  });

  it('refuses a wrong password', async () => {
    const { env } = await servicesUp(['postgres'], log);
    const url = new URL(env.DATABASE_URL!);
    url.password = 'not-the-password';
    const client = new Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});

describe('service binaries are built up front, never by a test', () => {
  const spec = (name: string): GoBinaries => ({
    name,
    version: 'v0.0.1',
    packages: ['example.invalid/no/such/module'],
    binaries: ['nothing'],
    minutes: 1,
  });

  it('refuses a binary nobody built, naming the command that builds it, without building', () => {
    const name = `not-built-${crypto.randomBytes(3).toString('hex')}`;
    let thrown: unknown;
    try {
      cachedGoBinaries(spec(name), { build: false, log });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ServiceNotBuiltError);
    expect((thrown as Error).message).toContain(`npm run services:build -- ${name}`);
    expect(fs.existsSync(path.join(SERVICES_CACHE, `${name}-v0.0.1.partial`))).toBe(false);
  });

  it('says which tool and version failed to build, and how to retry', () => {
    const name = `fails-${crypto.randomBytes(3).toString('hex')}`;
    try {
      // GOPROXY=off: refused at once, without asking the network for a module that does not exist.
      const env = process.env.GOPROXY;
      process.env.GOPROXY = 'off';
      try {
        expect(() => cachedGoBinaries(spec(name), { build: true, log })).toThrow(
          new RegExp(
            `building ${name} v0\\.0\\.1 failed: go install exited 1\\. .*retry with \`npm run services:build -- ${name}\`, or by hand: GOBIN=\\S+ go install -trimpath '-ldflags=-s -w' example\\.invalid/no/such/module@v0\\.0\\.1`,
          ),
        );
      } finally {
        if (env === undefined) delete process.env.GOPROXY;
        else process.env.GOPROXY = env;
      }
    } finally {
      fs.rmSync(path.join(SERVICES_CACHE, `${name}-v0.0.1.partial`), { recursive: true, force: true });
    }
  });
});
