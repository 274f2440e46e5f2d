// The stores of one process over one database: SQLite in DATA_DIR by default, PostgreSQL when DATABASE_URL is
// set. The schema is migrated before anything reads it.
import fs from 'node:fs';
import path from 'node:path';
import type { Keyring } from '../keys/keys';
import { LogHeadAnchor } from './log-head-anchor';
import { AuditChainKeys } from '../keys/audit-chain-keys';
import type { Config } from '../config';
import type { AccessLog } from './access-log';
import type { CaseRecordStore } from './case-record-store';
import { migrate } from './migrate';
import { SqlAccessLog } from './sql-access-log';
import { SqlCaseRecordStore } from './sql-case-record-store';
import type { SqlDatabase } from './sql-database';
import { SqliteDatabase } from './sqlite-database';
import { SqlUserStore } from './sql-user-store';
import type { UserStore } from './user-store';
import { SqlSharedCounters, type SharedCounters } from './shared-counters';
import { SqlSignatoryCodes } from './signatory-codes';
import { SqlBulkStore } from './bulk-store';
import { FieldSeal } from '../keys/field-seal';

export interface Stores {
  database: SqlDatabase;
  records: CaseRecordStore;
  users: UserStore;
  accessLog: AccessLog;
  counters: SharedCounters;
  /** One-time codes for certification signatories (the server's signatory check). */
  signatories: SqlSignatoryCodes;
  /**
   * Gives the stores this node's keyring, before the case record is read or written: the record's personal data
   * is sealed with its file key (what an earlier version wrote in the clear is sealed now), and on one machine
   * the access log's head is anchored beside the keys (KEYS_DIR). On several machines (DATABASE_URL) a node
   * keeps nothing on its own disk, so there is no anchor file (see docs/architecture.md).
   */
  bindKeyring(config: Pick<Config, 'keysDir' | 'databaseUrl'>, keyring: Keyring): Promise<void>;
  /** The field seal bindKeyring made (for stores made beside these, such as bulk starts). */
  readonly seal: FieldSeal;
  close(): Promise<void>;
}

/**
 * One connection per SQLite file per process, shared by whoever opens it (`npm start` runs the worker and the
 * server in one process). Two connections in one process would deadlock: SQLite's wait for a busy file blocks
 * the event loop, so the transaction holding the file could never finish.
 */
const sqliteInProcess = new Map<string, { database: SqliteDatabase; users: number; ready: Promise<void> }>();

function sharedSqlite(file: string): SqlDatabase {
  let entry = sqliteInProcess.get(file);
  if (!entry) {
    const database = new SqliteDatabase(file);
    entry = { database, users: 0, ready: migrate(database).then(() => undefined) };
    sqliteInProcess.set(file, entry);
  }
  entry.users += 1;
  const shared = entry;
  let closed = false;
  const db = shared.database;
  const handle: SqlDatabase & { ready: Promise<void> } = {
    dialect: db.dialect,
    location: db.location,
    all: (sql, params) => db.all(sql, params),
    get: (sql, params) => db.get(sql, params),
    run: (sql, params) => db.run(sql, params),
    transaction: (work) => db.transaction(work),
    exec: (sql) => db.exec(sql),
    close: async () => {
      if (closed) return;
      closed = true;
      shared.users -= 1;
      if (shared.users > 0) return;
      sqliteInProcess.delete(file);
      await db.close();
    },
    ready: shared.ready,
  };
  return handle;
}

export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<SqlDatabase> {
  // pg is loaded only with DATABASE_URL.
  const database = config.databaseUrl
    ? await (await import('./postgres-database')).PostgresDatabase.connect(config.databaseUrl)
    : sharedSqlite(path.join(config.dataDir, 'disposition.db'));
  try {
    await ((database as { ready?: Promise<void> }).ready ?? migrate(database));
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

const SEALED_FACT = 'rows written before sealing are sealed';

export function storesOver(database: SqlDatabase): Stores {
  const records = new SqlCaseRecordStore(database);
  const accessLog = new SqlAccessLog(database);
  let seal: FieldSeal | undefined;
  return {
    database,
    records,
    users: new SqlUserStore(database),
    accessLog,
    counters: new SqlSharedCounters(database),
    signatories: new SqlSignatoryCodes(database),
    async bindKeyring(config, keyring) {
      seal = new FieldSeal(keyring);
      records.sealWith(seal);
      accessLog.sealWith(seal);
      await accessLog.keyWith(new AuditChainKeys(keyring));
      // Once per database: a sweep reads every row of the tables it seals, too much for each start of each process.
      if (!(await database.get('SELECT 1 AS done FROM store_facts WHERE fact = ?', [SEALED_FACT]))) {
        const sealed = (await records.sealEarlierRows()) + (await new SqlBulkStore(database, seal).sealEarlierRows());
        // SQLite's write-ahead log still holds the clear pages until a checkpoint; secure_delete zeroed the freed ones.
        if (sealed > 0 && database.dialect === 'sqlite') await database.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        await database.run('INSERT INTO store_facts (fact, at) VALUES (?, ?) ON CONFLICT (fact) DO NOTHING', [
          SEALED_FACT,
          Date.now(),
        ]);
      }
      if (config.databaseUrl) return;
      fs.mkdirSync(config.keysDir, { recursive: true, mode: 0o700 });
      accessLog.anchorTo({
        accessLog: new LogHeadAnchor(config.keysDir, 'accessLog', keyring),
        intrusions: new LogHeadAnchor(config.keysDir, 'intrusions', keyring),
      });
    },
    get seal() {
      if (!seal) throw new Error('the stores have no keyring yet: call stores.bindKeyring first');
      return seal;
    },
    close: () => database.close(),
  };
}

export async function openStores(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Stores> {
  return storesOver(await openDatabase(config));
}
