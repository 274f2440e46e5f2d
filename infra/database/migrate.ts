// Applies the schema's migrations at start, one transaction each way, on any number of nodes starting at once.
import { CASE_STATUSES } from '../../domain/statuses';
import { MIGRATIONS, STATUS_TABLE_VERSION, type Migration } from './migrations';
import { DatabaseTooNewError, type SqlDatabase } from './sql-database';
import { syncStatusRanks } from './status-ranks';

export interface MigrationResult {
  from: number;
  to: number;
}

export async function migrate(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
  /** The lifecycle's statuses in order; a test passes another list to see the cases re-ranked. */
  statuses: readonly string[] = CASE_STATUSES,
): Promise<MigrationResult> {
  const latest = migrations.at(-1)?.version ?? 0;
  return db.transaction(async (tx) => {
    // Nodes starting together: the first migrates, the others wait here and then find nothing to do.
    await tx.lock('schema migrations');
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const current =
      (await tx.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations'))?.version ?? 0;
    if (current > latest) {
      throw new DatabaseTooNewError(
        `the database ${db.location} has schema version ${current}, newer than this Disposition's ${latest}: run the newer release that migrated it (or restore a backup from before it)`,
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await tx.exec(migration.sql[db.dialect]);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
    // An older schema (a test builds each) has no table of statuses yet.
    if (Math.max(current, latest) >= STATUS_TABLE_VERSION) await syncStatusRanks(tx, statuses);
    return { from: current, to: Math.max(current, latest) };
  });
}
