// A district upgrades from whatever release it runs. For each earlier schema version, on SQLite and PostgreSQL:
// build the database as that release left it, put a row in every table it had, upgrade it, and check that every
// value is still there and that what the migrations compute (a case's rank among the statuses, when it closed) is
// right. And both engines end with the same tables, columns and indexes.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CASE_STATUSES } from '../domain/statuses';
import { migrate } from '../infra/database/migrate';
import { MIGRATIONS, SCHEMA_VERSION } from '../infra/database/migrations';
import { PostgresDatabase } from '../infra/database/postgres-database';
import type { SqlDatabase } from '../infra/database/sql-database';
import { SqliteDatabase } from '../infra/database/sqlite-database';
import { SqlCaseRecordStore } from '../infra/database/sql-case-record-store';
import { DATABASE_BACKENDS, type DatabaseBackend } from './support/database-backends';

const T0 = Date.parse('2026-12-01T09:00:00Z');

interface Column {
  table: string;
  name: string;
  /** The engine's declared type, reduced to what both engines mean by it: integer, text or blob. */
  kind: 'integer' | 'text' | 'blob';
  /** Whether the engine can hold a time in milliseconds in it (SQLite's INTEGER can; PostgreSQL's needs BIGINT). */
  wide: boolean;
  notNull: boolean;
}

function kindOf(declared: string): Pick<Column, 'kind' | 'wide'> {
  const type = declared.toLowerCase();
  if (type.includes('int') || type.includes('serial')) return { kind: 'integer', wide: type.includes('big') };
  if (type.includes('blob') || type === 'bytea') return { kind: 'blob', wide: false };
  return { kind: 'text', wide: false };
}

async function columnsOf(db: SqlDatabase): Promise<Column[]> {
  if (db.dialect === 'sqlite') {
    const tables = await db.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    const columns: Column[] = [];
    for (const { name: table } of tables) {
      for (const c of await db.all<{ name: string; type: string; notnull: number; pk: number }>(
        `PRAGMA table_info(${table})`,
      ))
        columns.push({ table, name: c.name, ...kindOf(c.type), wide: true, notNull: c.notnull === 1 || c.pk > 0 });
    }
    return columns;
  }
  const rows = await db.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  return rows.map((c) => ({
    table: c.table_name,
    name: c.column_name,
    ...kindOf(c.data_type),
    notNull: c.is_nullable === 'NO',
  }));
}

/** Indexes made by name (a primary key's or a UNIQUE column's own index is the engine's business). */
async function indexesOf(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string; table: string }>(
          'SELECT name, tbl_name AS "table" FROM sqlite_master WHERE type = \'index\' AND sql IS NOT NULL',
        )
      : await db.all<{ name: string; table: string }>(
          `SELECT indexname AS name, tablename AS "table" FROM pg_indexes WHERE schemaname = current_schema()
            AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'`,
        );
  return rows.map((r) => `${r.table}.${r.name}`).sort();
}

async function rawDatabase(backend: DatabaseBackend): Promise<{ db: SqlDatabase; drop: () => Promise<void> }> {
  const fresh = await backend.fresh();
  const db = fresh.databaseUrl
    ? await PostgresDatabase.connect(fresh.databaseUrl)
    : new SqliteDatabase(path.join(fresh.dataDir, 'disposition.db'));
  return {
    db,
    drop: async () => {
      await db.close();
      await fresh.drop();
    },
  };
}

/** The rank the release at `version` wrote for a completed case (before version 3 there was no rank). */
const completedRankAt = (version: number): number => (version < 9 ? 7 : version < 10 ? 8 : 9);

/** One row's value for a column: the same case and user everywhere, so every reference holds. */
function valueFor(column: Column, version: number): unknown {
  if (column.name === 'case_id') return 'CASE-1';
  if (column.name === 'username') return 'ada';
  if (column.table === 'cases' && column.name === 'status') return 'completed';
  if (column.table === 'cases' && column.name === 'status_rank') return completedRankAt(version);
  if (column.table === 'cases' && column.name === 'enforcement') return 'none';
  if (column.kind === 'integer') return column.wide ? T0 : 7;
  if (column.kind === 'blob') return Buffer.from(`${column.table}.${column.name}`);
  return `${column.table}.${column.name}`;
}

const PARENTS = ['cases', 'users'];
/** The columns table by table, the tables others refer to first. */
function byTable(columns: Column[]): [string, Column[]][] {
  const tables = new Map<string, Column[]>();
  for (const column of columns) tables.set(column.table, [...(tables.get(column.table) ?? []), column]);
  return [...tables].sort(
    ([a], [b]) => Number(PARENTS.includes(b)) - Number(PARENTS.includes(a)) || a.localeCompare(b),
  );
}

const comparable = (value: unknown): unknown =>
  Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? Number(value) : value;

describe.each(DATABASE_BACKENDS)('upgrading a $name database', (backend) => {
  let dropLater: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dropLater?.();
    dropLater = undefined;
  });

  it.each(MIGRATIONS.slice(0, -1).map((m) => m.version))(
    'from schema version %i, a row in every table, keeps every value and computes the new ones',
    async (version) => {
      const { db, drop } = await rawDatabase(backend);
      dropLater = drop;
      await migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= version),
      );
      const before = await columnsOf(db);
      const written = new Map<string, Record<string, unknown>>();
      for (const [table, columns] of byTable(before.filter((c) => c.table !== 'schema_migrations'))) {
        const row = Object.fromEntries(columns.map((c) => [c.name, valueFor(c, version)]));
        await db.run(
          `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
            .map(() => '?')
            .join(', ')})`,
          Object.values(row),
        );
        written.set(table, row);
      }

      expect(await migrate(db)).toEqual({ from: version, to: SCHEMA_VERSION });

      for (const [table, row] of written) {
        if (table === 'case_statuses') {
          // Each start brings this table in line with the code's statuses, in their order, and keeps the row
          // written (a status it does not know, as a newer release beside it would have written).
          const statuses = (await db.all<{ name: string }>('SELECT name FROM case_statuses ORDER BY rank')).map(
            (s) => s.name,
          );
          expect(statuses.filter((name) => name !== row.name)).toEqual([...CASE_STATUSES]);
          expect(statuses).toContain(row.name);
          continue;
        }
        const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
        expect(rows, table).toHaveLength(1);
        const kept = Object.fromEntries(Object.keys(row).map((name) => [name, comparable(rows[0]![name])]));
        const expected = Object.fromEntries(Object.entries(row).map(([name, value]) => [name, comparable(value)]));
        // The one value a migration rewrites: a case's place among the statuses, which grew since.
        if ('status_rank' in expected) expected.status_rank = CASE_STATUSES.indexOf('completed');
        expect(kept, table).toEqual(expected);
      }
      const caseRow = await db.get<{ status_rank: number; closed_at: number; enforcement: string }>(
        'SELECT status_rank, closed_at, enforcement FROM cases',
      );
      expect({ ...caseRow, closed_at: Number(caseRow!.closed_at) }).toEqual({
        status_rank: CASE_STATUSES.indexOf('completed'),
        closed_at: T0, // the statement's issue time
        enforcement: 'none',
      });
      // And the store reads it as a case: listed by status with the rest, on today's code.
      const page = await new SqlCaseRecordStore(db).pageCases({}, { limit: 5, sort: 'status' });
      expect(page.cases.map((c) => [c.caseId, c.status])).toEqual([['CASE-1', 'completed']]);
    },
    60_000,
  );
});

describe('both engines', () => {
  it('end with the same tables, columns and indexes', async () => {
    const [sqlite, postgres] = await Promise.all(DATABASE_BACKENDS.map((backend) => rawDatabase(backend)));
    try {
      const shapes = [];
      for (const { db } of [sqlite!, postgres!]) {
        await migrate(db);
        const columns = (await columnsOf(db)).map(
          (c) => `${c.table}.${c.name} ${c.kind}${c.notNull ? ' not null' : ''}`,
        );
        // PostgreSQL folds user names' case with an index; SQLite with the column's COLLATE NOCASE.
        const indexes = (await indexesOf(db)).filter((name) => name !== 'users.users_username_folded');
        shapes.push({ columns: columns.sort(), indexes });
      }
      expect(shapes[0]!.columns.length).toBeGreaterThan(50);
      expect(shapes[1]).toEqual(shapes[0]);
    } finally {
      await sqlite!.drop();
      await postgres!.drop();
    }
  });

  it('hold every time in a column wide enough for milliseconds on PostgreSQL', async () => {
    const { db, drop } = await rawDatabase(DATABASE_BACKENDS.find((b) => b.name === 'PostgreSQL')!);
    try {
      await migrate(db);
      const narrow = (await columnsOf(db)).filter(
        (c) => c.kind === 'integer' && !c.wide && /(_at|_until|^at)$/.test(c.name),
      );
      expect(narrow.map((c) => `${c.table}.${c.name}`)).toEqual([]);
    } finally {
      await drop();
    }
  });
});
