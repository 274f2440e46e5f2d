// The stores of one process over one database: SQLite in DATA_DIR by default, PostgreSQL when DATABASE_URL is
// set. The schema is migrated before anything reads it.
import path from 'node:path';
import type { Config } from '../config';
import type { AccessLog } from './access-log';
import type { CaseRecordStore } from './case-record-store';
import { migrate } from './migrate';
import { PostgresDatabase } from './postgres-database';
import { SqlAccessLog } from './sql-access-log';
import { SqlCaseRecordStore } from './sql-case-record-store';
import type { SqlDatabase } from './sql-database';
import { SqliteDatabase } from './sqlite-database';
import { SqlUserStore } from './sql-user-store';
import type { UserStore } from './user-store';
import { SqlSharedCounters, type SharedCounters } from './shared-counters';

export interface Stores {
  database: SqlDatabase;
  records: CaseRecordStore;
  users: UserStore;
  accessLog: AccessLog;
  counters: SharedCounters;
  close(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<SqlDatabase> {
  const database = config.databaseUrl ? await PostgresDatabase.connect(config.databaseUrl) : new SqliteDatabase(path.join(config.dataDir, 'disposition.db'));
  try {
    await migrate(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

export function storesOver(database: SqlDatabase): Stores {
  return {
    database,
    records: new SqlCaseRecordStore(database),
    users: new SqlUserStore(database),
    accessLog: new SqlAccessLog(database),
    counters: new SqlSharedCounters(database),
    close: () => database.close(),
  };
}

export async function openStores(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Stores> {
  return storesOver(await openDatabase(config));
}
