// `services:up` for PostgreSQL: a cluster that answers with the password in DATABASE_URL, reused on the next call.
// The Temporal server stays out of here: its first build takes minutes (see scripts/services/temporal-server.ts).
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stopPostgres } from '../scripts/services/postgres';
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
