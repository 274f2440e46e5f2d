// The case list at district-fleet size, for bench:http: N cases written straight into the record (no workflows:
// the list reads only the record), then a page of 50 from the top and one deep in the list, on SQLite and on
// PostgreSQL, each beside the trivial route of the same server in the same run.
import type { CaseSort } from '../domain/api';
import crypto from 'node:crypto';
import pg from 'pg';
import type { Stores } from '../infra/database/open-stores';
import { servicesUp } from '../scripts/services/services';
import { caseInput } from '../tests/support/fixtures';
import { newCaseState } from '../domain/case-state-changes';
import { log } from './stack';

const STATUSES = [
  'awaiting_acknowledgement',
  'awaiting_return',
  'awaiting_review',
  'awaiting_certification',
  'completed',
] as const;
const TASKS = {
  awaiting_acknowledgement: 'acknowledge',
  awaiting_return: 'return',
  awaiting_review: 'review',
  awaiting_certification: 'certify',
} as const;

/** Writes `count` cases of assorted vendors, statuses and due times. */
export async function seedCases(stores: Stores, count: number): Promise<void> {
  const t0 = Date.parse('2026-01-05T09:00:00Z');
  for (let i = 0; i < count; i += 1) {
    const caseId = `List${String(i).padStart(8, '0')}`;
    const state = newCaseState(
      caseId,
      caseInput({ vendor: { name: `Vendor ${i % 97}` }, contract: { id: `CT-LIST-${i}` } }),
      'bench',
      t0 + i * 60_000,
    );
    state.status = STATUSES[i % STATUSES.length]!;
    state.version = 1;
    const task = TASKS[state.status as keyof typeof TASKS];
    if (task)
      state.tasks.push({
        kind: task,
        gen: 1,
        openedAt: state.createdAt,
        dueAt: state.createdAt + ((i * 7919) % 90) * 86_400_000,
        noticeSent: true,
        reminders: 0,
        overdue: i % 11 === 0,
      });
    state.timeline.push({ seq: 1, at: state.createdAt, type: 'case_started', actor: 'bench', summary: 'Case started' });
    await stores.records.saveCase(state);
    if ((i + 1) % 2_000 === 0) log(`  ${i + 1} cases written`);
  }
}

/** The cursor of the page `pages` deep in `sort` order, walked through the store. */
export async function deepCursor(stores: Stores, sort: CaseSort, pages: number): Promise<string> {
  let cursor: string | undefined;
  for (let i = 0; i < pages; i += 1)
    cursor = (await stores.records.pageCases({}, { limit: 50, sort, ...(cursor ? { cursor } : {}) })).nextCursor;
  if (!cursor) throw new Error(`the list has fewer than ${pages + 1} pages`);
  return cursor;
}

/** A fresh database on the services' PostgreSQL (started if need be), with a keyring key for it. */
export async function freshPostgres(): Promise<{ env: NodeJS.ProcessEnv; drop(): Promise<void> }> {
  const { env } = await servicesUp(['postgres'], (line) => log(`[services] ${line}`));
  const name = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), KEYRING_KEY: crypto.randomBytes(32).toString('base64') },
    async drop() {
      const again = new pg.Client({ connectionString: env.DATABASE_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
